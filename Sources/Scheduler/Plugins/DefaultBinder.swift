/// Bind: binds through the ``Binder`` the embedder supplies (the master's pods/binding call).
public struct DefaultBinder: BindPlugin {
    /// "DefaultBinder".
    public let name = PluginNames.defaultBinder
    /// The binder; without one, Bind fails with an Error status.
    public let binder: (any Binder)?
    /// The plugin.
    public init(binder: (any Binder)?) { self.binder = binder }
    /// Calls the binder.
    public func bind(_ pod: Pod, nodeName: String, state: CycleState) async -> Status {
        guard let binder else { return Status(.error, "DefaultBinder: no Binder configured") }
        do {
            try await binder.bind(pod, to: nodeName)
            return .success
        } catch {
            return Status(.error, "binding rejected: \(error)")
        }
    }
}
