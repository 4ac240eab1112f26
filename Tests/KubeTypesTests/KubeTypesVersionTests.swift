import KubeTypes
import DaaSTestSupport
import Testing

@Suite("KubeTypes version")
struct KubeTypesVersionTests {
    @Test("the library's version is the newest entry of its changelog")
    func versionMatchesChangelog() {
        #expect(changelogVersion(of: "KubeTypes") == KubeTypes.version)
    }
}
