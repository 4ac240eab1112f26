import Foundation

/// The regular expressions of OpenAPI `pattern`s, in the RE2 syntax kube-apiserver uses, matched
/// in time linear in the text (a Pike VM over a Thompson program, no backtracking), so a
/// hostile pattern or value cannot stall the server. Supported: literals and escapes, `.`,
/// classes (`[a-z]`, `[^…]`, `\d \w \s` and their negations), `^`, `$`, groups (`(…)`, `(?:…)`),
/// `|`, and the quantifiers `* + ? {n} {n,} {n,m}` (lazy forms match the same strings).
struct SchemaPattern: Sendable {
    /// Why a pattern does not compile.
    struct SyntaxError: Error, Equatable {
        let message: String
    }

    /// The longest pattern and the largest program compiled.
    static let maxPatternLength = 1024
    static let maxProgramSize = 20_000
    /// The largest `{n,m}` bound (RE2's).
    static let maxRepeat = 1000

    private enum Instruction: Sendable {
        case scalar(Unicode.Scalar)
        case set(CharacterSet, negated: Bool)
        case any
        case split(Int, Int)
        case jump(Int)
        case begin
        case end
        case match
    }

    private indirect enum Node {
        case scalar(Unicode.Scalar)
        case set(CharacterSet, negated: Bool)
        case any
        case begin
        case end
        case concat([Node])
        case alternate([Node])
        case repeated(Node, min: Int, max: Int?)
        case empty
    }

    private let program: [Instruction]

    /// Compiles `pattern`.
    /// - Throws: ``SyntaxError`` for syntax outside the subset, or a pattern too long or too large.
    init(_ pattern: String) throws(SyntaxError) {
        guard pattern.utf8.count <= Self.maxPatternLength else { throw SyntaxError(message: "pattern longer than \(Self.maxPatternLength) bytes") }
        var parser = Parser(scalars: Array(pattern.unicodeScalars))
        let node = try parser.parseAlternation(depth: 0)
        guard parser.index == parser.scalars.count else { throw SyntaxError(message: "unexpected ) at position \(parser.index)") }
        var program: [Instruction] = []
        try Self.emit(node, into: &program)
        program.append(.match)
        self.program = program
    }

    /// Whether some part of `text` matches (Go's `MatchString`).
    func matches(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        var current: [Int] = []
        var onList = [Int](repeating: -1, count: program.count)
        func add(_ pc: Int, at position: Int, into list: inout [Int]) {
            var stack = [pc]
            while let pc = stack.popLast() {
                guard onList[pc] != position else { continue }
                onList[pc] = position
                switch program[pc] {
                case .split(let a, let b): stack.append(b); stack.append(a)
                case .jump(let target): stack.append(target)
                case .begin: if position == 0 { stack.append(pc + 1) }
                case .end: if position == scalars.count { stack.append(pc + 1) }
                default: list.append(pc)
                }
            }
        }
        for position in 0...scalars.count {
            // Unanchored: a thread starts at every position.
            add(0, at: position, into: &current)
            var next: [Int] = []
            for pc in current {
                if case .match = program[pc] { return true }
                guard position < scalars.count else { continue }
                let scalar = scalars[position]
                let advances: Bool
                switch program[pc] {
                case .scalar(let expected): advances = scalar == expected
                case .set(let set, let negated): advances = set.contains(scalar) != negated
                case .any: advances = scalar != "\n"
                default: advances = false
                }
                if advances { add(pc + 1, at: position + 1, into: &next) }
            }
            current = next
        }
        return false
    }

    // MARK: Compilation

    private static func emit(_ node: Node, into program: inout [Instruction]) throws(SyntaxError) {
        guard program.count < maxProgramSize else { throw SyntaxError(message: "pattern too large") }
        switch node {
        case .scalar(let scalar): program.append(.scalar(scalar))
        case .set(let set, let negated): program.append(.set(set, negated: negated))
        case .any: program.append(.any)
        case .begin: program.append(.begin)
        case .end: program.append(.end)
        case .empty: break
        case .concat(let nodes):
            for node in nodes { try emit(node, into: &program) }
        case .alternate(let branches):
            var jumps: [Int] = []
            for (index, branch) in branches.enumerated() {
                if index < branches.count - 1 {
                    let split = program.count
                    program.append(.split(split + 1, -1))
                    try emit(branch, into: &program)
                    jumps.append(program.count)
                    program.append(.jump(-1))
                    program[split] = .split(split + 1, program.count)
                } else {
                    try emit(branch, into: &program)
                }
            }
            for jump in jumps { program[jump] = .jump(program.count) }
        case .repeated(let inner, let min, let max):
            for _ in 0..<min { try emit(inner, into: &program) }
            if let max {
                // Up to max - min optional copies, each skipping to the end when declined.
                var splits: [Int] = []
                for _ in min..<max {
                    splits.append(program.count)
                    program.append(.split(program.count + 1, -1))
                    try emit(inner, into: &program)
                }
                for split in splits { program[split] = .split(split + 1, program.count) }
            } else {
                let loop = program.count
                program.append(.split(loop + 1, -1))
                try emit(inner, into: &program)
                program.append(.jump(loop))
                program[loop] = .split(loop + 1, program.count)
            }
        }
        guard program.count <= maxProgramSize else { throw SyntaxError(message: "pattern too large") }
    }

    // MARK: Parsing

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        mutating func parseAlternation(depth: Int) throws(SyntaxError) -> Node {
            guard depth < 100 else { throw SyntaxError(message: "pattern nested too deeply") }
            var branches = [try parseConcatenation(depth: depth)]
            while peek == "|" {
                index += 1
                branches.append(try parseConcatenation(depth: depth))
            }
            return branches.count == 1 ? branches[0] : .alternate(branches)
        }

        mutating func parseConcatenation(depth: Int) throws(SyntaxError) -> Node {
            var nodes: [Node] = []
            while let scalar = peek, scalar != "|", scalar != ")" {
                var atom = try parseAtom(depth: depth)
                if let quantifier = peek, "*+?{".unicodeScalars.contains(quantifier), quantifier != "{" || looksLikeRepeat() {
                    let (min, max) = try parseQuantifier()
                    if peek == "?" { index += 1 }  // lazy: the same strings match
                    if let next = peek, "*+?".unicodeScalars.contains(next) || (next == "{" && looksLikeRepeat()) {
                        throw SyntaxError(message: "invalid nested repetition operator")
                    }
                    atom = .repeated(atom, min: min, max: max)
                }
                nodes.append(atom)
            }
            return nodes.count == 1 ? nodes[0] : (nodes.isEmpty ? .empty : .concat(nodes))
        }

        func looksLikeRepeat() -> Bool {
            var probe = index + 1
            var digits = 0
            while probe < scalars.count, ("0"..."9").contains(scalars[probe]) || scalars[probe] == "," {
                if scalars[probe] != "," { digits += 1 }
                probe += 1
            }
            return digits > 0 && probe < scalars.count && scalars[probe] == "}"
        }

        mutating func parseQuantifier() throws(SyntaxError) -> (Int, Int?) {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "*": return (0, nil)
            case "+": return (1, nil)
            case "?": return (0, 1)
            default:
                var text = ""
                while let next = peek, next != "}" {
                    text.unicodeScalars.append(next)
                    index += 1
                }
                index += 1
                let parts = text.split(separator: ",", omittingEmptySubsequences: false)
                guard let min = Int(parts[0]), min <= SchemaPattern.maxRepeat else { throw SyntaxError(message: "invalid repeat count {\(text)}") }
                if parts.count == 1 { return (min, min) }
                if parts[1].isEmpty { return (min, nil) }
                guard let max = Int(parts[1]), max >= min, max <= SchemaPattern.maxRepeat else { throw SyntaxError(message: "invalid repeat count {\(text)}") }
                return (min, max)
            }
        }

        mutating func parseAtom(depth: Int) throws(SyntaxError) -> Node {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case ".": return .any
            case "^": return .begin
            case "$": return .end
            case "(":
                if peek == "?" {
                    guard index + 1 < scalars.count, scalars[index + 1] == ":" else { throw SyntaxError(message: "unsupported group flags") }
                    index += 2
                }
                let inner = try parseAlternation(depth: depth + 1)
                guard peek == ")" else { throw SyntaxError(message: "missing closing )") }
                index += 1
                return inner
            case "[": return try parseClass()
            case "\\": return try parseEscape()
            case "*", "+", "?": throw SyntaxError(message: "missing argument to repetition operator")
            default: return .scalar(scalar)
            }
        }

        mutating func parseEscape() throws(SyntaxError) -> Node {
            guard let scalar = peek else { throw SyntaxError(message: "trailing backslash") }
            index += 1
            if let set = Self.classEscape(scalar) { return .set(set.0, negated: set.1) }
            if let literal = Self.literalEscape(scalar) { return .scalar(literal) }
            throw SyntaxError(message: "invalid escape sequence \\\(scalar)")
        }

        static func classEscape(_ scalar: Unicode.Scalar) -> (CharacterSet, Bool)? {
            let digits = CharacterSet(charactersIn: "0123456789")
            let word = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
            let space = CharacterSet(charactersIn: " \t\n\r\u{0B}\u{0C}")
            switch scalar {
            case "d": return (digits, false)
            case "D": return (digits, true)
            case "w": return (word, false)
            case "W": return (word, true)
            case "s": return (space, false)
            case "S": return (space, true)
            default: return nil
            }
        }

        static func literalEscape(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
            switch scalar {
            case "n": return "\n"
            case "t": return "\t"
            case "r": return "\r"
            case "f": return "\u{0C}"
            case "v": return "\u{0B}"
            default:
                // Any punctuation escapes itself, as in RE2.
                return scalar.isASCII && !scalar.properties.isAlphabetic && !("0"..."9").contains(scalar) ? scalar : nil
            }
        }

        mutating func parseClass() throws(SyntaxError) -> Node {
            var negated = false
            if peek == "^" {
                negated = true
                index += 1
            }
            var set = CharacterSet()
            var first = true
            while let scalar = peek, scalar != "]" || first {
                index += 1
                first = false
                var low = scalar
                if scalar == "\\" {
                    guard let escaped = peek else { throw SyntaxError(message: "missing closing ]") }
                    index += 1
                    if let (escapedSet, escapedNegated) = Self.classEscape(escaped) {
                        set.formUnion(escapedNegated ? escapedSet.inverted : escapedSet)
                        continue
                    }
                    guard let literal = Self.literalEscape(escaped) else { throw SyntaxError(message: "invalid escape sequence \\\(escaped)") }
                    low = literal
                }
                if peek == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                    index += 1
                    var high = scalars[index]
                    index += 1
                    if high == "\\" {
                        guard let escaped = peek, let literal = Self.literalEscape(escaped) else { throw SyntaxError(message: "invalid character class range") }
                        index += 1
                        high = literal
                    }
                    guard low <= high else { throw SyntaxError(message: "invalid character class range \(low)-\(high)") }
                    set.insert(charactersIn: low...high)
                } else {
                    set.insert(low)
                }
            }
            guard peek == "]" else { throw SyntaxError(message: "missing closing ]") }
            index += 1
            return .set(set, negated: negated)
        }
    }
}
