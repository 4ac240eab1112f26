/// The head of an HTTP/1.1 response read off a raw connection: the answer of an upstream to an
/// upgrade request (`101 Switching Protocols`, or a refusal).
///
/// Parsed on bytes, with bounds: at most ``maxBytes`` for the whole head and ``maxFields``
/// header fields; names must be RFC 9110 tokens and values may not hold control characters
/// other than tab, so a head can be written on as it is.
public struct UpgradeResponseHead: Sendable, Equatable {
    /// The largest head accepted, in bytes (status line, fields and the blank line).
    public static let maxBytes = 16 * 1024
    /// The most header fields accepted.
    public static let maxFields = 100

    /// The status code (100 to 999).
    public var status: Int
    /// The reason phrase (may be empty).
    public var reason: String
    /// The header fields, in order, names as sent.
    public var fields: [(name: String, value: String)]

    public init(status: Int, reason: String, fields: [(name: String, value: String)]) {
        self.status = status
        self.reason = reason
        self.fields = fields
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.status == rhs.status && lhs.reason == rhs.reason && lhs.fields.elementsEqual(rhs.fields) { $0 == $1 }
    }

    /// The outcome of ``parse(_:)``.
    public enum ParseResult: Sendable, Equatable {
        /// A complete head, and how many of the bytes it took (the rest is the stream's).
        case complete(UpgradeResponseHead, consumed: Int)
        /// More bytes are needed.
        case incomplete
        /// Not an HTTP/1.x response head, or over the bounds.
        case invalid(String)
    }

    /// Parses a head at the start of `bytes`.
    public static func parse(_ bytes: some Collection<UInt8>) -> ParseResult {
        let bytes = Array(bytes.prefix(maxBytes + 1))
        // The end of the head: the first CRLF CRLF.
        var end: Int?
        var index = 0
        while index + 3 < bytes.count {
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 {
                end = index
                break
            }
            index += 1
        }
        guard let end else {
            return bytes.count > maxBytes ? .invalid("response head over \(maxBytes) bytes") : .incomplete
        }
        guard end + 4 <= maxBytes else { return .invalid("response head over \(maxBytes) bytes") }
        let lines = split(bytes[..<end])
        guard let statusLine = lines.first else { return .invalid("empty response head") }
        // HTTP/1.x SP 3DIGIT [SP reason]
        let prefix: [UInt8] = Array("HTTP/1.".utf8)
        guard statusLine.count >= 12, Array(statusLine.prefix(7)) == prefix, statusLine[7] == 0x30 || statusLine[7] == 0x31, statusLine[8] == 0x20
        else { return .invalid("not an HTTP/1.x status line") }
        var status = 0
        for digit in statusLine[9..<12] {
            guard (0x30...0x39).contains(digit) else { return .invalid("status code is not three digits") }
            status = status * 10 + Int(digit - 0x30)
        }
        guard status >= 100 else { return .invalid("status code under 100") }
        var reasonBytes: ArraySlice<UInt8> = []
        if statusLine.count > 12 {
            guard statusLine[12] == 0x20 else { return .invalid("no space after the status code") }
            reasonBytes = statusLine[13...]
            guard reasonBytes.allSatisfy({ $0 == 9 || ($0 >= 0x20 && $0 != 0x7f) }) else { return .invalid("control character in the reason phrase") }
        }
        var fields: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard fields.count < maxFields else { return .invalid("more than \(maxFields) header fields") }
            guard let colon = line.firstIndex(of: 0x3a), colon > line.startIndex else { return .invalid("header field without a name") }
            let name = line[..<colon]
            guard name.allSatisfy(isTokenByte) else { return .invalid("header field name is not a token") }
            var value = line[(colon + 1)...]
            while let first = value.first, first == 0x20 || first == 9 { value = value.dropFirst() }
            while let last = value.last, last == 0x20 || last == 9 { value = value.dropLast() }
            guard value.allSatisfy({ $0 == 9 || ($0 >= 0x20 && $0 != 0x7f) }) else { return .invalid("control character in a header field value") }
            fields.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return .complete(UpgradeResponseHead(status: status, reason: String(decoding: reasonBytes, as: UTF8.self), fields: fields), consumed: end + 4)
    }

    /// The lines of a head (CRLF-separated; a bare LF or CR inside a line makes it invalid later
    /// as a control character).
    private static func split(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            if bytes[index] == 13, bytes[index + 1] == 10 {
                lines.append(bytes[start..<index])
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        lines.append(bytes[start..<bytes.endIndex])
        return lines
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5a, 0x61...0x7a: true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"),
            UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }
}
