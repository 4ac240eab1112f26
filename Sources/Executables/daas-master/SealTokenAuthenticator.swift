import KubeAPI
import SealAuth
import SuiClient

/// The glue between SealAuth and the API server: Seal tokens become Kubernetes identities.
struct SealTokenAuthenticator: TokenAuthenticator {
    let verifier: SealVerifier

    func authenticate(token: String) async throws -> UserInfo? {
        guard token.hasPrefix(SealToken.prefix) else { return nil }
        let identity = try await verifier.verify(token)
        return UserInfo(name: identity.user, groups: identity.groups, extra: [UserInfo.suiAddressKey: [identity.address.description]])
    }
}
