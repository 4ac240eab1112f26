import Crypto
import Foundation
import Testing

@testable import KubeAPI

/// Dashboard sign-in tokens: single use, expiry, audiences kept apart, sign-out, forged keys.
@Suite("Dashboard sessions")
struct DashboardSessionsTests {
    let key = P256.Signing.PrivateKey()
    let user = UserInfo(name: "sui:0xabc", groups: ["system:authenticated", "devs"], extra: ["daas.io/sui-address": ["0xabc"]])

    @Test("a login token is traded once for a session that authenticates the same user, extra included")
    func login() throws {
        let sessions = DashboardSessions(key: key)
        let login = try sessions.loginToken(for: user)
        let session = try #require(try sessions.session(fromLogin: login.token))
        #expect(session.user == user)
        #expect(sessions.user(fromSession: session.token) == user)
        #expect(try sessions.session(fromLogin: login.token) == nil, "used once")
        // The audiences do not mix: a login token is no session and a session no login token.
        #expect(sessions.user(fromSession: login.token) == nil)
        #expect(try sessions.session(fromLogin: session.token) == nil)
    }

    @Test("expiry, sign-out, another key, another master with the same key")
    func expiryAndKeys() throws {
        let now = Date()
        let sessions = DashboardSessions(key: key, sessionLifetime: 60)
        let login = try sessions.loginToken(for: user, now: now)
        #expect(try sessions.session(fromLogin: login.token, now: now.addingTimeInterval(301)) == nil, "five minutes to use it")
        let session = try #require(try sessions.session(fromLogin: try sessions.loginToken(for: user, now: now).token, now: now))
        #expect(sessions.user(fromSession: session.token, now: now.addingTimeInterval(59)) == user)
        #expect(sessions.user(fromSession: session.token, now: now.addingTimeInterval(61)) == nil)
        // Another master of the cluster (same service-account key) accepts the session.
        #expect(DashboardSessions(key: key).user(fromSession: session.token, now: now) == user)
        #expect(DashboardSessions(key: P256.Signing.PrivateKey()).user(fromSession: session.token, now: now) == nil)
        sessions.end(session: session.token, now: now)
        #expect(sessions.user(fromSession: session.token, now: now) == nil, "signed out")
    }

    @Test("the cookie header is read by name, bounded")
    func cookie() {
        #expect(DashboardSessions.cookie(in: "a=b; daas-dashboard-session=tok.en.x; c=d") == "tok.en.x")
        #expect(DashboardSessions.cookie(in: "xdaas-dashboard-session=t") == nil)
        #expect(DashboardSessions.cookie(in: nil) == nil)
        #expect(DashboardSessions.cookie(in: "daas-dashboard-session=" + String(repeating: "a", count: 9000)) == nil)
    }
}
