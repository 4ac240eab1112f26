import Scheduler
import SchedulerTesting
import Synchronization
import Testing

/// A catalog over fixed claim states that records what PreBind was asked to write.
final class FixedCatalog: VolumeCatalog {
    let claims: [String: ClaimState]
    let written = Mutex<[ClaimDecision]>([])
    init(_ claims: [String: ClaimState]) { self.claims = claims }
    func claim(namespace: String, name: String) -> ClaimState { claims[name] ?? .missing }
    func bindClaims(of pod: Pod, nodeName: String, decisions: [ClaimDecision]) async -> Status {
        written.withLock { $0 += decisions }
        return .success
    }
}

@Suite("VolumeBinding: claims decide where a pod can go and what PreBind writes")
struct VolumeBindingTests {
    let cluster = TestCluster(nodes: [
        NodeBuilder("a").label("kubernetes.io/hostname", "a").capacity(cpu: "4", memory: "8Gi"),
        NodeBuilder("b").label("kubernetes.io/hostname", "b").capacity(cpu: "4", memory: "8Gi"),
    ])

    func pod(_ claims: [String]) -> Pod {
        var pod = PodBuilder("p").build()
        pod.volumeClaims = claims
        return pod
    }

    func onHost(_ host: String) -> NodeSelector {
        NodeSelector(terms: [NodeSelectorTerm(matchExpressions: [SelectorRequirement(key: "kubernetes.io/hostname", operator: .in, values: [host])])])
    }

    @Test("PreFilter refuses missing, deleting, lost and unbound Immediate claims with upstream's messages")
    func preFilterRefusals() {
        let catalog = FixedCatalog(["gone": .missing, "dying": .deleting, "lost": .lost(volume: "pv-x"), "now": .immediate])
        let plugin = VolumeBindingPlugin(catalog: catalog)
        let expected = [
            "gone": "persistentvolumeclaim \"gone\" not found", "dying": "persistentvolumeclaim \"dying\" is being deleted",
            "lost": "persistentvolumeclaim \"lost\" bound to non-existent persistentvolume \"pv-x\"", "now": "pod has unbound immediate PersistentVolumeClaims",
        ]
        for (claim, message) in expected {
            let status = cluster.filter(plugin, pod: pod([claim]), node: "a")
            #expect(status.code == .unschedulableAndUnresolvable)
            #expect(status.reasons == [message])
        }
        // No claims, or no catalog: the plugin does not apply.
        #expect(cluster.filter(plugin, pod: pod([]), node: "a").isSuccess)
        #expect(cluster.filter(VolumeBindingPlugin(catalog: nil), pod: pod(["gone"]), node: "a").isSuccess)
    }

    @Test("a bound volume's node affinity keeps the pod on its node")
    func boundAffinity() async throws {
        let catalog = FixedCatalog(["data": .bound(volume: "pvc-1", nodeAffinity: onHost("b"))])
        let plugin = VolumeBindingPlugin(catalog: catalog)
        #expect(cluster.filter(plugin, pod: pod(["data"]), node: "a").reasons == ["node(s) had volume node affinity conflict"])
        #expect(cluster.filter(plugin, pod: pod(["data"]), node: "b").isSuccess)
        let framework = try Framework(profile: .defaultProfile(), volumes: catalog)
        #expect(await cluster.schedule(pod(["data"]), framework: framework).node == "b")
    }

    @Test("WaitForFirstConsumer: the smallest fitting static volume on the node, else provisioning; a selected node sticks")
    func delayedClaims() async throws {
        let candidates = [
            VolumeCandidate(name: "big-a", capacity: 10 << 30, nodeAffinity: onHost("a")),
            VolumeCandidate(name: "small-a", capacity: 1 << 30, nodeAffinity: onHost("a")),
        ]
        let staticOnly = FixedCatalog(["data": .delayed(selectedNode: nil, candidates: candidates, provisionable: false, allowedTopologies: nil)])
        let plugin = VolumeBindingPlugin(catalog: staticOnly)
        #expect(cluster.filter(plugin, pod: pod(["data"]), node: "b").reasons == ["node(s) didn't find available persistent volumes to bind"])
        let framework = try Framework(profile: .defaultProfile(), volumes: staticOnly)
        let decision = await cluster.schedule(pod(["data"]), framework: framework)
        #expect(decision.node == "a")

        // The binding cycle: Reserve decides, PreBind writes through the catalog.
        var state = CycleState()
        _ = plugin.preFilter(PodInfo(pod(["data"])), state: &state, snapshot: cluster.snapshot)
        #expect(plugin.reserve(pod(["data"]), nodeName: "a", state: &state).isSuccess)
        #expect(await plugin.preBind(pod(["data"]), nodeName: "a", state: state).isSuccess)
        #expect(staticOnly.written.withLock { $0 } == [.bindVolume(claim: "data", volume: "small-a")])

        let provisioning = FixedCatalog(["data": .delayed(selectedNode: nil, candidates: [], provisionable: true, allowedTopologies: nil)])
        let provisioner = VolumeBindingPlugin(catalog: provisioning)
        var provisionState = CycleState()
        _ = provisioner.preFilter(PodInfo(pod(["data"])), state: &provisionState, snapshot: cluster.snapshot)
        #expect(provisioner.reserve(pod(["data"]), nodeName: "b", state: &provisionState).isSuccess)
        #expect(await provisioner.preBind(pod(["data"]), nodeName: "b", state: provisionState).isSuccess)
        #expect(provisioning.written.withLock { $0 } == [.provision(claim: "data")])

        let pinned = FixedCatalog(["data": .delayed(selectedNode: "b", candidates: [], provisionable: true, allowedTopologies: nil)])
        #expect(!cluster.filter(VolumeBindingPlugin(catalog: pinned), pod: pod(["data"]), node: "a").isSuccess)
        #expect(cluster.filter(VolumeBindingPlugin(catalog: pinned), pod: pod(["data"]), node: "b").isSuccess)

        let limited = FixedCatalog(["data": .delayed(selectedNode: nil, candidates: [], provisionable: true, allowedTopologies: onHost("a"))])
        #expect(!cluster.filter(VolumeBindingPlugin(catalog: limited), pod: pod(["data"]), node: "b").isSuccess)
    }

    @Test("the FailedScheduling message for an unbound Immediate claim")
    func failedSchedulingMessage() async throws {
        let framework = try Framework(profile: .defaultProfile(), volumes: FixedCatalog(["now": .immediate]))
        let decision = await cluster.schedule(pod(["now"]), framework: framework)
        #expect(decision.node == nil)
        #expect(decision.message?.hasPrefix("0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.") == true, "\(decision.message ?? "")")
    }
}
