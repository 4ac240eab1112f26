public import Foundation

/// RFC 3339 times in UTC as Kubernetes writes them (`2026-12-05T08:00:00Z`, with an optional
/// fraction of up to nine digits), and their parsing. One home for the format: object metadata,
/// node heartbeats and stats summaries all use it.
public enum RFC3339 {
    /// `date` in UTC with `fractionDigits` (0...9) digits of fraction, truncated as Go's time
    /// formatting does. `Date` holds a `Double`, whose error near today's times is under a
    /// microsecond: half a microsecond is added first so a time that is exact in the chosen
    /// precision is written as such.
    public static func string(_ date: Date, fractionDigits: Int = 0) -> String {
        let digits = min(max(fractionDigits, 0), 9)
        let seconds = min(max(date.timeIntervalSince1970 + 5e-7, 0), 253_402_300_799)  // up to 9999-12-31T23:59:59Z
        var whole = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&whole, &parts)
        var text = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
        if digits > 0 {
            var scale = 1.0
            for _ in 0..<digits { scale *= 10 }
            let fraction = Int64(((seconds - seconds.rounded(.down)) * scale).rounded(.down))
            let padded = String(fraction)
            text += "." + String(repeating: "0", count: max(0, digits - padded.count)) + padded
        }
        return text + "Z"
    }

    /// The time `text` names: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, read byte by byte
    /// (at most 64 bytes); nil for anything else.
    public static func date(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 64 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 else { return nil }
                value = value * 10 + Int(bytes[index] - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), bytes[4] == 0x2D, let month = number(5..<7), bytes[7] == 0x2D, let day = number(8..<10),
            bytes[10] == 0x54 || bytes[10] == 0x74, let hour = number(11..<13), bytes[13] == 0x3A, let minute = number(14..<16),
            bytes[16] == 0x3A, let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == 0x2E {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start, index - start <= 9 else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offset = 0
        switch bytes[index] {
        case 0x5A, 0x7A:
            guard index + 1 == bytes.count else { return nil }
        case 0x2B, 0x2D:
            guard index + 6 == bytes.count, let hours = number(index + 1..<index + 3), bytes[index + 3] == 0x3A, let minutes = number(index + 4..<index + 6),
                hours < 24, minutes < 60
            else { return nil }
            offset = (hours * 3600 + minutes * 60) * (bytes[index] == 0x2B ? 1 : -1)
        default:
            return nil
        }
        // Days since 1970 by the civil-from-days algorithm (proleptic Gregorian).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}
