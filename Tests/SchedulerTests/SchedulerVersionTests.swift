import Scheduler
import DaaSTestSupport
import Testing

@Suite("Scheduler version")
struct SchedulerVersionTests {
    @Test("the library's version is the newest entry of its changelog")
    func versionMatchesChangelog() {
        #expect(changelogVersion(of: "Scheduler") == Scheduler.version)
    }
}
