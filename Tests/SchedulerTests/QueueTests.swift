import Scheduler
import SchedulerTesting
import Testing

@Suite("Scheduling queue")
struct QueueTests {
    private func queue() throws -> SchedulingQueue { SchedulingQueue(framework: try Framework(profile: .defaultProfile())) }

    @Test("backoff doubles from 1 s to a 10 s cap", arguments: [(1, 1), (2, 2), (3, 4), (4, 8), (5, 10), (9, 10)])
    func backoffDurations(attempts: Int, seconds: Int64) {
        #expect(SchedulingQueue.backoffDuration(attempts: attempts, QueueOptions()) == .seconds(seconds))
    }

    @Test("pods pop in priority order, then FIFO")
    func ordering() throws {
        var q = try queue()
        #expect(q.add(PodBuilder("low").build(), now: .zero) == [.wakeScheduler])
        _ = q.add(PodBuilder("high").priority(100).build(), now: .seconds(1))
        _ = q.add(PodBuilder("low2").build(), now: .seconds(2))
        #expect([q.pop(now: .seconds(3)), q.pop(now: .seconds(3)), q.pop(now: .seconds(3))].map { $0?.pod.name } == ["high", "low", "low2"])
        #expect(q.pop(now: .seconds(3)) == nil)
    }

    @Test("a failed pod backs off with an injected clock: 1 s, then 2 s")
    func backoffTiming() throws {
        var q = try queue()
        _ = q.add(PodBuilder("p").build(), now: .zero)
        _ = q.pop(now: .zero)
        // An error (no rejecting plugin) goes to backoff; flush is asked for at now + 1 s.
        #expect(q.failed(uid: "default/p", rejectedBy: [], now: .seconds(10)) == [.flush(at: .seconds(11))])
        #expect(q.location(of: "default/p") == .backoff)
        #expect(q.flush(now: .milliseconds(10_999)) == [.flush(at: .seconds(11))])
        #expect(q.location(of: "default/p") == .backoff)
        #expect(q.flush(now: .seconds(11)) == [.wakeScheduler])
        #expect(q.pop(now: .seconds(11))?.attempts == 2)
        #expect(q.failed(uid: "default/p", rejectedBy: [], now: .seconds(20)) == [.flush(at: .seconds(22))])
    }

    @Test("unschedulable pods wait for an event their rejecting plugin cares about")
    func requeueOnEvents() throws {
        var q = try queue()
        _ = q.add(PodBuilder("p").build(), now: .zero)
        _ = q.pop(now: .zero)
        _ = q.failed(uid: "default/p", rejectedBy: ["NodeResourcesFit"], now: .zero)
        #expect(q.location(of: "default/p") == .unschedulable)
        // A pod being added does not free resources: NodeResourcesFit ignores it.
        #expect(q.onEvent(ClusterEventKind(.pod, .add), now: .seconds(5)) == [])
        #expect(q.location(of: "default/p") == .unschedulable)
        // A node update might: the pod's 1 s backoff is over, so it is active at once.
        #expect(q.onEvent(ClusterEventKind(.node, .update), now: .seconds(5)) == [.wakeScheduler])
        #expect(q.location(of: "default/p") == .active)
    }

    @Test("a node add during the backoff window moves the pod to backoff, not active")
    func requeueIntoBackoff() throws {
        var q = try queue()
        _ = q.add(PodBuilder("p").build(), now: .zero)
        _ = q.pop(now: .zero)
        _ = q.failed(uid: "default/p", rejectedBy: ["TaintToleration"], now: .seconds(100))
        #expect(q.onEvent(ClusterEventKind(.node, .add), now: .milliseconds(100_500)) == [.flush(at: .seconds(101))])
        #expect(q.location(of: "default/p") == .backoff)
    }

    @Test("an event during the attempt sends the pod to backoff instead of unschedulable")
    func inFlightEvents() throws {
        var q = try queue()
        _ = q.add(PodBuilder("p").build(), now: .zero)
        _ = q.pop(now: .zero)
        _ = q.onEvent(ClusterEventKind(.node, .add), now: .zero)
        _ = q.failed(uid: "default/p", rejectedBy: ["NodeResourcesFit"], now: .zero)
        #expect(q.location(of: "default/p") == .backoff)
    }

    @Test("unschedulable pods are retried after 5 minutes anyway")
    func unschedulableTimeout() throws {
        var q = try queue()
        _ = q.add(PodBuilder("p").build(), now: .zero)
        _ = q.pop(now: .zero)
        #expect(q.failed(uid: "default/p", rejectedBy: ["NodeAffinity"], now: .zero) == [.flush(at: .seconds(300))])
        _ = q.flush(now: .seconds(299))
        #expect(q.location(of: "default/p") == .unschedulable)
        #expect(q.flush(now: .seconds(300)) == [.wakeScheduler])
        #expect(q.location(of: "default/p") == .active)
    }

    @Test("gated pods wait until an update removes the gates")
    func gates() throws {
        var q = try queue()
        #expect(q.add(PodBuilder("p").schedulingGate("wait").build(), now: .zero) == [])
        #expect(q.location(of: "default/p") == .unschedulable)
        #expect(q.pop(now: .zero) == nil)
        _ = q.onEvent(ClusterEventKind(.node, .add), now: .seconds(1))
        #expect(q.location(of: "default/p") == .unschedulable)
        #expect(q.update(PodBuilder("p").build(), now: .seconds(2)) == [.wakeScheduler])
        #expect(q.pop(now: .seconds(2))?.pod.name == "p")
    }

    @Test("deleted pods leave every sub-queue")
    func delete() throws {
        var q = try queue()
        _ = q.add(PodBuilder("p").build(), now: .zero)
        q.delete(uid: "default/p")
        #expect(q.location(of: "default/p") == nil)
        #expect(q.activeCount == 0)
    }
}
