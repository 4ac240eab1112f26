import SuiClient
import Testing

@Suite("SuiValue JSON")
struct SuiValueJSONTests {
    @Test("u64 and u128 literals keep every digit")
    func numbersKeepText() throws {
        let value = try SuiValue.parse(#"{"a":18446744073709551615,"b":"18446744073709551615","c":340282366920938463463374607431768211455,"d":-1.5e3}"#)
        #expect(value["a"]?.uint64 == UInt64.max)
        #expect(value["b"]?.uint64 == UInt64.max)
        #expect(value["c"] == .number("340282366920938463463374607431768211455"))
        #expect(value["d"] == .number("-1.5e3"))
    }

    @Test("strings with escapes and surrogate pairs round-trip")
    func strings() throws {
        let value = try SuiValue.parse(#"["a\"b\\c\n\u00e9\ud83d\ude00", true, false, null]"#)
        #expect(value.array?.first == .string("a\"b\\c\né😀"))
        #expect(try SuiValue.parse(value.jsonText) == value)
        #expect(value.jsonText == #"["a\"b\\c\né😀",true,false,null]"#)
    }

    @Test("object keys serialize sorted")
    func sortedKeys() {
        let value: SuiValue = ["b": 1, "a": ["x": nil]]
        #expect(value.jsonText == #"{"a":{"x":null},"b":1}"#)
    }

    @Test("malformed documents are response.malformed", arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"\u{01}\"", "[] []", "\"\\ud800\""])
    func malformed(_ text: String) {
        #expect(throws: SuiClientError.self) { try SuiValue.parse(text) }
        do {
            _ = try SuiValue.parse(text)
        } catch {
            #expect(error.code == .responseMalformed)
        }
    }

    @Test("size and depth limits")
    func limits() {
        do {
            _ = try SuiValue.parse("[1,2,3]", limits: .init(maxBytes: 3))
            Issue.record("expected too large")
        } catch {
            #expect(error.code == .responseTooLarge)
        }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        do {
            _ = try SuiValue.parse(deep, limits: .init(maxDepth: 64))
            Issue.record("expected too deep")
        } catch {
            #expect(error.code == .responseMalformed)
        }
    }
}
