import AsyncHTTPClient
import CRI
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The outcome of one check.
enum ProbeResult: Sendable, Equatable {
    case success
    case failure(String)
}

/// Runs one check of a probe or lifecycle handler against a container, as the kubelet's prober:
/// exec through CRI ExecSync (exit code 0), an HTTP GET (status 200 to 399, redirects followed,
/// HTTPS certificates not checked), a TCP connect, a gRPC health check (`SERVING`), each within
/// the probe's timeout.
struct ProbeRunner: Sendable {
    let runtime: ContainerRuntime
    let http: HTTPClient

    /// The client HTTP probes use: no certificate checks (as the kubelet's), redirects followed
    /// (at most 10), no connection reuse between checks.
    static func makeHTTPClient() -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .follow(max: 10, allowCycles: false))
        configuration.connectionPool = .init(idleTimeout: .seconds(1), concurrentHTTP1ConnectionsPerHostSoftLimit: 8)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The most of a response or command output kept for a failure message.
    static let maxOutput = 1024

    func run(_ action: ProbeSpec.Action, timeoutSeconds: Int, containerID: String, podIP: String) async -> ProbeResult {
        switch action {
        case .exec(let command):
            do {
                let response = try await runtime.execSync(containerID, command: command, timeout: Int64(timeoutSeconds))
                if response.exitCode == 0 { return .success }
                let output = String(decoding: (response.stdout + response.stderr).prefix(Self.maxOutput), as: UTF8.self)
                return .failure(output.isEmpty ? "command \(Self.quoted(command)) exited with \(response.exitCode)" : output)
            } catch {
                return .failure(error.message)
            }
        case .http(let scheme, let host, let port, let path, let headers):
            let url = "\(scheme)://\(Self.hostPort(host ?? podIP, port))\(path)"
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "User-Agent", value: "kube-probe/1.32")
            request.headers.add(name: "Accept", value: "*/*")
            for header in headers { request.headers.replaceOrAdd(name: header.name, value: header.value) }
            do {
                let response = try await http.execute(request, timeout: .seconds(Int64(timeoutSeconds)))
                let body = try? await response.body.collect(upTo: 10 * 1024)
                if (200..<400).contains(response.status.code) { return .success }
                let text = body.map { String(buffer: $0).prefix(Self.maxOutput) } ?? ""
                return .failure("HTTP probe failed with statuscode: \(response.status.code)" + (text.isEmpty ? "" : ": \(text)"))
            } catch {
                return .failure("Get \"\(url)\": \(error)")
            }
        case .tcp(let host, let port):
            let address = Self.hostPort(host ?? podIP, port)
            do {
                let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(.seconds(Int64(timeoutSeconds)))
                let target = host ?? podIP
                let connecting = (try? SocketAddress(ipAddress: target, port: port)).map { bootstrap.connect(to: $0) } ?? bootstrap.connect(host: target, port: port)
                let channel = try await connecting.get()
                try? await channel.close()
                return .success
            } catch {
                return .failure("dial tcp \(address): \(error)")
            }
        case .grpc(let port, let service):
            return await GRPCHealthCheck.check(host: podIP, port: port, service: service, timeoutSeconds: timeoutSeconds)
        case .sleep(let seconds):
            try? await Task.sleep(for: .seconds(seconds))
            return .success
        }
    }

    static func hostPort(_ host: String, _ port: Int) -> String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    static func quoted(_ command: [String]) -> String { command.joined(separator: " ") }
}

/// `grpc.health.v1.Health/Check` without generated stubs: the request is `HealthCheckRequest`
/// (field 1, the service name), the answer's field 1 is the status (1 = SERVING).
enum GRPCHealthCheck {
    static func check(host: String, port: Int, service: String, timeoutSeconds: Int) async -> ProbeResult {
        var request: [UInt8] = []
        if !service.isEmpty {
            let name = Array(service.utf8.prefix(1024))
            request = [0x0a] + varint(UInt64(name.count)) + name
        }
        do {
            let transport = try HTTP2ClientTransport.Posix(target: .dns(host: host, port: port), transportSecurity: .plaintext)
            var options = CallOptions.defaults
            options.timeout = .seconds(timeoutSeconds)
            let status = try await withGRPCClient(transport: transport) { client in
                try await client.unary(
                    request: ClientRequest(message: request), descriptor: MethodDescriptor(fullyQualifiedService: "grpc.health.v1.Health", method: "Check"),
                    serializer: BytesCoder(), deserializer: BytesCoder(), options: options
                ) { response in Self.status(try response.message) }
            }
            if status == 1 { return .success }
            let names = [0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"]
            return .failure("service unhealthy (responded with \"\(names[status] ?? String(status))\")")
        } catch let error as RPCError {
            return .failure("rpc error: code = \(error.code) desc = \(error.message.prefix(ProbeRunner.maxOutput))")
        } catch {
            return .failure("failed to connect service \"\(ProbeRunner.hostPort(host, port))\": \(error)")
        }
    }

    /// Field 1 (varint) of a `HealthCheckResponse`; 0 (UNKNOWN) when absent or malformed.
    static func status(_ bytes: [UInt8]) -> Int {
        var index = 0
        while index < bytes.count {
            guard let (key, next) = readVarint(bytes, index) else { return 0 }
            index = next
            switch key & 7 {
            case 0:
                guard let (value, after) = readVarint(bytes, index) else { return 0 }
                if key >> 3 == 1 { return Int(clamping: value) }
                index = after
            case 2:
                guard let (length, after) = readVarint(bytes, index), length <= UInt64(bytes.count - after) else { return 0 }
                index = after + Int(length)
            default:
                return 0
            }
        }
        return 0
    }

    private static func readVarint(_ bytes: [UInt8], _ start: Int) -> (UInt64, Int)? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var index = start
        while index < bytes.count, shift < 64 {
            let byte = bytes[index]
            value |= UInt64(byte & 0x7f) << shift
            index += 1
            if byte & 0x80 == 0 { return (value, index) }
            shift += 7
        }
        return nil
    }

    private static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7f)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while value != 0
        return bytes
    }

    /// Passes message bytes through as they are.
    struct BytesCoder: MessageSerializer, MessageDeserializer {
        func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
        func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
            serializedMessageBytes.withUnsafeBytes { Array($0) }
        }
    }
}
