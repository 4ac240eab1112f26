import Hummingbird
import NIOCore

/// Reads a request body in the encodings kube-apiserver accepts: JSON, YAML and Kubernetes
/// protobuf, at most 3 MiB (kube-apiserver's limit; more is 413).
enum RequestBody {
    /// The largest body accepted, in bytes.
    static let maxSize = 3 << 20

    /// The decoded body, or nil when the request has none.
    static func decode(_ request: inout Request) async throws -> JSONValue? {
        let buffer = try await request.collectBody(upTo: maxSize)
        guard buffer.readableBytes > 0 else { return nil }
        let contentType = request.headers[.contentType] ?? "application/json"
        if contentType.hasPrefix("application/vnd.kubernetes.protobuf") {
            return try ProtobufDecoder.kubernetes.decodeObject(Array(buffer.readableBytesView))
        }
        if contentType.hasPrefix(PatchHandler.applyMediaType) {
            do {
                return try YAMLValueDecoder().decode(Array(buffer.readableBytesView))
            } catch {
                throw APIError.badRequest("error decoding YAML: \(error.message)")
            }
        }
        if contentType.hasPrefix("application/yaml") {
            do {
                return try YAMLValueDecoder().decode(Array(buffer.readableBytesView))
            } catch {
                throw APIError.badRequest("the body of the request could not be decoded as YAML: \(error.message)")
            }
        }
        guard contentType.contains("json") else {
            throw APIError(
                code: 415, reason: "UnsupportedMediaType",
                message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf")
        }
        do {
            return try JSONParser().parse(buffer.readableBytesView)
        } catch {
            throw APIError.badRequest("the body of the request could not be decoded: \(error)")
        }
    }

    /// The decoded body; 400 when there is none.
    static func required(_ request: inout Request) async throws -> JSONValue {
        guard let body = try await decode(&request) else { throw APIError.badRequest("the body of the request was empty") }
        return body
    }
}
