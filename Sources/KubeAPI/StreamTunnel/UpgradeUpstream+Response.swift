public import HummingbirdCore
import HTTPTypes
import NIOCore
import ServiceLifecycle

extension UpgradeUpstream {
    /// The client's response: the upstream's head, then every byte the upstream sends, while the
    /// client's bytes (`body`, the tunnelled request's body) go upstream. It ends when either side
    /// closes, or when the server shuts down gracefully.
    public func response(relaying body: RequestBody) -> Response {
        var fields = HTTPFields()
        for field in head.fields {
            guard let name = HTTPField.Name(field.name) else { continue }
            fields.append(HTTPField(name: name, value: field.value))
        }
        let channel = self.channel
        return Response(
            status: .init(code: head.status, reasonPhrase: head.reason), headers: fields,
            body: ResponseBody { writer in
                // A graceful shutdown closes the upstream, which ends the relay.
                try? await withGracefulShutdownHandler {
                    try await channel.executeThenClose { inbound, outbound in
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask {
                                for try await chunk in body { try await outbound.write(chunk) }
                                outbound.finish()
                            }
                            for try await chunk in inbound { try await writer.write(chunk) }
                            group.cancelAll()
                        }
                    }
                } onGracefulShutdown: {
                    channel.channel.close(promise: nil)
                }
                try await writer.finish(nil)
            })
    }
}
