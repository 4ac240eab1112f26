import Foundation
public import Logging
public import SuiClient

/// A local, single-validator Sui ledger: the test double behind ``SuiDevLedgerServer``.
///
/// It holds a chain identifier (4 random bytes, fixed per state file), a checkpoint sequence
/// that advances on every write and on ``tick()``, StakedSui objects with Sui's real field
/// layout, and the `0x3::validator` staking events. With a state file the state is written
/// atomically (mode 0600) after every change and reloaded on start. It is not a blockchain:
/// nothing is signed and no transaction is executed.
public actor SuiDevLedger {
    /// The most stakes and events kept, so a runaway test cannot fill the disk.
    public static let maxStakes = 100_000
    /// The most events kept.
    public static let maxEvents = 200_000
    /// The largest state file read at start.
    public static let maxStateFileBytes = 256 << 20

    /// The Move type of a stake request event.
    public static let stakingRequestEventType = "0x3::validator::StakingRequestEvent"
    /// The Move type of a withdrawal event.
    public static let unstakingRequestEventType = "0x3::validator::UnstakingRequestEvent"

    private var state: SuiDevLedgerState
    private let stateFile: String?
    private let logger: Logger

    /// Opens the ledger stored at `stateFile`, creating it when missing; `nil` keeps it in memory.
    /// - Parameters:
    ///   - stateFile: the JSON state file, or `nil` for a memory-only ledger.
    ///   - logger: receives persistence diagnostics; default: discards them.
    /// - Throws: ``SuiClientError`` with ``SuiClientError/Code/invalidArgument`` when the file exists
    ///   but cannot be read or parsed.
    public init(stateFile: String?, logger: Logger = Logger(label: "sui-dev-ledger", factory: { _ in SwiftLogNoOpLogHandler() })) throws {
        self.stateFile = stateFile
        self.logger = logger
        if let stateFile, FileManager.default.fileExists(atPath: stateFile) {
            let attributes = try? FileManager.default.attributesOfItem(atPath: stateFile)
            if let size = attributes?[.size] as? Int, size > Self.maxStateFileBytes {
                throw SuiClientError(code: .invalidArgument, message: "dev ledger state file \(stateFile) exceeds \(Self.maxStateFileBytes) bytes")
            }
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: stateFile))
                // Bounded first: Foundation's JSONDecoder traps on deep nesting.
                _ = try SuiValue.parse(Array(data), limits: .init(maxBytes: Self.maxStateFileBytes, maxDepth: 16))
                state = try JSONDecoder().decode(SuiDevLedgerState.self, from: data)
            } catch {
                throw SuiClientError(code: .invalidArgument, message: "dev ledger state file \(stateFile) is unreadable: \(error)")
            }
        } else {
            state = SuiDevLedgerState(
                chainIdentifier: Self.randomBytes(4).map { String($0, radix: 16).leftPadded(to: 2) }.joined(),
                checkpoint: 0, epoch: 0,
                validatorAddress: Self.randomAddress(), poolId: Self.randomAddress(),
                transactions: 0, stakes: [], events: [])
            if let stateFile { try Self.write(state, to: stateFile) }
        }
    }

    // MARK: Reads

    /// The chain identifier: 8 lowercase hex digits.
    public var chainIdentifier: String { state.chainIdentifier }
    /// The latest checkpoint sequence number.
    public var latestCheckpoint: UInt64 { state.checkpoint }
    /// The current epoch (always 0: the dev ledger has no epochs).
    public var epoch: UInt64 { state.epoch }
    /// The validator every stake is delegated to.
    public var validatorAddress: SuiAddress { state.validatorAddress }

    /// Every stake `owner` holds, ordered by object id.
    public func stakes(owner: SuiAddress) -> [StakedSui] {
        state.stakes.filter { $0.owner == owner }.sorted { $0.id < $1.id }.map(\.value)
    }

    /// The stake with object id `id`, if it exists.
    public func stake(id: SuiAddress) -> StakedSui? {
        state.stakes.first { $0.id == id }?.value
    }

    /// Stored stake records, for the server's renderings.
    func stakeRecord(id: SuiAddress) -> SuiDevLedgerState.Stake? {
        state.stakes.first { $0.id == id }
    }

    /// Stake records of `owner` (all of them when `owner` is nil) with id greater than `after`, by id.
    func stakeRecords(owner: SuiAddress?, after: SuiAddress?, limit: Int) -> (records: [SuiDevLedgerState.Stake], more: Bool) {
        let matching = state.stakes
            .filter { stake in (owner == nil || stake.owner == owner) && (after.map { $0 < stake.id } ?? true) }
            .sorted { $0.id < $1.id }
        return (Array(matching.prefix(limit)), matching.count > limit)
    }

    /// Events whose type matches `type` (see ``typeMatches(_:filter:)``), after position `after`
    /// (`transactionIndex`, `eventSequence`), oldest first.
    func eventRecords(type: String?, after: (UInt64, UInt64)?, limit: Int) -> (records: [SuiDevLedgerState.Event], more: Bool) {
        let matching = state.events.filter { event in
            if let type, !Self.typeMatches(event.type, filter: type) { return false }
            if let after { return (event.transactionIndex, event.eventSequence) > after }
            return true
        }
        return (Array(matching.prefix(limit)), matching.count > limit)
    }

    /// The position of the event `(digest, sequence)`, if there is one.
    func eventPosition(digest: String, sequence: UInt64) -> (UInt64, UInt64)? {
        state.events.first { $0.transactionDigest == digest && $0.eventSequence == sequence }.map { ($0.transactionIndex, $0.eventSequence) }
    }

    // MARK: Writes

    /// Advances the checkpoint by one (the server calls this on a timer).
    public func tick() throws {
        state.checkpoint += 1
        try persist()
    }

    /// Stakes `principal` MIST from `owner` with the ledger's validator, creating a StakedSui and
    /// emitting `0x3::validator::StakingRequestEvent`.
    /// - Returns: the new stake.
    /// - Throws: ``SuiClientError/Code/invalidArgument`` for a zero principal or a full ledger.
    @discardableResult
    public func addStake(owner: SuiAddress, principal: UInt64) throws -> StakedSui {
        guard principal > 0 else { throw SuiClientError(code: .invalidArgument, message: "principal must be positive") }
        guard state.stakes.count < Self.maxStakes, state.events.count < Self.maxEvents else {
            throw SuiClientError(code: .invalidArgument, message: "the dev ledger is full")
        }
        let digest = Self.randomDigest()
        state.checkpoint += 1
        let stake = SuiDevLedgerState.Stake(
            id: Self.randomAddress(), owner: owner, poolId: state.poolId, stakeActivationEpoch: state.epoch + 1,
            principal: principal, version: state.checkpoint, digest: Self.randomDigest(), stakeRequestEpoch: state.epoch)
        state.stakes.append(stake)
        let json: SuiValue = [
            "pool_id": .string(state.poolId.description), "validator_address": .string(state.validatorAddress.description),
            "staker_address": .string(owner.description), "epoch": .string(String(state.epoch)), "amount": .string(String(principal)),
        ]
        appendEvent(digest: digest, type: Self.stakingRequestEventType, sender: owner, json: json)
        try persist()
        logger.debug("dev ledger: stake added", metadata: ["id": "\(stake.id)", "owner": "\(owner)", "principal": "\(principal)"])
        return stake.value
    }

    /// Withdraws the stake with object id `id`: removes the StakedSui and emits
    /// `0x3::validator::UnstakingRequestEvent`.
    /// - Returns: the removed stake.
    /// - Throws: ``SuiClientError/Code/invalidArgument`` when no such stake exists.
    @discardableResult
    public func withdrawStake(id: SuiAddress) throws -> StakedSui {
        guard let index = state.stakes.firstIndex(where: { $0.id == id }) else {
            throw SuiClientError(code: .invalidArgument, message: "no StakedSui \(id)")
        }
        guard state.events.count < Self.maxEvents else { throw SuiClientError(code: .invalidArgument, message: "the dev ledger is full") }
        let stake = state.stakes.remove(at: index)
        state.checkpoint += 1
        let json: SuiValue = [
            "pool_id": .string(stake.poolId.description), "validator_address": .string(state.validatorAddress.description),
            "staker_address": .string(stake.owner.description),
            "stake_activation_epoch": .string(String(stake.stakeActivationEpoch)), "unstaking_epoch": .string(String(state.epoch)),
            "principal_amount": .string(String(stake.principal)), "reward_amount": "0",
        ]
        appendEvent(digest: Self.randomDigest(), type: Self.unstakingRequestEventType, sender: stake.owner, json: json)
        try persist()
        logger.debug("dev ledger: stake withdrawn", metadata: ["id": "\(id)"])
        return stake.value
    }

    private func appendEvent(digest: String, type: String, sender: SuiAddress, json: SuiValue) {
        let now = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        state.events.append(
            SuiDevLedgerState.Event(
                transactionIndex: state.transactions, transactionDigest: digest, eventSequence: 0, type: type, sender: sender,
                timestampMs: now, json: json.jsonText))
        state.transactions += 1
    }

    // MARK: Persistence

    /// Writes the state to a temporary file (mode 0600) and renames it over the state file.
    private func persist() throws {
        if let stateFile { try Self.write(state, to: stateFile) }
    }

    private static func write(_ state: SuiDevLedgerState, to stateFile: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(state)
        let temporary = stateFile + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw SuiClientError(code: .invalidArgument, message: "cannot write dev ledger state \(temporary)")
        }
        guard rename(temporary, stateFile) == 0 else {
            throw SuiClientError(code: .invalidArgument, message: "cannot replace dev ledger state \(stateFile): errno \(errno)")
        }
    }

    // MARK: Helpers

    /// Whether Move type `type` matches a filter: the same type, the type without its type
    /// parameters, or a `package` / `package::module` prefix. Addresses may be short (`0x3`).
    public static func typeMatches(_ type: String, filter: String) -> Bool {
        let type = normalizedType(type)
        let filter = normalizedType(filter)
        if type == filter { return true }
        if filter.contains("<") { return false }
        return type.hasPrefix(filter + "<") || type.hasPrefix(filter + "::")
    }

    /// `type` with every address written in full (64 hex digits), as Sui GraphQL prints types.
    public static func normalizedType(_ type: String) -> String {
        var out = ""
        var rest = Substring(type)
        while let range = rest.range(of: "0x") {
            out += rest[..<range.lowerBound]
            let digits = rest[range.upperBound...].prefix { $0.isHexDigit }
            if !digits.isEmpty, digits.count <= 64, let address = SuiAddress(hex: String(digits)) {
                out += address.description
            } else {
                out += "0x" + digits
            }
            rest = rest[range.upperBound...].dropFirst(digits.count)
        }
        return out + rest
    }

    /// `type` with every address in Sui's short form (`0x3` for `0x00…03`), as JSON-RPC prints types.
    public static func shortType(_ type: String) -> String {
        var out = ""
        var rest = Substring(type)
        while let range = rest.range(of: "0x") {
            out += rest[..<range.lowerBound]
            let digits = rest[range.upperBound...].prefix { $0.isHexDigit }
            let trimmed = digits.drop { $0 == "0" }
            out += "0x" + (digits.count == 64 && trimmed.count <= 2 ? (trimmed.isEmpty ? "0" : trimmed) : digits)
            rest = rest[range.upperBound...].dropFirst(digits.count)
        }
        return out + rest
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    static func randomAddress() -> SuiAddress {
        guard let address = SuiAddress(bytes: randomBytes(32)) else { preconditionFailure("32 bytes always form an address") }
        return address
    }

    /// A base58 digest of 32 random bytes, like Sui's object and transaction digests.
    static func randomDigest() -> String { Base58.encode(randomBytes(32)) }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
