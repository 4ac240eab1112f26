import DaaSTestSupport
import Foundation
import KubeTypes
import Testing

@Suite("RFC 3339 times")
struct RFC3339Tests {
    @Test("written in UTC, truncated to the precision asked for", arguments: [
        (1_733_385_600.0, 0, "2024-12-05T08:00:00Z"), (1_733_385_600.9, 0, "2024-12-05T08:00:00Z"),
        (1_733_385_600.123, 3, "2024-12-05T08:00:00.123Z"), (1_733_385_600.000_042, 6, "2024-12-05T08:00:00.000042Z"),
        (0.0, 0, "1970-01-01T00:00:00Z"), (951_782_400.5, 1, "2000-02-29T00:00:00.5Z"),
    ])
    func write(_ seconds: Double, _ digits: Int, _ expected: String) {
        #expect(RFC3339.string(Date(timeIntervalSince1970: seconds), fractionDigits: digits) == expected)
    }

    @Test("read back with fractions and offsets; malformed text is nil", arguments: [
        ("2024-12-05T08:00:00Z", 1_733_385_600.0), ("2024-12-05T08:00:00.25Z", 1_733_385_600.25),
        ("2024-12-05T10:00:00+02:00", 1_733_385_600.0), ("2024-12-05T07:30:00-00:30", 1_733_385_600.0),
        ("2000-02-29T00:00:00Z", 951_782_400.0), ("1969-12-31T23:59:59Z", -1.0),
    ])
    func read(_ text: String, _ seconds: Double) {
        #expect(RFC3339.date(text)?.timeIntervalSince1970 == seconds)
    }

    @Test("nothing else parses", arguments: [
        "", "2024-12-05", "2024-12-05T08:00:00", "2024-13-05T08:00:00Z", "2024-12-05T24:00:00Z", "2024-12-05T08:00:00.Z",
        "2024-12-05T08:00:00.1234567890Z", "2024-12-05T08:00:00Zjunk", "２０２４-12-05T08:00:00Z", "2024-12-05T08:00:00+2:00",
    ])
    func refuse(_ text: String) {
        #expect(RFC3339.date(text) == nil)
    }

    @Test("every written time reads back (seeded random times)")
    func roundTrip() {
        var random = SplitMix64.seeded("RFC3339 round trip")
        for _ in 0..<2_000 {
            let milliseconds = Int64(random.next() % 4_102_444_800_000)
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let text = RFC3339.string(date, fractionDigits: 3)
            #expect(RFC3339.date(text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } == milliseconds, "\(text)")
        }
    }
}
