import EncStore
import DaaSTestSupport
import Testing

@Suite("EncStore version")
struct EncStoreVersionTests {
    @Test("the library's version is the newest entry of its changelog")
    func versionMatchesChangelog() {
        #expect(changelogVersion(of: "EncStore") == EncStore.version)
    }
}
