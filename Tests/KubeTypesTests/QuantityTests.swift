import DaaSTestSupport
import KubeTypes
import Testing

@Suite("Quantity")
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
        // 2^60 units does not fit in milli-units: milliValue saturates, as upstream's MilliValue.
        ("1Ei", Int64.max, Int64(1) << 60),
    ])
    func parses(text: String, milli: Int64, units: Int64) throws {
        let q = try Quantity(parsing: text)
        #expect(q.milliValue == milli)
        #expect(q.value == units)
    }

    @Test("prints the canonical form kube-apiserver stores", arguments: [
        ("500m", "500m"), ("0.5", "500m"), ("1000m", "1"), ("2000", "2k"), ("1500", "1500"), ("1Gi", "1Gi"), ("1024Mi", "1Gi"),
        ("1.5Gi", "1536Mi"), ("1e3", "1e3"), ("0.1", "100m"), ("100M", "100M"), ("128974848", "128974848"), ("0", "0"), ("1n", "1n"), ("0.1n", "1n"),
    ])
    func canonical(_ input: String, _ expected: String) throws {
        #expect(try Quantity(parsing: input).description == expected)
    }

    @Test("refuses malformed quantities with kube-apiserver's message", arguments: [
        "", "abc", "1.2.3", "1Qi", "--1", "Mi", "1 Gi", "1e", "1x", "Gi", "1e-9223372036854775808", "1e9223372036854775807", "1e41", "1\u{301}", "\u{301}1",
    ])
    func rejects(text: String) {
        #expect(Quantity(text) == nil)
        #expect(throws: KubeTypeError(.invalidQuantity, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")) {
            try Quantity(parsing: text)
        }
    }

    @Test("compares by value, not spelling")
    func equality() throws {
        #expect(try Quantity(parsing: "1") == Quantity(parsing: "1000m"))
        #expect(try Quantity(parsing: "1Ki") == Quantity(parsing: "1024"))
        #expect(try Quantity(parsing: "1k") != Quantity(parsing: "1Ki"))
        #expect(try Set([Quantity(parsing: "1"), Quantity(parsing: "1000m"), Quantity(parsing: "1.0")]).count == 1)
        #expect(Quantity(milli: 1500) == "1.5")
        #expect(Quantity(units: 3) == 3)
        #expect(Quantity(milli: 1500).description == "1500m")
    }

    @Test("long and huge inputs parse in linear time and saturate instead of trapping")
    func extremes() throws {
        #expect(try Quantity(parsing: String(repeating: "0", count: 1_000_000) + "1").description == "1")
        #expect(try Quantity(parsing: "1" + String(repeating: "0", count: 17)).description == "100P")
        #expect(Quantity("1" + String(repeating: "0", count: 20) + "1") == nil, "more than 18 significant digits")
        let huge = try Quantity(parsing: "1" + String(repeating: "0", count: 500_000))
        #expect(huge.milliValue == Int64.max)
        #expect(huge.value == Int64.max)
        #expect(try Quantity(parsing: "-8Ei").milliValue == Int64.min)
        #expect(Quantity(milli: .min).milliValue == .min)
        #expect(!Quantity(milli: .min).description.isEmpty)
    }

    @Test("random byte strings never trap, and every parsed value prints and re-parses to itself")
    func randomInputs() throws {
        var rng = SplitMix64.seeded("Quantity random inputs")
        let seed = String(rng.state, radix: 16)
        let alphabet = Array("0123456789.+-eEinumkKMGTP ".utf8)
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 24)
            let bytes = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let q = Quantity(text) else { continue }
            let again = try #require(Quantity(q.description), "\(text) printed as \(q.description), seed \(seed)")
            #expect(again == q, "\(text) -> \(q.description), seed \(seed)")
        }
    }
}
