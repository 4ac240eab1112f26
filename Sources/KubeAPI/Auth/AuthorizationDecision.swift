/// An authorizer's verdict, as kube-apiserver's `authorizer.Decision`.
public enum AuthorizationDecision: Equatable, Sendable {
    /// Allowed.
    case allow
    /// Refused, with the reason appended to the 403 message.
    case deny(String)
    /// No opinion: the next authorizer decides; when none allows, the request is refused.
    case noOpinion
}
