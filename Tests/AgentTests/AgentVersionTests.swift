import Agent
import DaaSTestSupport
import Testing

@Suite("Agent version")
struct AgentVersionTests {
    @Test("the library's version is the newest entry of its changelog")
    func versionMatchesChangelog() {
        #expect(changelogVersion(of: "Agent") == Agent.version)
    }
}
