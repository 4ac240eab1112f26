import KubeAPI
import Logging
import Scheduler
import ServiceLifecycle
import Synchronization
import SuiClient

/// Records each node's stake on its Node, so the scheduler's StakeWeighted plugin can prefer the
/// operators with most at stake: for every Node bound to a Sui address (annotation
/// `daas.io/sui-address`, stamped by NodeRestriction when the node registered), the principal of
/// the StakedSui objects that address owns, in MIST, as annotation `daas.io/stake-mist` (which
/// nodes may not set themselves). The chain is read once per address per pass; a pass runs soon
/// after a node appears and every `interval` (the Seal stake TTL). A Node no longer bound to an
/// address loses the annotation.
struct NodeStakeRecorder: Service {
    let objects: ObjectStore
    let nodes: SharedInformer
    let reader: any SuiReader
    let interval: Duration
    let logger: Logger

    func run() async throws {
        precondition(NodeKeys.stake == StakeWeighted.stakeKey, "the recorded key is the one StakeWeighted reads")
        let nodeAdded = Atomic<Bool>(true)
        nodes.addHandler { event in
            if case .added = event { nodeAdded.store(true, ordering: .relaxed) }
        }
        await nodes.waitForSync()
        var last = ContinuousClock.now
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            if nodeAdded.exchange(false, ordering: .relaxed) || ContinuousClock.now - last >= interval {
                last = .now
                await recordAll()
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// One pass over every node.
    func recordAll() async {
        let type = objects.registry.lookup(group: "", version: "v1", plural: "nodes")!
        var byAddress: [SuiAddress: [JSONValue]] = [:]
        var unbound: [JSONValue] = []
        for node in nodes.list() {
            if let text = node[path: ["metadata", "annotations", NodeKeys.suiAddress]]?.stringValue, let address = SuiAddress(hex: text) {
                byAddress[address, default: []].append(node)
            } else if node[path: ["metadata", "annotations", NodeKeys.stake]] != nil {
                unbound.append(node)
            }
        }
        for node in unbound { await annotate(node, stake: nil, type: type) }
        for (address, group) in byAddress {
            let stakes: [StakedSui]
            do {
                stakes = try await reader.stakes(owner: address)
            } catch {
                logger.notice("reading a node operator's stake failed; the recorded stake stays", metadata: ["address": "\(address)", "error": "\(error)"])
                continue
            }
            var total: UInt64 = 0
            for stake in stakes {
                let (sum, overflow) = total.addingReportingOverflow(stake.principal)
                total = overflow ? .max : sum
            }
            for node in group { await annotate(node, stake: String(total), type: type) }
        }
    }

    private func annotate(_ node: JSONValue, stake: String?, type: ResourceType) async {
        guard node[path: ["metadata", "annotations", NodeKeys.stake]]?.stringValue != stake else { return }
        let name = node[path: ["metadata", "name"]]?.stringValue ?? ""
        let value: JSONValue = stake.map { .string($0) } ?? .null
        do {
            _ = try await objects.mergePatch(type, namespace: nil, name: name, patch: ["metadata": ["annotations": [NodeKeys.stake: value]]])
        } catch {
            logger.debug("recording a node's stake failed", metadata: ["node": "\(name)", "error": "\(error)"])
        }
    }
}
