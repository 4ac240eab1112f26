import SealAuth
import DaaSTestSupport
import Testing

@Suite("SealAuth version")
struct SealAuthVersionTests {
    @Test("the library's version is the newest entry of its changelog")
    func versionMatchesChangelog() {
        #expect(changelogVersion(of: "SealAuth") == SealAuth.version)
    }
}
