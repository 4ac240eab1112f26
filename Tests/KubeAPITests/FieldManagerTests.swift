import DaaSTestSupport
import Foundation
import Testing

@testable import KubeAPI

@Suite("Field management (managedFields and server-side apply)")
struct FieldManagerTests {
    let deployments = ResourceType(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true, subresources: ["status", "scale"])
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    var manager: FieldManager { FieldManager(type: deployments) }

    func config(replicas: Int64 = 2, image: String = "nginx:1", labels: JSONValue = ["team": "a"]) -> JSONValue {
        [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "app", "labels": labels],
            "spec": [
                "replicas": .integer(replicas), "selector": ["matchLabels": ["app": "app"]],
                "template": ["metadata": ["labels": ["app": "app"]], "spec": ["containers": [["name": "web", "image": .string(image), "ports": [["containerPort": 80]]]]]],
            ],
        ]
    }

    func entries(_ object: JSONValue) throws -> [ManagedFieldsEntry] { try ManagedFieldsEntry.decode(object[path: ["metadata", "managedFields"]]) }

    @Test("FieldsV1 round-trips, with '.' for members that have members below them")
    func fieldsV1() throws {
        let encoded: JSONValue = ["f:metadata": ["f:labels": [".": [:], "f:app": [:]]], "f:spec": ["f:containers": ["k:{\"name\":\"web\"}": [".": [:], "f:image": [:]]]]]
        let set = try FieldSet(fieldsV1: encoded)
        #expect(set.fieldsV1 == encoded)
        #expect(set.contains(["f:metadata", "f:labels"]))
        #expect(!set.contains(["f:metadata"]))
        #expect(set.paths.map(FieldPathElement.describe) == [".metadata.labels", ".metadata.labels.app", ".spec.containers[name=\"web\"]", ".spec.containers[name=\"web\"].image"])
        #expect(throws: FieldSetError.self) { try FieldSet(fieldsV1: ["x:bad": [:]]) }
        #expect(throws: FieldSetError.self) { try FieldSet(fieldsV1: ["f:a": 1]) }
        var deep: JSONValue = [:]
        for _ in 0..<100 { deep = ["f:a": deep] }
        #expect(throws: FieldSetError.self) { try FieldSet(fieldsV1: deep) }
    }

    @Test("an apply owns exactly its configuration's fields, list-map items by key with defaulted key fields")
    func applySet() throws {
        let created = try manager.apply(live: nil, config: config(), manager: "kubectl", subresource: "", force: false, now: now)
        let entry = try #require(try entries(created).first)
        #expect(entry.manager == "kubectl" && entry.operation == .apply && entry.apiVersion == "apps/v1" && entry.time == "2023-11-14T22:13:20Z")
        let paths = entry.fields.paths.map(FieldPathElement.describe)
        #expect(paths.contains(".spec.selector"))  // LabelSelector is an atomic struct
        #expect(!paths.contains(".spec.selector.matchLabels.app"))
        #expect(paths.contains(".spec.template.spec.containers[name=\"web\"].ports[containerPort=80,protocol=\"TCP\"].containerPort"))
        #expect(!paths.contains(where: { $0.hasPrefix(".metadata.name") || $0.hasPrefix(".apiVersion") }))
    }

    @Test("re-applying the same configuration changes nothing, not even the time")
    func idempotent() throws {
        var live = try manager.apply(live: nil, config: config(), manager: "kubectl", subresource: "", force: false, now: now)
        live[path: "spec.template.spec.containers"] = [["name": "web", "image": "nginx:1", "ports": [["containerPort": 80, "protocol": "TCP"]], "imagePullPolicy": "IfNotPresent"]]
        let again = try manager.apply(live: live, config: config(), manager: "kubectl", subresource: "", force: false, now: now + 60)
        #expect(again == live)
    }

    @Test("a field another manager owns conflicts with kube-apiserver's message; force takes it")
    func conflicts() throws {
        let live = try manager.apply(live: nil, config: config(), manager: "kubectl", subresource: "", force: false, now: now)
        #expect(throws: APIError(
            code: 409, reason: "Conflict", message: "Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas",
            details: ["causes": [["reason": "FieldManagerConflict", "message": "conflict with \"kubectl\"", "field": ".spec.replicas"]]])
        ) {
            try manager.apply(live: live, config: config(replicas: 3), manager: "other", subresource: "", force: false, now: now)
        }
        do {
            _ = try manager.apply(live: live, config: config(replicas: 3, image: "nginx:2"), manager: "other", subresource: "", force: false, now: now)
            Issue.record("expected a conflict")
        } catch let error as APIError {
            #expect(error.message == "Apply failed with 2 conflicts: conflicts with \"kubectl\":\n- .spec.replicas\n- .spec.template.spec.containers[name=\"web\"].image")
        }
        // The same value is shared without conflict.
        let shared = try manager.apply(live: live, config: config(), manager: "other", subresource: "", force: false, now: now)
        #expect(try entries(shared).filter { $0.fields.contains(["f:spec", "f:replicas"]) }.map(\.manager).sorted() == ["kubectl", "other"])
        let forced = try manager.apply(live: live, config: config(replicas: 3), manager: "other", subresource: "", force: true, now: now)
        #expect(forced[path: ["spec", "replicas"]] == 3)
        let owners = try entries(forced).filter { $0.fields.contains(["f:spec", "f:replicas"]) }.map(\.manager)
        #expect(owners == ["other"])
    }

    @Test("a field the manager stops applying goes, unless another manager owns it")
    func removal() throws {
        var live = try manager.apply(live: nil, config: config(labels: ["team": "a", "extra": "x"]), manager: "kubectl", subresource: "", force: false, now: now)
        live = try manager.apply(live: live, config: config(labels: ["team": "a"]), manager: "kubectl", subresource: "", force: false, now: now)
        #expect(live[path: ["metadata", "labels"]] == ["team": "a"])
        live = try manager.apply(live: live, config: config(labels: ["team": "a", "extra": "x"]), manager: "kubectl", subresource: "", force: false, now: now)
        live = try manager.apply(live: live, config: config(labels: ["extra": "x"]), manager: "other", subresource: "", force: false, now: now)
        live = try manager.apply(live: live, config: config(labels: ["team": "a"]), manager: "kubectl", subresource: "", force: false, now: now)
        #expect(live[path: ["metadata", "labels"]] == ["team": "a", "extra": "x"])
    }

    @Test("an update credits its manager with what changed and takes it from others; [{}] resets")
    func updates() throws {
        let live = try manager.apply(live: nil, config: config(), manager: "kubectl", subresource: "", force: false, now: now)
        var new = live
        new[path: "spec.replicas"] = 5
        new[path: "metadata.labels.added"] = "y"
        let fields = try #require(manager.update(old: live, new: new, manager: "kubectl-scale", subresource: "", now: now))
        new[path: "metadata.managedFields"] = fields
        let updated = try entries(new)
        #expect(updated.first { $0.manager == "kubectl-scale" }?.fields.paths.map(FieldPathElement.describe) == [".metadata.labels.added", ".spec.replicas"])
        #expect(updated.first { $0.manager == "kubectl" }?.fields.contains(["f:spec", "f:replicas"]) == false)
        // Status is ignored on the main resource of a kind with a status subresource.
        var status = live
        status[path: "status.replicas"] = 1
        #expect(manager.update(old: live, new: status, manager: "x", subresource: "", now: now) == live[path: ["metadata", "managedFields"]])
        let statusFields = try #require(manager.update(old: live, new: status, manager: "x", subresource: "status", now: now))
        #expect(statusFields.arrayValue?.contains { $0["subresource"] == "status" && $0["manager"] == "x" } == true)
        var reset = live
        reset[path: "metadata.managedFields"] = [[:]]
        #expect(manager.update(old: live, new: reset, manager: "x", subresource: "", now: now) == nil)
    }

    @Test("more than ten update managers fold the oldest into ancient-changes")
    func cap() throws {
        var live = config()
        live[path: "metadata.managedFields"] = manager.update(old: nil, new: live, manager: "creator", subresource: "", now: now)
        for index in 0..<12 {
            var new = live
            new[path: "metadata.labels.l\(index)"] = "v"
            new[path: "metadata.managedFields"] = manager.update(old: live, new: new, manager: "m\(index)", subresource: "", now: now + Double(index))
            live = new
        }
        let names = try entries(live).map(\.manager)
        #expect(names.count == 10 && names.contains("ancient-changes") && !names.contains("creator"), "\(names)")
    }

    @Test("random FieldsV1 documents decode or fail cleanly (seeded)")
    func fuzz() throws {
        var random = SplitMix64.seeded("FieldManagerTests.fuzz")
        let elements = ["f:a", "k:{\"name\":\"x\"}", "v:1", "i:0", ".", "k:{", "x", "v:", "i:-1", "f:"]
        func document(_ depth: Int) -> JSONValue {
            if depth > 4 || Int.random(in: 0..<4, using: &random) == 0 { return Int.random(in: 0..<6, using: &random) == 0 ? 1 : [:] }
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<4, using: &random) { members[elements.randomElement(using: &random)!] = document(depth + 1) }
            return .object(members)
        }
        for _ in 0..<2000 {
            let value = document(0)
            if let set = try? FieldSet(fieldsV1: value) {
                #expect(try FieldSet(fieldsV1: set.fieldsV1) == set)
                _ = set.paths.map(FieldPathElement.describe)
            }
        }
    }
}
