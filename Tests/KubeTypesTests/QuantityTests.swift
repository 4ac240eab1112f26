import Scheduler
import Testing

@Suite("Quantity parsing")
struct QuantityTests {
    @Test("parses Kubernetes quantities exactly", arguments: [
        ("500m", Int64(500), Int64(1)),
        ("1.5", 1500, 2),
        ("2", 2000, 2),
        ("0.1", 100, 1),
        ("2Gi", 2_147_483_648_000, 2_147_483_648),
        ("1.5Gi", 1_610_612_736_000, 1_610_612_736),
        ("1Ki", 1_024_000, 1024),
        ("1e3", 1_000_000, 1000),
        ("12e-3", 12, 1),
        ("100M", 100_000_000_000, 100_000_000),
        ("128974848", 128_974_848_000, 128_974_848),
        ("129e6", 129_000_000_000, 129_000_000),
        ("123Mi", 128_974_848_000, 128_974_848),
        ("100n", 1, 1),
        ("-1", -1000, -1),
        ("+250m", 250, 1),
        (".5", 500, 1),
        ("1Ei", Int64.max, Int64(1) << 60),
    ])
    func parses(text: String, milli: Int64, units: Int64) throws {
        if text == "1Ei" {
            // 2^60 units overflows milli-units: parsing rejects it rather than wrapping.
            #expect(throws: SchedulerError.self) { try Quantity(parsing: text) }
            return
        }
        let q = try Quantity(parsing: text)
        #expect(q.milliValue == milli)
        #expect(q.value == units)
    }

    @Test("rejects malformed quantities", arguments: ["", "abc", "1.2.3", "1Qi", "--1", "Mi", "1 Gi", "1e"])
    func rejects(text: String) {
        #expect(throws: SchedulerError.self) { try Quantity(parsing: text) }
    }

    @Test("compares by value, not spelling")
    func equality() throws {
        #expect(try Quantity(parsing: "1") == Quantity(parsing: "1000m"))
        #expect(try Quantity(parsing: "1Ki") == Quantity(parsing: "1024"))
        #expect(try Quantity(parsing: "1k") != Quantity(parsing: "1Ki"))
    }
}
