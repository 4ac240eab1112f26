import Foundation

/// RFC 6902 JSON Patch (`application/json-patch+json`): `add`, `remove`, `replace`, `move`,
/// `copy` and `test` operations on RFC 6901 JSON pointers (`~0` is `~`, `~1` is `/`, `-` appends
/// to an array), applied in order; any failure leaves the object unchanged.
package enum JSONPatch {
    /// At most this many operations in one patch.
    static let maxOperations = 10_000

    /// Applies `patch` (an array of operations) to `document`.
    /// - Throws: ``APIError`` 400 for a malformed patch, 422 for an operation that cannot apply.
    package static func apply(_ patch: JSONValue, to document: JSONValue) throws -> JSONValue {
        guard let operations = patch.arrayValue else { throw APIError.badRequest("a JSON patch must be an array of operations") }
        guard operations.count <= maxOperations else { throw APIError.badRequest("a JSON patch may hold at most \(maxOperations) operations") }
        var result = document
        for operation in operations {
            guard let op = operation["op"]?.stringValue, let path = operation["path"]?.stringValue else {
                throw APIError.badRequest("a JSON patch operation needs \"op\" and \"path\"")
            }
            let pointer = try parse(path)
            switch op {
            case "add":
                result = try add(try required(operation, "value"), at: pointer, in: result)
            case "remove":
                result = try remove(at: pointer, in: result).document
            case "replace":
                _ = try value(at: pointer, in: result)
                result = try set(try required(operation, "value"), at: pointer, in: result, inserting: false)
            case "move":
                let from = try parse(try fromPath(operation))
                guard !(pointer.count > from.count && Array(pointer.prefix(from.count)) == from) else {
                    throw unprocessable("move from \(operation["from"]?.stringValue ?? "") to its own child \(path)")
                }
                let (removed, moved) = try remove(at: from, in: result)
                result = try add(moved, at: pointer, in: removed)
            case "copy":
                let from = try parse(try fromPath(operation))
                result = try add(try value(at: from, in: result), at: pointer, in: result)
            case "test":
                guard try value(at: pointer, in: result) == (try required(operation, "value")) else {
                    throw unprocessable("testing value \(path) failed: test failed")
                }
            default:
                throw APIError.badRequest("unexpected JSON patch operation \(APIError.quoted(String(op.prefix(40))))")
            }
        }
        return result
    }

    private static func required(_ operation: JSONValue, _ key: String) throws -> JSONValue {
        guard let value = operation[key] else { throw APIError.badRequest("the \(operation["op"]?.stringValue ?? "") operation needs \"\(key)\"") }
        return value
    }

    private static func fromPath(_ operation: JSONValue) throws -> String {
        guard let from = operation["from"]?.stringValue else { throw APIError.badRequest("the \(operation["op"]?.stringValue ?? "") operation needs \"from\"") }
        return from
    }

    static func unprocessable(_ message: String) -> APIError {
        APIError(code: 422, reason: "Invalid", message: "the server rejected our request due to an error in our request: \(message)")
    }

    /// The reference tokens of a JSON pointer.
    static func parse(_ pointer: String) throws -> [String] {
        guard !pointer.isEmpty else { return [] }
        guard pointer.hasPrefix("/") else { throw APIError.badRequest("JSON pointer \(APIError.quoted(String(pointer.prefix(100)))) does not start with /") }
        return pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func index(_ token: String, count: Int, appending: Bool) throws -> Int {
        if appending, token == "-" { return count }
        guard !token.isEmpty, token.utf8.count <= 9, token.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), token == "0" || !token.hasPrefix("0"),
            let index = Int(token), index <= (appending ? count : count - 1)
        else { throw unprocessable("array index \(APIError.quoted(String(token.prefix(40)))) is out of range") }
        return index
    }

    static func value(at pointer: [String], in document: JSONValue) throws -> JSONValue {
        var current = document
        for token in pointer {
            switch current {
            case .object(let members):
                guard let next = members[token] else { throw unprocessable("path /\(pointer.joined(separator: "/")) does not exist") }
                current = next
            case .array(let elements):
                current = elements[try index(token, count: elements.count, appending: false)]
            default:
                throw unprocessable("path /\(pointer.joined(separator: "/")) does not exist")
            }
        }
        return current
    }

    private static func add(_ value: JSONValue, at pointer: [String], in document: JSONValue) throws -> JSONValue {
        try set(value, at: pointer, in: document, inserting: true)
    }

    /// Sets (or, `inserting` into an array, inserts) `value` at `pointer`; the parent must exist.
    private static func set(_ value: JSONValue, at pointer: [String], in document: JSONValue, inserting: Bool) throws -> JSONValue {
        guard let first = pointer.first else { return value }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var members):
            if rest.isEmpty {
                members[first] = value
            } else {
                guard let child = members[first] else { throw unprocessable("path /\(pointer.joined(separator: "/")) does not exist") }
                members[first] = try set(value, at: rest, in: child, inserting: inserting)
            }
            return .object(members)
        case .array(var elements):
            if rest.isEmpty {
                let position = try index(first, count: elements.count, appending: inserting)
                if inserting { elements.insert(value, at: position) } else { elements[position] = value }
            } else {
                let position = try index(first, count: elements.count, appending: false)
                elements[position] = try set(value, at: rest, in: elements[position], inserting: inserting)
            }
            return .array(elements)
        default:
            throw unprocessable("path /\(pointer.joined(separator: "/")) does not exist")
        }
    }

    private static func remove(at pointer: [String], in document: JSONValue) throws -> (document: JSONValue, removed: JSONValue) {
        guard let first = pointer.first else { throw unprocessable("the whole document cannot be removed") }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var members):
            guard let child = members[first] else { throw unprocessable("path /\(pointer.joined(separator: "/")) does not exist") }
            if rest.isEmpty {
                members[first] = nil
                return (.object(members), child)
            }
            let (updated, removed) = try remove(at: rest, in: child)
            members[first] = updated
            return (.object(members), removed)
        case .array(var elements):
            let position = try index(first, count: elements.count, appending: false)
            if rest.isEmpty {
                let removed = elements.remove(at: position)
                return (.array(elements), removed)
            }
            let (updated, removed) = try remove(at: rest, in: elements[position])
            elements[position] = updated
            return (.array(elements), removed)
        default:
            throw unprocessable("path /\(pointer.joined(separator: "/")) does not exist")
        }
    }
}
