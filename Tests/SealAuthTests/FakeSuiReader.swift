import SuiClient
import Synchronization

/// A chain in memory for verifier tests: StakedSui objects per owner, a switch to take it down,
/// and a count of stake reads so caching can be observed.
final class FakeSuiReader: SuiReader {
    struct State {
        var objects: [SuiAddress: SuiObject] = [:]
        var down = false
        var stakeReads = 0
        var delay: Duration = .zero
    }

    let state = Mutex(State())

    /// Adds a StakedSui object owned by `owner`; returns its id.
    @discardableResult
    func stake(_ owner: SuiAddress, principal: UInt64) -> SuiAddress {
        state.withLock { state in
            var bytes = [UInt8](repeating: 0, count: 32)
            bytes[0] = 0x5a
            withUnsafeBytes(of: UInt64(state.objects.count + 1).bigEndian) { bytes.replaceSubrange(24..<32, with: $0) }
            let id = SuiAddress(bytes: bytes)!
            state.objects[id] = SuiObject(
                id: id, version: 1, digest: "digest", type: "0x3::staking_pool::StakedSui", owner: .address(owner),
                contents: .object(["id": .string(id.description), "pool_id": .string(SuiAddress(hex: "0x99")!.description),
                                   "stake_activation_epoch": .string("1"), "principal": .string(String(principal))]))
            return id
        }
    }

    /// Removes every stake of `owner` (a withdrawal).
    func withdrawAll(_ owner: SuiAddress) {
        state.withLock { state in state.objects = state.objects.filter { $0.value.owner != .address(owner) } }
    }

    var stakeReads: Int { state.withLock { $0.stakeReads } }

    func setDown(_ down: Bool) { state.withLock { $0.down = down } }

    func setDelay(_ delay: Duration) { state.withLock { $0.delay = delay } }

    private func read<T>(_ body: (inout State) -> T) async throws -> T {
        let delay = state.withLock { $0.delay }
        if delay > .zero { try await Task.sleep(for: delay) }
        return try state.withLock { state in
            guard !state.down else { throw SuiClientError(code: .transportUnavailable, message: "ledger down") }
            state.stakeReads += 1
            return body(&state)
        }
    }

    func chainIdentifier() async throws -> String { "4c78adac" }
    func latestCheckpoint() async throws -> UInt64 { 1 }
    func object(id: SuiAddress) async throws -> SuiObject? { try await read { $0.objects[id] } }
    func objects(ids: [SuiAddress]) async throws -> [SuiObject?] { try await read { state in ids.map { state.objects[$0] } } }
    func ownedObjects(owner: SuiAddress, type: String?, cursor: String?, limit: Int) async throws -> SuiPage<SuiObject> {
        try await read { state in SuiPage(items: state.objects.values.filter { $0.owner == .address(owner) }, nextCursor: nil) }
    }
    func stakes(owner: SuiAddress) async throws -> [StakedSui] {
        try await read { state in
            state.objects.values.filter { $0.owner == .address(owner) }.map {
                StakedSui(id: $0.id, owner: owner, poolId: SuiAddress(hex: "0x99")!, stakeActivationEpoch: 1, principal: $0.contents?["principal"]?.uint64 ?? 0)
            }
        }
    }
    func events(type: String, cursor: String?, limit: Int) async throws -> SuiPage<SuiEvent> { SuiPage(items: [], nextCursor: nil) }
}
