import Foundation
import Metrics
public import Logging
public import SuiClient
import Synchronization

/// Verifies Seal tokens as DESIGN.md specifies and maps them to Kubernetes identities.
///
/// Checks run cheapest first: format, domain, lifetime, audience, signature, address, revocation,
/// then stake on the chain. Verdicts are cached until `min(exp, now + stakeTTL)`; refusals for
/// ``SealVerifierConfiguration/negativeTTL`` in a cache of their own, so a flood of junk tokens
/// never evicts a good verdict. Stake readings are cached per address: sufficient ones for the
/// stake TTL, insufficient ones for ``SealVerifierConfiguration/insufficientStakeTTL``, so fresh
/// tokens of an unstaked address do not each cost a chain read. Concurrent verifications of one
/// token share one chain lookup. When the chain cannot be read, uncached tokens are refused
/// (``SealAuthError/Code/chainUnavailable``) while cached verdicts keep serving until they expire.
///
/// Every time comparison on token values uses saturating arithmetic: `iat` and `exp` are whatever
/// 64-bit integers a client sends.
public final class SealVerifier: Sendable {
    /// The configuration this verifier was made with.
    public let configuration: SealVerifierConfiguration
    private let reader: any SuiReader
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let state: Mutex<State>

    private struct StakeKey: Hashable {
        var owner: SuiAddress
        var objects: [SuiAddress]
    }

    private struct State {
        /// Tokens that verified, until when.
        var verdicts: LRUCache<String, (identity: SealIdentity, until: Int64)>
        /// Tokens that were refused after costing a signature check or more, until when.
        var refusals: LRUCache<String, (error: SealAuthError, until: Int64)>
        /// Stake readings per owner and listed objects, until when.
        var stakes: LRUCache<StakeKey, (principal: UInt64, until: Int64)>
        var inFlight: [String: Task<SealIdentity, any Error>] = [:]
        var revocations = SealRevocations()

        init(_ configuration: SealVerifierConfiguration) {
            verdicts = LRUCache(capacity: configuration.cacheCapacity)
            refusals = LRUCache(capacity: configuration.refusalCacheCapacity)
            stakes = LRUCache(capacity: configuration.cacheCapacity)
        }
    }

    private enum Lookup {
        case hit(SealIdentity)
        case refused(SealAuthError)
        case pending(Task<SealIdentity, any Error>)
    }

    /// Creates a verifier.
    /// - Parameters:
    ///   - configuration: Policy and cache settings.
    ///   - reader: Where stake is read: a full node, or the dev ledger.
    ///   - logger: Receives one audit line per refusal (reason code, never the token).
    ///   - clock: The current Unix time in seconds; tests inject their own.
    public init(
        configuration: SealVerifierConfiguration, reader: any SuiReader, logger: Logger,
        clock: @escaping @Sendable () -> Int64 = SealVerifier.unixNow
    ) {
        self.configuration = configuration
        self.reader = reader
        self.logger = logger
        self.clock = clock
        self.state = Mutex(State(configuration))
    }

    /// The system clock in Unix seconds, the default clock.
    public static func unixNow() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// Replaces the revocation list; it applies to cached verdicts at once.
    public func setRevocations(_ revocations: SealRevocations) {
        state.withLock { $0.revocations = revocations }
    }

    /// The current revocation list.
    public var revocations: SealRevocations { state.withLock { $0.revocations } }

    /// The Sui addresses with a cached, unexpired and unrevoked verdict: who holds a working
    /// session now (what `daasctl status` reports as active stakers), each with its role.
    public func activeAddresses() -> [SuiAddress: SealRole] {
        let now = clock()
        return state.withLock { state in
            var active: [SuiAddress: SealRole] = [:]
            for verdict in state.verdicts.values where now < verdict.until && Self.revocation(of: verdict.identity, in: state.revocations) == nil {
                active[verdict.identity.address] = verdict.identity.subject.role
            }
            return active
        }
    }

    /// Drops every cached verdict and stake reading.
    public func flushCache() {
        state.withLock { state in
            let revocations = state.revocations
            let inFlight = state.inFlight
            state = State(configuration)
            state.revocations = revocations
            state.inFlight = inFlight
        }
    }

    /// The identity of `token` if a verdict for it is cached, still valid and not revoked; nil
    /// when ``verify(_:)`` would have to work (or refuse).
    public func cachedIdentity(_ token: String) -> SealIdentity? {
        let now = clock()
        return state.withLock { state in
            guard let verdict = state.verdicts.value(for: token), now < verdict.until,
                Self.revocation(of: verdict.identity, in: state.revocations) == nil
            else { return nil }
            return verdict.identity
        }
    }

    /// Verifies `token` and returns the identity it proves. Throws ``SealAuthError``.
    public func verify(_ token: String) async throws -> SealIdentity {
        let now = clock()
        let lookup: Lookup = state.withLock { state in
            if let verdict = state.verdicts.value(for: token) {
                if now < verdict.until {
                    if let revoked = Self.revocation(of: verdict.identity, in: state.revocations) { return .refused(revoked) }
                    return .hit(verdict.identity)
                }
                state.verdicts.removeValue(for: token)
            }
            if let refusal = state.refusals.value(for: token) {
                if now < refusal.until { return .refused(refusal.error) }
                state.refusals.removeValue(for: token)
            }
            if let pending = state.inFlight[token] { return .pending(pending) }
            let task = Task { try await self.verifyAndRemember(token, now: now) }
            state.inFlight[token] = task
            return .pending(task)
        }
        switch lookup {
        case .hit(let identity):
            Counter(label: "sealauth_cache_lookups_total", dimensions: [("result", "hit")]).increment()
            return identity
        case .refused(let error):
            Counter(label: "sealauth_cache_lookups_total", dimensions: [("result", "refusal_hit")]).increment()
            throw error
        case .pending(let task):
            Counter(label: "sealauth_cache_lookups_total", dimensions: [("result", "miss")]).increment()
            return try await task.value
        }
    }

    /// Counts one uncached verification: `sealauth_verifications_total` with `result` (ok or
    /// the refusal's code) and `scheme` (the signature's, or unknown when parsing did not reach it).
    private static func count(result: String, scheme: SuiSignatureScheme?) {
        Counter(label: "sealauth_verifications_total", dimensions: [("result", result), ("scheme", scheme?.description ?? "unknown")]).increment()
    }

    private func verifyAndRemember(_ token: String, now: Int64) async throws -> SealIdentity {
        var scheme: SuiSignatureScheme?
        do {
            let (identity, until) = try await verifyUncached(token, now: now, scheme: &scheme)
            state.withLock { state in
                state.inFlight[token] = nil
                state.verdicts.set((identity, until), for: token)
            }
            Self.count(result: "ok", scheme: scheme)
            return identity
        } catch let error as SealAuthError {
            // A malformed token costs less to parse again than to remember; a refusal that can
            // change soon (the chain, the clock, the revocation list) is not remembered.
            let remembered = ![.malformed, .chainUnavailable, .notYetValid, .revokedToken, .revokedAddress].contains(error.code)
            state.withLock { state in
                state.inFlight[token] = nil
                if remembered { state.refusals.set((error, now.addingSaturating(configuration.negativeTTL)), for: token) }
            }
            logger.notice("seal token refused", metadata: ["reason": "\(error.code)", "detail": "\(error.message)"])
            Self.count(result: error.code.rawValue, scheme: scheme)
            throw error
        }
    }

    /// Every check, in DESIGN.md's order; returns the identity and how long it may be cached,
    /// and sets `scheme` to the signature's once the token parsed (for the metrics).
    private func verifyUncached(_ text: String, now: Int64, scheme: inout SuiSignatureScheme?) async throws -> (SealIdentity, Int64) {
        let policy = configuration.policy
        let token = try SealToken(parsing: text)
        scheme = token.signature.first.flatMap(SuiSignatureScheme.init(rawValue:))
        let payload = token.payload
        guard payload.dom == SealPayload.domain else {
            throw SealAuthError(code: .wrongDomain, message: "dom is not \(SealPayload.domain)")
        }
        let role = payload.sub.role
        let maxLifetime = policy.maxLifetime[role] ?? 3_600
        // `exp - iat` and the window checks saturate: both are arbitrary 64-bit client values.
        guard payload.exp > payload.iat, payload.exp.subtractingSaturating(payload.iat) <= maxLifetime else {
            throw SealAuthError(code: .lifetimeTooLong, message: "exp - iat must be between 1 and \(maxLifetime) seconds for \(role) tokens")
        }
        guard payload.iat <= now.addingSaturating(policy.clockSkew) else {
            throw SealAuthError(code: .notYetValid, message: "iat is \(payload.iat.subtractingSaturating(now)) seconds in the future")
        }
        guard now <= payload.exp.addingSaturating(policy.clockSkew) else {
            throw SealAuthError(code: .expired, message: "the token expired \(now.subtractingSaturating(payload.exp)) seconds ago")
        }
        guard payload.aud == policy.clusterID else {
            throw SealAuthError(code: .wrongAudience, message: "aud is not this cluster's id")
        }
        let signer: SuiAddress
        do {
            signer = try SuiSignature.verifyPersonalMessage(token.payloadBytes, serialized: token.signature)
        } catch let error as SuiClientError {
            throw SealAuthError(code: .badSignature, message: "the signature does not verify (\(error.code))")
        }
        guard signer == payload.iss else {
            throw SealAuthError(code: .addressMismatch, message: "the signing key's address is not iss")
        }
        let identity = SealIdentity(payload: payload, owner: role == .user && policy.clusterOwners.contains(payload.iss))
        if let revoked = state.withLock({ Self.revocation(of: identity, in: $0.revocations) }) { throw revoked }
        let minimum = policy.minimumStake[role] ?? 0
        let key = StakeKey(owner: payload.iss, objects: payload.stake)
        if let cached = state.withLock({ $0.stakes.value(for: key) }), now < cached.until {
            guard cached.principal >= minimum else { throw Self.belowMinimum(payload, principal: cached.principal, minimum: minimum) }
            return (identity, min(payload.exp, cached.until))
        }
        let principal = try await stakedPrincipal(owner: payload.iss, objects: payload.stake)
        // A sufficient reading is trusted for the stake TTL; an insufficient one only briefly, so
        // someone who just staked is not kept waiting, yet a flood of fresh tokens from an
        // unstaked address costs one chain read per TTL.
        let sufficient = principal >= minimum
        let until = now.addingSaturating(sufficient ? configuration.stakeTTL : configuration.insufficientStakeTTL)
        state.withLock { $0.stakes.set((principal, until), for: key) }
        guard sufficient else { throw Self.belowMinimum(payload, principal: principal, minimum: minimum) }
        return (identity, min(payload.exp, until))
    }

    private static func belowMinimum(_ payload: SealPayload, principal: UInt64, minimum: UInt64) -> SealAuthError {
        SealAuthError(code: .stakeBelowMinimum, message: "\(payload.iss) stakes \(principal) MIST; \(payload.sub.role) tokens need \(minimum)")
    }

    /// The principal staked by `owner` in the listed objects, or in every StakedSui it owns.
    private func stakedPrincipal(owner: SuiAddress, objects: [SuiAddress]) async throws -> UInt64 {
        var total: UInt64 = 0
        func add(_ principal: UInt64) {
            let (sum, overflow) = total.addingReportingOverflow(principal)
            total = overflow ? .max : sum
        }
        do {
            if objects.isEmpty {
                for stake in try await reader.stakes(owner: owner) { add(stake.principal) }
            } else {
                guard Set(objects).count == objects.count else {
                    throw SealAuthError(code: .stakeObjectInvalid, message: "a stake object is listed twice")
                }
                for (id, object) in zip(objects, try await reader.objects(ids: objects)) {
                    add(try Self.principal(of: object, id: id, owner: owner))
                }
            }
        } catch let error as SuiClientError {
            throw SealAuthError(code: .chainUnavailable, message: "reading stake failed: \(error.code)")
        }
        return total
    }

    private static func principal(of object: SuiObject?, id: SuiAddress, owner: SuiAddress) throws -> UInt64 {
        guard let object else { throw SealAuthError(code: .stakeObjectInvalid, message: "stake object \(id) does not exist") }
        guard let type = object.type, isStakedSuiType(type) else {
            throw SealAuthError(code: .stakeObjectInvalid, message: "object \(id) is not a \(StakedSui.moveType)")
        }
        guard object.owner == .address(owner) else {
            throw SealAuthError(code: .stakeObjectInvalid, message: "stake object \(id) is not owned by the issuer")
        }
        guard let principal = object.contents?["principal"]?.uint64 else {
            throw SealAuthError(code: .stakeObjectInvalid, message: "stake object \(id) has no principal")
        }
        return principal
    }

    /// Whether `type` is `0x3::staking_pool::StakedSui`, however the address is written.
    static func isStakedSuiType(_ type: String) -> Bool {
        let parts = type.split(separator: ":", omittingEmptySubsequences: true)
        return parts.count == 3 && SuiAddress(hex: String(parts[0])) == SuiAddress(hex: "0x3") && parts[1] == "staking_pool" && parts[2] == "StakedSui"
    }

    private static func revocation(of identity: SealIdentity, in revocations: SealRevocations) -> SealAuthError? {
        if revocations.addresses.contains(identity.address) {
            return SealAuthError(code: .revokedAddress, message: "the issuing address is revoked")
        }
        if revocations.nonces.contains(identity.nonce) {
            return SealAuthError(code: .revokedToken, message: "this token's nonce is revoked")
        }
        return nil
    }
}

extension Int64 {
    /// `self + other`, clamped to the representable range instead of trapping.
    func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// `self - other`, clamped to the representable range instead of trapping.
    func subtractingSaturating(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? .max : .min) : difference
    }
}
