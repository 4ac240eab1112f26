import SuiClient
import DaaSTestSupport
import Testing

@Suite("SuiClient version")
struct SuiClientVersionTests {
    @Test("the library's version is the newest entry of its changelog")
    func versionMatchesChangelog() {
        #expect(changelogVersion(of: "SuiClient") == SuiClient.version)
    }
}
