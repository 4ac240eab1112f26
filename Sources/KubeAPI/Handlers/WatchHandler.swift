import Hummingbird
import NIOCore

/// `watch`: JSON lines of watch events, as Tables for `kubectl get -w`; bookmarks when asked;
/// `sendInitialEvents` as kube-apiserver's watch-list; ended by `timeoutSeconds`, by the client,
/// or by server shutdown.
struct WatchHandler: Sendable {
    let context: HandlerContext

    /// Serves a watch of `type` (which may differ from the request's: events.k8s.io events are
    /// watched as core events), each object passed through `present`.
    func watch(_ request: ResourceRequest, type: ResourceType, present: (@Sendable (JSONValue) -> JSONValue)? = nil) async throws -> Response {
        var options = ObjectStore.WatchOptions()
        options.list = try request.listOptions()
        options.list.limit = 0
        options.list.continueToken = nil
        if let name = request.info.name {
            options.list.fieldSelector.requirements.append(.init(path: ["metadata", "name"], value: name, equal: true))
        }
        options.resourceVersion = request.query["resourceVersion"]
        if let text = request.query["timeoutSeconds"] {
            guard let seconds = Int64(text), seconds >= 0 else { throw APIError.badRequest("invalid timeoutSeconds \(APIError.quoted(String(text.prefix(40))))") }
            if seconds > 0 { options.timeout = .seconds(min(seconds, 1 << 32)) }
        }
        let bookmarks = request.query["allowWatchBookmarks"] == "true"
        if bookmarks { options.bookmarkInterval = context.limits.bookmarkInterval }
        try Self.initialEvents(request.query, bookmarks: bookmarks, into: &options)
        let events = try await context.objects.watch(type, namespace: request.namespace, options: options)

        // Forward through a stream the server can end on shutdown.
        let (stream, continuation) = AsyncThrowingStream<WatchFrame, any Error>.makeStream()
        let kind = ActiveWatches.WatchedKind(group: type.group, version: type.version, kind: type.kind)
        guard let id = context.watches.register(kind, { continuation.finish() }) else {
            throw APIError(code: 503, reason: "ServiceUnavailable", message: "apiserver is shutting down", details: ["retryAfterSeconds": 1])
        }
        let forward = Task {
            do {
                for try await event in events { continuation.yield(event) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        let watches = context.watches
        continuation.onTermination = { _ in
            forward.cancel()
            watches.unregister(id)
        }
        let table = request.wantsTable
        let includeObject = request.query["includeObject"]
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody { writer in
                do {
                    var first = true
                    for try await frame in stream {
                        guard let present else {
                            if !table || frame.type == "BOOKMARK" {
                                // The cache's shared encoding: one per event, whatever the watchers.
                                try await writer.write(ByteBuffer(bytes: frame.encodedLine))
                                continue
                            }
                            try await writer.write(ByteBuffer(bytes: Self.tableLine(frame.json, type, includeObject, &first)))
                            continue
                        }
                        var event = frame.json
                        event["object"] = present(frame.object)
                        if table, frame.type != "BOOKMARK" {
                            try await writer.write(ByteBuffer(bytes: Self.tableLine(event, type, includeObject, &first)))
                        } else {
                            try await writer.write(ByteBuffer(bytes: event.serialized() + [0x0A]))
                        }
                    }
                } catch let error as APIError {
                    let event: JSONValue = ["type": "ERROR", "object": error.status]
                    try await writer.write(ByteBuffer(bytes: event.serialized() + [0x0A]))
                }
                try await writer.finish(nil)
            })
    }

    /// An event whose object becomes a one-row Table, as kube-apiserver sends `kubectl get -w`;
    /// only the first carries the columns.
    static func tableLine(_ event: JSONValue, _ type: ResourceType, _ includeObject: String?, _ first: inout Bool) -> [UInt8] {
        var event = event
        guard let object = event["object"] else { return event.serialized() + [0x0A] }
        var rows = TableConvertor.table(type, items: [object], listMetadata: object["metadata"] ?? [:], includeObject: includeObject)
        if !first { rows["columnDefinitions"] = [] }
        first = false
        event["object"] = rows
        return event.serialized() + [0x0A]
    }

    /// `sendInitialEvents`, validated as kube-apiserver validates a watch-list request: `true`
    /// sends the current objects as ADDED events and then a BOOKMARK annotated
    /// `k8s.io/initial-events-end`; `false` starts from now without them.
    static func initialEvents(_ query: QueryParameters, bookmarks: Bool, into options: inout ObjectStore.WatchOptions) throws {
        guard let send = try query.flag("sendInitialEvents") else { return }
        var causes: [APIError.Cause] = []
        if query["resourceVersionMatch"] != "NotOlderThan" {
            causes.append(.init(field: "resourceVersionMatch", type: "FieldValueForbidden", message: "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
        }
        if send, !bookmarks {
            causes.append(.init(field: "allowWatchBookmarks", type: "FieldValueForbidden", message: "Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true"))
        }
        guard causes.isEmpty else { throw APIError.invalidOptions("ListOptions", causes: causes) }
        options.sendInitialEvents = send
    }
}
