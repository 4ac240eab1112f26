import Foundation
import KubeTypes

/// One hard eviction threshold in the kubelet's syntax (`memory.available<100Mi`,
/// `nodefs.available<10%`): the signal, and the quantity or share of capacity below which the
/// node is under pressure.
public struct EvictionThreshold: Sendable, Equatable {
    /// The signals the agent observes.
    public enum Signal: String, Sendable, CaseIterable {
        case memoryAvailable = "memory.available"
        case nodefsAvailable = "nodefs.available"
        case nodefsInodesFree = "nodefs.inodesFree"
        case imagefsAvailable = "imagefs.available"

        /// The node condition the signal drives.
        var condition: String { self == .memoryAvailable ? "MemoryPressure" : "DiskPressure" }
        /// The resource named in eviction messages.
        var resource: String {
            switch self {
            case .memoryAvailable: "memory"
            case .nodefsAvailable, .imagefsAvailable: "ephemeral-storage"
            case .nodefsInodesFree: "inodes"
            }
        }
    }

    /// How much must stay available.
    public enum Value: Sendable, Equatable {
        /// Bytes (or inodes).
        case quantity(Int64, text: String)
        /// A share of the capacity, 0 to 100.
        case percentage(Double)
    }

    public var signal: Signal
    public var value: Value

    /// The kubelet's default hard thresholds.
    public static let defaults: [EvictionThreshold] = [
        .init(signal: .memoryAvailable, value: .quantity(100 << 20, text: "100Mi")),
        .init(signal: .nodefsAvailable, value: .percentage(10)),
        .init(signal: .nodefsInodesFree, value: .percentage(5)),
        .init(signal: .imagefsAvailable, value: .percentage(15)),
    ]

    public init(signal: Signal, value: Value) {
        self.signal = signal
        self.value = value
    }

    /// Parses `--eviction-hard`: comma-separated `signal<value`, the value a quantity or a
    /// percentage; an empty string means no thresholds.
    public static func parse(_ text: String) throws(AgentError) -> [EvictionThreshold] {
        guard text.utf8.count <= 1024 else { throw AgentError(.invalidConfiguration, "--eviction-hard is over 1024 bytes") }
        var thresholds: [EvictionThreshold] = []
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "<", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2, let signal = Signal(rawValue: pieces[0].trimmingCharacters(in: .whitespaces)) else {
                throw AgentError(.invalidConfiguration, "eviction threshold \"\(part)\": expected SIGNAL<VALUE with SIGNAL one of \(Signal.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let raw = pieces[1].trimmingCharacters(in: .whitespaces)
            if raw.hasSuffix("%") {
                guard let share = Double(raw.dropLast()), share >= 0, share <= 100 else {
                    throw AgentError(.invalidConfiguration, "eviction threshold \"\(part)\": a percentage must be between 0% and 100%")
                }
                thresholds.append(.init(signal: signal, value: .percentage(share)))
            } else {
                guard let quantity = try? Quantity(parsing: raw), quantity.value >= 0 else {
                    throw AgentError(.invalidConfiguration, "eviction threshold \"\(part)\": \"\(raw)\" is not a quantity")
                }
                thresholds.append(.init(signal: signal, value: .quantity(quantity.value, text: raw)))
            }
        }
        return thresholds
    }

    /// The amount below which `capacity` is under pressure.
    func minimum(of capacity: Int64) -> Int64 {
        switch value {
        case .quantity(let amount, _): amount
        case .percentage(let share): Int64(clamping: Int64((Double(capacity) * share / 100).rounded(.up)))
        }
    }

    /// The threshold as kubelet messages print it.
    var text: String {
        switch value {
        case .quantity(_, let text): text
        case .percentage(let share): share.rounded() == share ? "\(Int(share))%" : "\(share)%"
        }
    }
}
