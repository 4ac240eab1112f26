import DaaSTestSupport

/// Derives inputs from seeds with byte-level mutations, as coverage-blind fuzzers do: bit flips,
/// random and boundary bytes, insertions, deletions, repeated chunks (deep nesting, long runs),
/// dictionary tokens, extreme numbers, splices of two seeds and truncation. Deterministic for a
/// given generator state, so a seed replays a whole run.
struct Mutator {
    let seeds: [[UInt8]]
    let dictionary: [[UInt8]]
    let maxSize: Int
    var random: SplitMix64

    static let interesting: [UInt8] = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x3a, 0x2c, 0x0a, 0x0d, 0x20, 0x25, 0xc3, 0xcc, 0xe2, 0xf0]
    static let numbers: [[UInt8]] = [
        "0", "-1", "-0", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "1e400", "-1e400", "1e-400", "4294967296", "2147483648", "NaN", "0x7fffffff",
        "99999999999999999999999999999999999999", "0.0000000001",
    ].map(\.bytes)
    static let texts: [[UInt8]] = ["\u{301}", "\u{0}", "\u{200b}", "\u{feff}", "\u{ffff}", "é", "🀄", "\\u0000", "\\ud800", "%00", "%ff", "%", "\\"].map(\.bytes)

    /// The next input.
    mutating func next() -> [UInt8] {
        var input = seeds.isEmpty ? [] : seeds[Int.random(in: 0..<seeds.count, using: &random)]
        // Now and then a seed is sent as it is, so the valid path stays covered.
        if Int.random(in: 0..<16, using: &random) == 0 { return input }
        for _ in 0..<Int.random(in: 1...4, using: &random) { mutate(&input) }
        if input.count > maxSize { input.removeLast(input.count - maxSize) }
        return input
    }

    private mutating func index(_ input: [UInt8], inclusive: Bool = false) -> Int {
        input.isEmpty ? 0 : Int.random(in: 0..<(input.count + (inclusive ? 1 : 0)), using: &random)
    }

    private mutating func mutate(_ input: inout [UInt8]) {
        switch Int.random(in: 0..<11, using: &random) {
        case 0 where !input.isEmpty:
            input[index(input)] ^= 1 << UInt8.random(in: 0...7, using: &random)
        case 1 where !input.isEmpty:
            input[index(input)] = UInt8.random(in: 0...255, using: &random)
        case 2 where !input.isEmpty:
            input[index(input)] = Self.interesting.randomElement(using: &random)!
        case 3:
            let count = Int.random(in: 1...8, using: &random)
            input.insert(contentsOf: (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }, at: index(input, inclusive: true))
        case 4 where !input.isEmpty:
            let start = index(input)
            let length = Int.random(in: 1...max(1, min(64, input.count - start)), using: &random)
            input.removeSubrange(start..<min(input.count, start + length))
        case 5 where !input.isEmpty:
            // A repeated chunk: deep nesting, long runs, many parameters.
            let start = index(input)
            let length = Int.random(in: 1...max(1, min(16, input.count - start)), using: &random)
            let chunk = Array(input[start..<min(input.count, start + length)])
            let times = [2, 8, 64, 512, 4096].randomElement(using: &random)!
            input.insert(contentsOf: Array(repeating: chunk, count: times).joined(), at: start)
        case 6 where !dictionary.isEmpty:
            input.insert(contentsOf: dictionary.randomElement(using: &random)!, at: index(input, inclusive: true))
        case 7:
            replaceNumber(&input)
        case 8 where seeds.count > 1:
            let other = seeds.randomElement(using: &random)!
            guard !other.isEmpty else { return }
            let cut = index(input, inclusive: true)
            let from = Int.random(in: 0..<other.count, using: &random)
            input = Array(input[..<cut]) + Array(other[from...])
        case 9 where !input.isEmpty:
            input.removeLast(Int.random(in: 1...input.count, using: &random))
        default:
            input.insert(contentsOf: Self.texts.randomElement(using: &random)!, at: index(input, inclusive: true))
        }
    }

    /// Replaces a run of digits (or inserts at random) with an extreme number.
    private mutating func replaceNumber(_ input: inout [UInt8]) {
        let number = Self.numbers.randomElement(using: &random)!
        let digits = input.indices.filter { input[$0] >= 0x30 && input[$0] <= 0x39 }
        guard let start = digits.randomElement(using: &random) else {
            input.insert(contentsOf: number, at: index(input, inclusive: true))
            return
        }
        var end = start
        while end < input.count, input[end] >= 0x30 && input[end] <= 0x39 { end += 1 }
        input.replaceSubrange(start..<end, with: number)
    }
}
