public import Foundation

/// Deterministic pseudo-random numbers (SplitMix64), so every randomized test and fuzz run can be
/// replayed from its seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's state; the seed before the first draw.
    public var state: UInt64

    /// A generator starting at `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A generator for a randomized test named `label`: seeded from `DAAS_SEED` when set (to
    /// replay a failure), else from the system generator. The seed is printed either way.
    public static func seeded(_ label: String) -> SplitMix64 {
        let seed = ProcessInfo.processInfo.environment["DAAS_SEED"].flatMap { UInt64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) }
            ?? UInt64.random(in: 0...UInt64.max)
        FileHandle.standardError.write(Data("seed for \(label): \(String(seed, radix: 16)) (replay with DAAS_SEED=\(String(seed, radix: 16)))\n".utf8))
        return SplitMix64(seed: seed)
    }
}
