import KubeAPI
import DaaSTestSupport
import Testing

@Suite("KubeAPI version")
struct KubeAPIVersionTests {
    @Test("the library's version is the newest entry of its changelog")
    func versionMatchesChangelog() {
        #expect(changelogVersion(of: "KubeAPI") == KubeAPI.version)
    }

    @Test("KubeInformers' version is the newest entry of its changelog")
    func informersVersionMatchesChangelog() {
        #expect(changelogVersion(of: "KubeInformers") == KubeInformers.version)
    }
}
