/// How deeply a JSON document nests, read on bytes without building it: the agent checks a
/// response against a bound before handing it to Foundation's JSON parser, which traps (rather
/// than throws) on very deep nesting.
enum JSONNesting {
    /// The deepest nesting of arrays and objects in `bytes` (strings are skipped).
    static func depth(_ bytes: some Sequence<UInt8>) -> Int {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }
}
