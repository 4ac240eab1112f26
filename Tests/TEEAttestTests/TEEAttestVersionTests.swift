import TEEAttest
import DaaSTestSupport
import Testing

@Suite("TEEAttest version")
struct TEEAttestVersionTests {
    @Test("the library's version is the newest entry of its changelog")
    func versionMatchesChangelog() {
        #expect(changelogVersion(of: "TEEAttest") == TEEAttest.version)
    }
}
