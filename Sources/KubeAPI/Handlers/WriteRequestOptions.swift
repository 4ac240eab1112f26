import Hummingbird

/// The options every create, update and patch takes from its query string, validated as
/// kube-apiserver validates `CreateOptions`, `UpdateOptions` and `PatchOptions`.
struct WriteRequestOptions: Sendable {
    /// `dryRun=All`: run every check, store nothing.
    var dryRun: Bool
    /// `fieldManager`: who makes the change (validated; see the README on managedFields).
    var fieldManager: String?

    /// Reads and validates the options; `kind` names them in errors (`CreateOptions`...).
    /// - Throws: ``APIError`` 422 for an unsupported `dryRun` value or a bad `fieldManager`.
    init(_ query: QueryParameters, kind: String) throws {
        var causes = Self.dryRunCauses(query.all("dryRun"))
        let manager = query["fieldManager"]
        if let manager { causes += Self.fieldManagerCauses(manager) }
        guard causes.isEmpty else { throw APIError.invalidOptions(kind, causes: causes) }
        dryRun = !query.all("dryRun").isEmpty
        fieldManager = manager.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The store's options for `request`: its manager is `fieldManager`, else the client's
    /// User-Agent up to the first `/` (kube-apiserver's default: `kubectl`, `OpenAPI-Generator`).
    func store(_ request: ResourceRequest) -> ObjectStore.WriteOptions {
        ObjectStore.WriteOptions(
            dryRun: dryRun, admission: request.admission, fieldManager: fieldManager ?? Self.manager(userAgent: request.http.headers[.userAgent] ?? ""))
    }

    /// kube's `prefixFromUserAgent`: up to the first `/`, printable characters only, at most
    /// 128 bytes; `unknown` when nothing is left.
    static func manager(userAgent: String) -> String {
        var out = ""
        var bytes = 0
        for scalar in userAgent.unicodeScalars {
            if scalar == "/" { break }
            guard isPrintable(scalar) else { continue }
            let size = String(scalar).utf8.count
            guard bytes + size <= 128 else { break }
            bytes += size
            out.unicodeScalars.append(scalar)
        }
        return out.isEmpty ? "unknown" : out
    }

    /// kube's `ValidateDryRun`: every value must be `All`.
    static func dryRunCauses(_ values: [String]) -> [APIError.Cause] {
        guard values.contains(where: { $0 != "All" }) else { return [] }
        let listed = values.map { APIError.quoted($0) }.joined(separator: ", ")
        return [APIError.Cause(field: "dryRun", type: "FieldValueNotSupported", message: "Unsupported value: []string{\(listed)}: supported values: \"All\"")]
    }

    /// kube's `ValidateFieldManager`: at most 128 bytes, every character printable.
    static func fieldManagerCauses(_ manager: String) -> [APIError.Cause] {
        if manager.utf8.count > 128 {
            return [APIError.Cause(field: "fieldManager", type: "FieldValueTooLong", message: "Too long: may not be more than 128 bytes")]
        }
        var offset = 0
        for scalar in manager.unicodeScalars {
            if !isPrintable(scalar) {
                let code = String(scalar.value, radix: 16, uppercase: true)
                return [APIError.Cause(
                    field: "fieldManager",
                    message: "Invalid value: \(APIError.quoted(manager)): invalid character U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code) (at position \(offset))")]
            }
            offset += String(scalar).utf8.count
        }
        return []
    }

    /// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark,
            .decimalNumber, .letterNumber, .otherNumber,
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation, .otherPunctuation,
            .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }
}

/// The options of a delete, from its body (a `DeleteOptions` object) or, when it has none, its
/// query string, as kube-apiserver reads them; validated as `ValidateDeleteOptions` does.
struct DeleteRequestOptions: Sendable {
    var dryRun = false
    var gracePeriodSeconds: Int64?
    var propagationPolicy: String?
    var uid: String?
    var resourceVersion: String?


    init(body: JSONValue?, query: QueryParameters) throws {
        var dryRunValues: [String]
        var orphanDependents: Bool?
        if let body {
            guard case .object = body else { throw APIError.badRequest("the body of a delete must be a DeleteOptions object") }
            if let kind = body["kind"]?.stringValue, kind != "DeleteOptions" {
                throw APIError.badRequest("the body of a delete must be a DeleteOptions object, not \(kind.prefix(100))")
            }
            dryRunValues = (body["dryRun"]?.arrayValue ?? []).compactMap(\.stringValue)
            if let value = body["gracePeriodSeconds"], value != .null {
                guard let seconds = value.integerValue else { throw APIError.badRequest("gracePeriodSeconds must be an integer") }
                gracePeriodSeconds = seconds
            }
            propagationPolicy = body["propagationPolicy"]?.stringValue
            orphanDependents = body["orphanDependents"]?.boolValue
            uid = body[path: ["preconditions", "uid"]]?.stringValue
            resourceVersion = body[path: ["preconditions", "resourceVersion"]]?.stringValue
        } else {
            dryRunValues = query.all("dryRun")
            if let text = query["gracePeriodSeconds"] {
                guard let seconds = Int64(text) else { throw APIError.badRequest("strconv.ParseInt: parsing \(APIError.quoted(text)): invalid syntax") }
                gracePeriodSeconds = seconds
            }
            propagationPolicy = query["propagationPolicy"]
            orphanDependents = try query.flag("orphanDependents")
        }
        var causes: [APIError.Cause] = []
        if orphanDependents != nil, let policy = propagationPolicy {
            causes.append(APIError.Cause(field: "propagationPolicy", message: "Invalid value: \(APIError.quoted(policy)): orphanDependents and deletionPropagation cannot be both set"))
        }
        if let policy = propagationPolicy, !["Foreground", "Background", "Orphan"].contains(policy) {
            causes.append(APIError.Cause(
                field: "propagationPolicy", type: "FieldValueNotSupported",
                message: "Unsupported value: \(APIError.quoted(policy)): supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""))
        }
        causes += WriteRequestOptions.dryRunCauses(dryRunValues)
        guard causes.isEmpty else { throw APIError.invalidOptions("DeleteOptions", causes: causes) }
        // orphanDependents, deprecated, is the policy Orphan when true and Background when false.
        propagationPolicy = orphanDependents.map { $0 ? "Orphan" : "Background" } ?? propagationPolicy
        dryRun = !dryRunValues.isEmpty
    }

    /// The registry's options, with `admission` to run.
    func storeOptions(admission: Admission?) -> ObjectStore.DeleteOptions {
        ObjectStore.DeleteOptions(
            uid: uid, resourceVersion: resourceVersion, gracePeriodSeconds: gracePeriodSeconds, dryRun: dryRun, admission: admission,
            propagationPolicy: propagationPolicy)
    }
}
