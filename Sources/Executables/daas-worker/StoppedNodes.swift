import Foundation
import Synchronization

/// The simulated nodes told to stop (named one per line in a file, re-read at most once a second).
final class StoppedNodes: Sendable {
    private let file: String?
    private let state = Mutex<(names: Set<String>, read: ContinuousClock.Instant?)>(([], nil))

    init(file: String?) { self.file = file }

    func contains(_ name: String) -> Bool {
        guard let file else { return false }
        return state.withLock { state in
            if state.read.map({ $0.duration(to: .now) > .seconds(1) }) ?? true {
                let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
                state.names = Set(text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) })
                state.read = .now
            }
            return state.names.contains(name)
        }
    }
}
