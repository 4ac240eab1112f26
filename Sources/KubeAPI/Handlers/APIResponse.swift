import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Builds the JSON responses every handler sends.
enum APIResponse {
    /// `value` as JSON with `status`, and a `Warning` header for each of `warnings`.
    static func json(_ value: JSONValue, status: Int = 200, warnings: [String] = []) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        for warning in warnings {
            headers.append(HTTPField(name: HTTPField.Name("Warning")!, value: "299 - \"\(warning.replacingOccurrences(of: "\"", with: "\\\""))\""))
        }
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }

    /// The `Status` of an error.
    static func error(_ error: APIError) -> Response {
        json(error.status, status: error.code)
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
