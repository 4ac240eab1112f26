import Foundation

/// Reads container log files in the CRI format (`<RFC3339Nano> <stream> <P|F> <text>` per line).
enum ContainerLogs {
    /// The last `lines` lines' text (at most `bytes` from the end of the file), without the CRI prefixes.
    static func tail(path: String, lines: Int, bytes: Int) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd() else { return nil }
        let start = end > UInt64(bytes) ? end - UInt64(bytes) : 0
        try? handle.seek(toOffset: start)
        guard let data = try? handle.readToEnd() else { return nil }
        var texts: [String] = []
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let entry = CRILogLine(Array(line)) else { continue }
            texts.append(String(decoding: entry.text, as: UTF8.self) + (entry.partial ? "" : "\n"))
        }
        return texts.suffix(lines).joined()
    }
}

/// One line of a CRI log file: the time as written, the stream, whether the line was split
/// (`P`), and the text. Byte-level; a malformed line parses as nil.
struct CRILogLine: Equatable {
    var time: [UInt8]
    var stream: [UInt8]
    var partial: Bool
    var text: [UInt8]

    init?(_ bytes: [UInt8]) {
        let space = UInt8(ascii: " ")
        guard let first = bytes.firstIndex(of: space), first > 0 else { return nil }
        let afterTime = first + 1
        guard let second = bytes[afterTime...].firstIndex(of: space) else { return nil }
        let tagStart = second + 1
        guard tagStart < bytes.count else { return nil }
        let tagEnd = bytes[tagStart...].firstIndex(of: space) ?? bytes.count
        let tag = bytes[tagStart..<tagEnd]
        time = Array(bytes[..<first])
        stream = Array(bytes[afterTime..<second])
        guard stream == Array("stdout".utf8) || stream == Array("stderr".utf8) else { return nil }
        partial = tag.first == UInt8(ascii: "P")
        text = tagEnd < bytes.count ? Array(bytes[(tagEnd + 1)...]) : []
    }
}
