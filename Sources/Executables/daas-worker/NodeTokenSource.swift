import SealAuth
import SuiClient

/// Mints node Seal tokens and reuses each until 80% of its lifetime has passed.
actor NodeTokenSource {
    private let keyPair: SuiKeyPair
    private let subject: SealSubject
    private let audience: String
    private let lifetime: Int64
    private var current: (text: String, refreshAt: Int64)?

    init(keyPair: SuiKeyPair, node: String, audience: String, lifetime: Int64) {
        self.keyPair = keyPair
        self.subject = .node(node)
        self.audience = audience
        self.lifetime = lifetime
    }

    func token() throws -> String {
        let now = SealVerifier.unixNow()
        if let current, now < current.refreshAt { return current.text }
        let token = try SealTokenIssuer.issue(keyPair: keyPair, subject: subject, audience: audience, lifetime: lifetime, now: now)
        current = (token.text, now + lifetime * 4 / 5)
        return token.text
    }
}
