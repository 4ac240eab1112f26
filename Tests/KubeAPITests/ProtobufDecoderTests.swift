import DaaSTestSupport
import Foundation
import Testing

@testable import KubeAPI

typealias ProtoWriter = ProtobufWriter

@Suite("Kubernetes protobuf decoding")
struct ProtobufDecoderTests {
    let decoder = ProtobufDecoder(schema: .kubernetes)

    /// `k8s\0` + runtime.Unknown{typeMeta{apiVersion, kind}, raw}.
    func envelope(apiVersion: String, kind: String, raw: [UInt8]) -> [UInt8] {
        ProtobufDecoder.magic + ProtoWriter.message { unknown in
            unknown.field(1, ProtoWriter.message { $0.field(1, apiVersion); $0.field(2, kind) })
            unknown.field(2, raw)
        }
    }

    func entry(_ key: String, _ value: [UInt8]) -> [UInt8] {
        ProtoWriter.message { $0.field(1, key); $0.field(2, value) }
    }

    @Test("a ConfigMap with labels, string and binary data decodes to its JSON form")
    func configMap() throws {
        let metadata = ProtoWriter.message { meta in
            meta.field(1, "settings")
            meta.field(2, "")
            meta.field(3, "shop")
            meta.field(8, ProtoWriter.message { $0.field(1, int: 0) })  // zero creationTimestamp
            meta.field(11, entry("tier", Array("front".utf8)))
        }
        let raw = ProtoWriter.message { cm in
            cm.field(1, metadata)
            cm.field(2, entry("color", Array("blue".utf8)))
            cm.field(2, entry("empty", []))
            cm.field(3, entry("bin", [0, 1, 2]))
        }
        let object = try decoder.decodeObject(envelope(apiVersion: "v1", kind: "ConfigMap", raw: raw))
        let expected: JSONValue = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "settings", "namespace": "shop", "labels": ["tier": "front"]],
            "data": ["color": "blue", "empty": ""],
            "binaryData": ["bin": .string(Data([0, 1, 2]).base64EncodedString())],
        ]
        #expect(object == expected)
    }

    @Test("well-known types: IntOrString, Quantity, Time and int32 replicas")
    func wellKnown() throws {
        let template = ProtoWriter.message { tpl in
            tpl.field(2, ProtoWriter.message { spec in  // PodSpec
                spec.field(2, ProtoWriter.message { container in  // containers
                    container.field(1, "web")
                    container.field(2, "nginx:1.27")
                    container.field(8, ProtoWriter.message { resources in  // ResourceRequirements.requests = 2
                        resources.field(2, entry("cpu", ProtoWriter.message { $0.field(1, "500m") }))
                    })
                })
            })
        }
        let raw = ProtoWriter.message { deployment in
            deployment.field(1, ProtoWriter.message { meta in
                meta.field(1, "web")
                meta.field(8, ProtoWriter.message { $0.field(1, int: 1_764_115_200) })
            })
            deployment.field(2, ProtoWriter.message { spec in
                spec.field(1, int: 3)
                spec.field(3, template)
                spec.field(4, ProtoWriter.message { strategy in  // DeploymentStrategy
                    strategy.field(1, "RollingUpdate")
                    strategy.field(2, ProtoWriter.message { rolling in
                        rolling.field(1, ProtoWriter.message { $0.field(1, int: 1); $0.field(3, "25%") })
                        rolling.field(2, ProtoWriter.message { $0.field(1, int: 0); $0.field(2, int: 2) })
                    })
                })
            })
        }
        let object = try decoder.decodeObject(envelope(apiVersion: "apps/v1", kind: "Deployment", raw: raw))
        #expect(object[path: ["metadata", "creationTimestamp"]] == "2025-11-26T00:00:00Z")
        #expect(object[path: ["spec", "replicas"]] == 3)
        #expect(object[path: ["spec", "strategy", "rollingUpdate"]] == ["maxUnavailable": "25%", "maxSurge": 2])
        let container = object[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first
        #expect(container == ["name": "web", "image": "nginx:1.27", "resources": ["requests": ["cpu": "500m"]]])
    }

    @Test("bad bodies fail with 400 or 415, never a crash")
    func badInput() throws {
        #expect(throws: APIError.self) { try decoder.decodeObject(Array("{}".utf8)) }
        let unknownKind = envelope(apiVersion: "example.com/v1", kind: "Widget", raw: [])
        #expect(throws: APIError.self) { try decoder.decodeObject(unknownKind) }
        do {
            _ = try decoder.decodeObject(unknownKind)
        } catch let error as APIError {
            #expect(error.code == 415)
        }
        let valid = envelope(apiVersion: "v1", kind: "ConfigMap", raw: ProtoWriter.message { $0.field(2, entry("a", Array("b".utf8))) })
        var generator = SplitMix64.seeded("protobuf decoder mutations")
        for length in 0..<valid.count {
            #expect(throws: (any Error).self) { try decoder.decodeObject(Array(valid.prefix(length))) }
        }
        for _ in 0..<5_000 {
            var bytes = valid
            bytes[Int.random(in: 4..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            do {
                _ = try decoder.decodeObject(bytes)
            } catch is APIError {
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test("Go duration text")
    func durations() {
        #expect(ProtobufDecoder.goDuration(nanoseconds: 0) == "0s")
        #expect(ProtobufDecoder.goDuration(nanoseconds: 1_500_000_000) == "1.5s")
        #expect(ProtobufDecoder.goDuration(nanoseconds: 3_723_000_000_000) == "1h2m3s")
    }
}
