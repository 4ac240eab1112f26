import KubeAPI
import SealAuth
import SuiClient

/// The glue between SealAuth and the API server: Seal tokens become Kubernetes identities.
struct SealTokenAuthenticator: TokenAuthenticator {
    let verifier: SealVerifier

    func authenticate(token: String) async throws -> UserInfo? {
        guard token.hasPrefix(SealToken.prefix) else { return nil }
        return Self.user(try await verifier.verify(token))
    }

    func rememberedIdentity(token: String) -> UserInfo? {
        guard token.hasPrefix(SealToken.prefix) else { return nil }
        return verifier.cachedIdentity(token).map(Self.user)
    }

    static func user(_ identity: SealIdentity) -> UserInfo {
        UserInfo(name: identity.user, groups: identity.groups, extra: [UserInfo.suiAddressKey: [identity.address.description]])
    }
}
