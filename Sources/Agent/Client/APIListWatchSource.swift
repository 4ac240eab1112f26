import KubeInformers
import KubeTypes

/// One resource of the API server as an informer's list-watch source, over the agent's HTTPS
/// connection: a list (`GET <path>?<query>`), then a watch from its resourceVersion with
/// bookmarks. A refused list or watch, or an `ERROR` event (410 Gone after compaction), throws,
/// and the informer lists again. Bodies and events are parsed by KubeTypes' bounded JSON parser.
struct APIListWatchSource: ListWatchSource {
    let connection: APIConnection
    /// The collection path, e.g. `/api/v1/pods`.
    let path: String
    /// Query parameters for both the list and the watch (e.g. a field selector), already encoded.
    let query: String

    init(connection: APIConnection, path: String, query: String = "") {
        self.connection = connection
        self.path = path
        self.query = query
    }

    func list() async throws -> (objects: [JSONValue], resourceVersion: String) {
        let (status, bytes) = try await connection.get(path + (query.isEmpty ? "" : "?" + query))
        guard status == 200 else { throw AgentError(.refused, "list \(path): the API server answered \(status)") }
        let list = try JSONParser().parse(bytes)
        return (list["items"]?.arrayValue ?? [], list[path: ["metadata", "resourceVersion"]]?.stringValue ?? "0")
    }

    func watch(after resourceVersion: String) async throws -> AsyncThrowingStream<WatchFrame, any Error> {
        let watchQuery = (query.isEmpty ? "" : query + "&") + "watch=true&allowWatchBookmarks=true&resourceVersion=" + resourceVersion
        let lines = try await connection.watch(path + "?" + watchQuery)
        let path = self.path
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await line in lines {
                        let event = try JSONParser().parse(line)
                        guard let type = event["type"]?.stringValue, let object = event["object"] else { continue }
                        if type == "ERROR" {
                            let code = object["code"]?.integerValue ?? 0
                            throw AgentError(.refused, "watch \(path): \(code) \(object["message"]?.stringValue ?? "")")
                        }
                        continuation.yield(WatchFrame(type: type, object: object))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
