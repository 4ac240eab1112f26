import Foundation

/// Reads container log files in the CRI format (`<RFC3339Nano> <stream> <P|F> <text>` per line),
/// as the kubelet's `ReadLogs`: since a time, the last N lines, with or without timestamps, at
/// most N bytes, and following the file while the container runs.
struct ContainerLogs {
    /// What to read (kube's PodLogOptions, as the kubelet gets them).
    struct Options: Equatable {
        var follow = false
        var timestamps = false
        /// Lines from the end; nil for all.
        var tailLines: Int?
        /// Lines older than this (seconds since the epoch) are skipped.
        var since: Double?
        /// Stop after this many bytes of output.
        var limitBytes: Int?
    }

    /// Longest CRI log line accepted (the runtime splits at 16 KiB; more is a corrupt file).
    static let maxLineBytes = 1 << 20

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

    /// The byte offset from which the last `lines` lines of the file start (0 for the whole file).
    static func offset(ofLast lines: Int, in handle: FileHandle) throws -> UInt64 {
        let end = try handle.seekToEnd()
        guard lines > 0 else { return end }
        var position = end
        var newlines = 0
        let chunk: UInt64 = 64 * 1024
        while position > 0 {
            let start = position > chunk ? position - chunk : 0
            try handle.seek(toOffset: start)
            let data = try handle.read(upToCount: Int(position - start)) ?? Data()
            for index in stride(from: data.count - 1, through: 0, by: -1) where data[data.startIndex + index] == UInt8(ascii: "\n") {
                // The file's own final newline ends the last line; count the ones before lines.
                if start + UInt64(index) + 1 == end { continue }
                newlines += 1
                if newlines == lines { return start + UInt64(index) + 1 }
            }
            position = start
        }
        return 0
    }

    /// Streams the log at `path` to `write` as `options` say. `running` tells whether the
    /// container still runs (following stops at the end of the file once it does not), and
    /// `stopping` whether the server shuts down.
    static func stream(
        path: String, options: Options, running: @Sendable () async -> Bool, stopping: @Sendable () -> Bool,
        write: ([UInt8]) async throws -> Void
    ) async throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        if let tail = options.tailLines {
            try handle.seek(toOffset: try offset(ofLast: tail, in: handle))
        }
        var pending: [UInt8] = []
        var written = 0
        var lastRunningCheck = ContinuousClock.now
        var stillRunning = options.follow ? await running() : false
        while true {
            let data = try handle.read(upToCount: 64 * 1024) ?? Data()
            if data.isEmpty {
                guard options.follow, stillRunning, !stopping(), !Task.isCancelled else { return }
                try await Task.sleep(for: .milliseconds(100))
                if ContinuousClock.now - lastRunningCheck > .seconds(1) {
                    // One more read after the container stopped picks up its last lines.
                    stillRunning = await running()
                    lastRunningCheck = .now
                }
                continue
            }
            pending += data
            var consumed = 0
            while let newline = pending[consumed...].firstIndex(of: UInt8(ascii: "\n")) {
                defer { consumed = newline + 1 }
                guard let entry = CRILogLine(Array(pending[consumed..<newline])) else { continue }
                if let since = options.since, let time = RFC3339Time.seconds(entry.time), time < since { continue }
                var out: [UInt8] = []
                if options.timestamps { out += entry.time + [UInt8(ascii: " ")] }
                out += entry.text
                if !entry.partial { out.append(UInt8(ascii: "\n")) }
                if let limit = options.limitBytes {
                    let room = limit - written
                    if out.count >= room {
                        try await write(Array(out.prefix(room)))
                        return
                    }
                }
                written += out.count
                try await write(out)
            }
            pending.removeFirst(consumed)
            if pending.count > maxLineBytes { pending.removeAll() }
        }
    }
}

/// One line of a CRI log file: the time as written, the stream, whether the line was split
/// (`P`), and the text. Byte-level; a malformed line parses as nil.
package struct CRILogLine: Equatable {
    package var time: [UInt8]
    package var stream: [UInt8]
    package var partial: Bool
    package var text: [UInt8]

    package init?(_ bytes: [UInt8]) {
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

/// RFC 3339 UTC times as the CRI writes them (`2026-12-04T15:32:40.295011301Z`), to seconds
/// since the epoch. Byte-level; only `Z` times (what runtimes write) parse.
package enum RFC3339Time {
    package static func seconds(_ bytes: [UInt8]) -> Double? {
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes.count >= 20, bytes.count <= 30, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes.last == UInt8(ascii: "Z"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13), let minute = number(14..<16),
            let second = number(17..<19), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction = 0.0
        if bytes[19] == UInt8(ascii: ".") {
            guard bytes.count > 21, let digits = number(20..<(bytes.count - 1)) else { return nil }
            fraction = Double(digits) / pow(10, Double(bytes.count - 21))
        } else if bytes.count != 20 {
            return nil
        }
        // Days from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Double(days * 86_400 + hour * 3_600 + minute * 60 + second) + fraction
    }
}
