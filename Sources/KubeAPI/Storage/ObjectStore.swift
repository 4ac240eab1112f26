public import EncStore
import Foundation

/// The generic registry: create, read, update, patch, delete, list and watch of any served kind,
/// stored as JSON in a ``KeyValueStore``, with kube-apiserver's metadata semantics.
///
/// An object's `metadata.resourceVersion` is its store modRevision; a list's is the store revision.
/// Stored bytes never hold the resourceVersion: it is filled in on every read.
public struct ObjectStore: Sendable, Allocator {
    /// The store underneath.
    public let store: any KeyValueStore
    /// The kinds served now (built-in and custom).
    public var registry: ResourceRegistry { live.current }
    /// The registry custom resource definitions add kinds to.
    let live: LiveRegistry
    /// Stored objects' managed fields stay encoded: no server logic but the field manager reads them.
    let parser = JSONParser(keepsFieldsV1Encoded: true)
    let watchCaches: WatchCaches
    /// The admission plugins every create, update and delete runs, whoever makes it.
    private(set) var admission = AdmissionChain(plugins: [])

    /// Creates a registry over `store`. Watches and resourceVersion "0" lists are served from a
    /// watch cache per kind configured by `watchCache` (nil: every watch reads the store).
    public init(store: any KeyValueStore, registry: ResourceRegistry = .builtIn, watchCache: WatchCacheConfiguration? = WatchCacheConfiguration()) {
        self.store = store
        self.live = LiveRegistry(registry)
        self.watchCaches = WatchCaches(configuration: watchCache)
        // The plugins read through a copy without them (a read never runs admission).
        self.admission = .builtIn(objects: self)
    }

    // MARK: Allocations

    func isAllocated(_ key: String) async throws -> Bool {
        try await store.get(key).kv != nil
    }

    /// The allocation keys among `keys` that exist now.
    func existing(_ keys: [String]) async throws -> [String] {
        var found: [String] = []
        for key in keys where try await isAllocated(key) { found.append(key) }
        return found
    }

    // MARK: Reads

    /// The object `name`, or 404.
    public func get(_ type: ResourceType, namespace: String?, name: String) async throws -> JSONValue {
        guard let kv = try await store.get(type.storageKey(namespace: namespace, name: name)).kv else {
            throw APIError.notFound(type, name: name)
        }
        return try decode(kv)
    }

    /// The object `name` as the watch cache holds it (recent, possibly a little stale, as a
    /// client-go lister reads it), or nil when the cache has none; admission reads through this
    /// before the store.
    func cachedGet(_ type: ResourceType, namespace: String?, name: String) async -> JSONValue? {
        await watchCaches.cache(for: type, objects: self)?.object(at: type.storageKey(namespace: namespace, name: name))
    }

    /// Options of a list or watch.
    public struct ListOptions: Sendable {
        public var labelSelector = LabelSelector()
        public var fieldSelector = try! FieldSelector(parsing: "")
        public var limit = 0
        public var continueToken: String?
        /// List exactly at this resourceVersion (`resourceVersionMatch=Exact`); `nil` lists at the latest.
        public var exactResourceVersion: Int64?
        /// resourceVersion "0": any recent state will do, so the watch cache answers (without
        /// paging, as kube-apiserver's cache) when there is one.
        public var allowStale = false
        public init() {}
    }

    /// The continue token: where the next page starts, and the revision every page is read at,
    /// so a paged list is one consistent snapshot as in kube-apiserver.
    package struct ContinueToken {
        var v = "meta.k8s.io/v1"
        var rv: Int64
        var start: String

        init(rv: Int64, start: String) {
            self.rv = rv
            self.start = start
        }

        /// Reads a client's token with the bounded JSON parser (Foundation's decoder traps on
        /// deep nesting); anything but this server's own form is kube-apiserver's 400.
        package init(decoding text: String, prefix: String) throws {
            let invalid = APIError.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
            guard text.utf8.count <= 8192, let data = Data(base64Encoded: text), let object = try? JSONParser(maxDepth: 2).parse(data),
                object["v"]?.stringValue == "meta.k8s.io/v1", let rv = object["rv"]?.integerValue, rv > 0,
                let start = object["start"]?.stringValue, start.hasPrefix(prefix)
            else { throw invalid }
            self.init(rv: rv, start: start)
        }

        var encoded: String {
            let object: JSONValue = ["v": .string(v), "rv": .integer(rv), "start": .string(start)]
            return Data(object.serialized()).base64EncodedString()
        }
    }

    /// A `<Kind>List` of the objects that match `options`, with paging.
    public func list(_ type: ResourceType, namespace: String?, options: ListOptions) async throws -> JSONValue {
        if options.allowStale, options.continueToken == nil, options.exactResourceVersion == nil,
            let cached = await watchCaches.cache(for: type, objects: self)?.list(namespace: namespace, options: options)
        {
            return cached
        }
        let prefix = type.storagePrefix(namespace: namespace)
        var after: String?
        var snapshot = options.exactResourceVersion
        var fromContinue = false
        if let text = options.continueToken, !text.isEmpty {
            let token = try ContinueToken(decoding: text, prefix: prefix)
            after = token.start
            snapshot = token.rv
            fromContinue = true
        }
        /// One page of the store at the snapshot revision (or the latest when there is none).
        func range(limit: Int, after: String?) async throws -> RangeResult {
            guard let snapshot else { return try await store.range(prefix: prefix, limit: limit, after: after) }
            do {
                return try await store.range(prefix: prefix, limit: limit, after: after, atRevision: snapshot)
            } catch let error as StoreError where error.code == .compacted {
                if fromContinue {
                    throw APIError(
                        code: 410, reason: "Expired",
                        message: "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
                }
                throw APIError.expired(requested: String(snapshot), oldest: error.compactRevision ?? 0)
            } catch let error as StoreError where error.code == .futureRevision {
                let current = try await store.currentRevision()
                throw APIError(code: 504, reason: "Timeout", message: "Too large resource version: \(snapshot), current: \(current)", details: ["retryAfterSeconds": 1])
            }
        }
        var items: [JSONValue] = []
        var revision: Int64 = 0
        var next: String?
        scan: while true {
            let page = try await range(limit: options.limit > 0 ? max(options.limit, 100) : 0, after: after)
            revision = max(revision, page.revision)
            for kv in page.kvs {
                let object = try decode(kv)
                after = kv.key
                guard matches(object, options) else { continue }
                items.append(object)
                if options.limit > 0, items.count == options.limit {
                    next = kv.key
                    break scan
                }
            }
            if !page.more { break }
        }
        if let last = next, try await range(limit: 1, after: last).kvs.isEmpty { next = nil }
        var metadata: JSONValue = ["resourceVersion": .string(String(revision))]
        if let next { metadata["continue"] = .string(ContinueToken(rv: revision, start: next).encoded) }
        return ["apiVersion": .string(type.apiVersion), "kind": .string(type.kind + "List"), "metadata": metadata, "items": .array(items)]
    }

    func matches(_ object: JSONValue, _ options: ListOptions) -> Bool {
        options.labelSelector.matches(object[path: ["metadata", "labels"]]?.stringMap ?? [:]) && options.fieldSelector.matches(object)
    }

    // MARK: Encoding

    /// `object` as JSON bytes would give it back, with `resourceVersion` set to `revision`.
    /// Parsing the encoded bytes back gives the same value unless it holds a double (an integral
    /// one reads back as an integer), so only then is it encoded and parsed: a write costs one
    /// encode (for the store), not an encode and a parse.
    func withResourceVersion(_ object: JSONValue, _ revision: Int64) -> JSONValue {
        var result = object.holdsDouble ? (try? parser.parse(object.serialized())) ?? object : object
        result[path: "metadata.resourceVersion"] = .string(String(revision))
        return result
    }

    /// Decodes a stored object and fills in its resourceVersion.
    func decode(_ kv: KeyValue) throws -> JSONValue {
        do {
            var object = try parser.parse(kv.value)
            object[path: "metadata.resourceVersion"] = .string(String(kv.modRevision))
            return object
        } catch {
            throw APIError.internalError("stored object \(kv.key) is not valid JSON: \(error)")
        }
    }
}

extension JSONValue {
    /// Whether a double appears anywhere in the value.
    var holdsDouble: Bool {
        switch self {
        case .double: true
        case .array(let elements): elements.contains { $0.holdsDouble }
        case .object(let members): members.values.contains { $0.holdsDouble }
        case .null, .bool, .integer, .string, .rawJSON: false
        }
    }

    /// Sets the value at a dotted path, creating objects on the way; `nil` removes the member.
    subscript(path path: String) -> JSONValue? {
        get { self[path: path.split(separator: ".").map(String.init)] }
        set {
            let keys = path.split(separator: ".").map(String.init)
            set(keys[...], to: newValue)
        }
    }

    private mutating func set(_ keys: ArraySlice<String>, to value: JSONValue?) {
        guard let first = keys.first else { return }
        var members = objectValue ?? [:]
        if keys.count == 1 {
            members[first] = value
        } else {
            var child = members[first] ?? .object([:])
            child.set(keys.dropFirst(), to: value)
            members[first] = child
        }
        self = .object(members)
    }
}
