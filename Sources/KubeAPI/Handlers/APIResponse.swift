import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Builds the JSON responses every handler sends.
enum APIResponse {
    /// The answer to a write that stored `object` of `type`: the object in the version asked
    /// for, with `warnings` and the kind's own warnings about it.
    static func written(_ object: JSONValue, type: ResourceType, status: Int = 200, warnings: [String] = []) -> Response {
        json(VersionConversion.present(object, as: type), status: status, warnings: warnings + (Strategies.strategy(for: type)?.warnings(for: object) ?? []))
    }

    /// `value` as JSON with `status`, and a `Warning` header for each of `warnings`.
    static func json(_ value: JSONValue, status: Int = 200, warnings: [String] = []) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        for warning in warnings {
            headers.append(HTTPField(name: HTTPField.Name("Warning")!, value: "299 - \"\(warning.replacingOccurrences(of: "\"", with: "\\\""))\""))
        }
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }

    /// The `Status` of an error, written as kube-apiserver writes it: fields in the Go struct's
    /// order and a closing newline (clients such as the Python client's utilities print and
    /// compare the body as is).
    static func error(_ error: APIError) -> Response {
        Response(
            status: HTTPResponse.Status(code: error.code), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: statusBytes(error.status))))
    }

    /// `status` (a `Status`) with kube's field order: kind, apiVersion, metadata, status,
    /// message, reason, details (name, group, kind, uid, causes, retryAfterSeconds), code.
    static func statusBytes(_ status: JSONValue) -> [UInt8] {
        func ordered(_ value: JSONValue, _ order: [String]) -> [UInt8] {
            guard let members = value.objectValue else { return value.serialized() }
            var out: [UInt8] = [UInt8(ascii: "{")]
            let keys = order.filter { members[$0] != nil } + members.keys.filter { !order.contains($0) }.sorted()
            for (index, key) in keys.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out += JSONValue.string(key).serialized() + [UInt8(ascii: ":")]
                switch key {
                case "details" where order.first == "kind":
                    out += ordered(members[key]!, ["name", "group", "kind", "uid", "causes", "retryAfterSeconds"])
                case "causes":
                    out += [UInt8(ascii: "[")]
                    for (position, cause) in (members[key]?.arrayValue ?? []).enumerated() {
                        if position > 0 { out.append(UInt8(ascii: ",")) }
                        out += ordered(cause, ["reason", "message", "field"])
                    }
                    out += [UInt8(ascii: "]")]
                default:
                    out += members[key]!.serialized()
                }
            }
            out.append(UInt8(ascii: "}"))
            return out
        }
        return ordered(status, ["kind", "apiVersion", "metadata", "status", "message", "reason", "details", "code"]) + [UInt8(ascii: "\n")]
    }

    /// kube-apiserver's answer to a delete that removed an object of a kind that does not
    /// return deleted objects: `Status` Success naming it.
    static func deleted(_ object: JSONValue, type: ResourceType) -> JSONValue {
        var details: JSONValue = ["name": object[path: ["metadata", "name"]] ?? "", "kind": .string(type.plural)]
        if !type.group.isEmpty { details["group"] = .string(type.group) }
        if let uid = object[path: ["metadata", "uid"]] { details["uid"] = uid }
        return ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "details": details]
    }

    /// The kinds whose delete answers the deleted object rather than a Status, as their
    /// kube-apiserver storage sets `ReturnDeletedObject`.
    static func returnsDeletedObject(_ type: ResourceType) -> Bool {
        type.group.isEmpty && ["pods", "services", "serviceaccounts", "persistentvolumes", "persistentvolumeclaims", "namespaces"].contains(type.plural)
            || (type.group == "apiextensions.k8s.io" && type.plural == "customresourcedefinitions")
    }
}
