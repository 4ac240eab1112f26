/// An error the API server returns as a `meta.k8s.io/v1` `Status`, worded as kube-apiserver words it.
public struct APIError: Error, Hashable, CustomStringConvertible {
    /// The HTTP status code.
    public var code: Int
    /// The machine-readable reason (`NotFound`, `AlreadyExists`, `Conflict`, ...).
    public var reason: String
    /// The human message.
    public var message: String
    /// `details`: name, group, kind and causes.
    public var details: JSONValue?

    /// Creates an error.
    public init(code: Int, reason: String, message: String, details: JSONValue? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    public var description: String { "\(code) \(reason): \(message)" }

    /// The `Status` object sent to the client.
    public var status: JSONValue {
        var status: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string(message), "reason": .string(reason), "code": .integer(Int64(code)),
        ]
        if let details { status["details"] = details }
        return status
    }

    static func details(_ resource: ResourceType, name: String) -> JSONValue {
        var details: JSONValue = ["name": .string(name), "kind": .string(resource.plural)]
        if !resource.group.isEmpty { details["group"] = .string(resource.group) }
        return details
    }

    /// 404: `configmaps "x" not found`.
    public static func notFound(_ resource: ResourceType, name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(resource.groupResource) \"\(name)\" not found", details: details(resource, name: name))
    }

    /// 409: `configmaps "x" already exists`.
    public static func alreadyExists(_ resource: ResourceType, name: String) -> APIError {
        APIError(code: 409, reason: "AlreadyExists", message: "\(resource.groupResource) \"\(name)\" already exists", details: details(resource, name: name))
    }

    /// 409: the object was modified since the client read it.
    public static func conflict(_ resource: ResourceType, name: String) -> APIError {
        APIError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(resource.groupResource) \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
            details: details(resource, name: name))
    }

    /// One invalid field, as in a 422 `Invalid` Status's `details.causes`.
    public struct Cause: Hashable, Sendable {
        /// The field path, e.g. `metadata.name`.
        public var field: String
        /// `FieldValueInvalid`, `FieldValueRequired`, ...
        public var type: String
        /// The message without the field prefix, e.g. `Invalid value: "X": ...`.
        public var message: String

        /// Creates a cause.
        public init(field: String, type: String = "FieldValueInvalid", message: String) {
            self.field = field
            self.type = type
            self.message = message
        }
    }

    /// 422: `ConfigMap "X" is invalid: metadata.name: Invalid value: ...`.
    public static func invalid(_ resource: ResourceType, name: String, causes: [Cause]) -> APIError {
        var details = details(resource, name: name)
        details["kind"] = .string(resource.kind)
        return invalid("\(resource.kind) \"\(name)\"", causes: causes, details: details)
    }

    /// 422 Invalid for `subject` (`Kind "name"` as kube prints it): the causes joined into the
    /// message as kube joins field errors, and listed in `details.causes`.
    static func invalid(_ subject: String, causes: [Cause], details: JSONValue) -> APIError {
        let joined = causes.map { "\($0.field): \($0.message)" }
        let list = joined.count == 1 ? joined[0] : "[" + joined.joined(separator: ", ") + "]"
        var details = details
        details["causes"] = .array(causes.map {
            ["reason": .string($0.type), "message": .string($0.message), "field": .string($0.field)]
        })
        return APIError(code: 422, reason: "Invalid", message: "\(subject) is invalid: \(list)", details: details)
    }

    /// 400 BadRequest.
    public static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    /// 405 MethodNotAllowed.
    public static func methodNotAllowed(_ method: String, _ what: String) -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
    }

    /// 401 Unauthorized.
    public static let unauthorized = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")

    /// 403 for a namespace being deleted.
    public static func namespaceTerminating(_ namespace: String, resource: ResourceType, name: String) -> APIError {
        APIError(
            code: 403, reason: "Forbidden",
            message: "\(resource.groupResource) \"\(name)\" is forbidden: unable to create new content in namespace \(namespace) because it is being terminated",
            details: details(resource, name: name))
    }

    /// 410 Gone: the watch's resourceVersion is older than the retained history.
    public static func expired(requested: String, oldest: Int64) -> APIError {
        APIError(code: 410, reason: "Expired", message: "too old resource version: \(requested) (\(oldest))")
    }

    /// 413: the body is larger than the server accepts.
    public static func tooLarge(limit: Int) -> APIError {
        APIError(code: 413, reason: "RequestEntityTooLarge", message: "Request entity too large: limit is \(limit)")
    }

    /// 404 for a path the server does not serve.
    public static let pathNotFound = APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")

    /// 500.
    public static func internalError(_ message: String) -> APIError {
        APIError(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)")
    }
}

extension APIError {
    /// 422 for bad request options, as kube-apiserver validates `CreateOptions`, `UpdateOptions`,
    /// `PatchOptions` and `DeleteOptions`: `CreateOptions.meta.k8s.io "" is invalid: dryRun: ...`.
    static func invalidOptions(_ kind: String, causes: [Cause]) -> APIError {
        invalid("\(kind).meta.k8s.io \"\"", causes: causes, details: ["group": "meta.k8s.io", "kind": .string(kind)])
    }

    /// Go's `%q` of a string, as kube's field errors quote values.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f: out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
