import DaaSTestSupport
import Testing

@testable import KubeAPI

@Suite("JSON parser and serializer")
struct JSONParserTests {
    let parser = JSONParser()

    func parse(_ text: String) throws -> JSONValue { try parser.parse(Array(text.utf8)) }

    @Test("fieldsV1 members are checked but kept encoded, and written back byte for byte")
    func rawFieldsV1() throws {
        let text = #"{"metadata":{"managedFields":[{"fieldsV1":{"f:data":{".":{},"f:a":{}}},"manager":"m"}]}}"#
        let value = try JSONParser(keepsFieldsV1Encoded: true).parse(Array(text.utf8))
        #expect(value[path: ["metadata", "managedFields"]]?.arrayValue?.first?["fieldsV1"] == .rawJSON(Array(#"{"f:data":{".":{},"f:a":{}}}"#.utf8)))
        #expect(value.jsonString == text)
        for bad in [#"{"fieldsV1":{"f:a":}}"#, #"{"fieldsV1":{"f:a":{},}}"#, #"{"fieldsV1":{"\ud800":{}}}"#, #"{"fieldsV1":{"a":[1,]}}"#, #"{"fieldsV1":{"a":01}}"#] {
            #expect(throws: JSONParser.Error.self, "\(bad)") { try JSONParser(keepsFieldsV1Encoded: true).parse(Array(bad.utf8)) }
        }
        // Strings inside are UTF-8-checked as well: the bytes are written back as they are.
        #expect(throws: JSONParser.Error.self) { try JSONParser(keepsFieldsV1Encoded: true).parse(Array(#"{"fieldsV1":{"f:"#.utf8) + [0xC0, 0x80] + Array(#"":{}}}"#.utf8)) }
        #expect(try JSONParser(keepsFieldsV1Encoded: true).parse(Array(#"{"fieldsV1":{"f:é\u00e9\ud83d\ude00":{"a":[true,null,-1.5e3]}}}"#.utf8))["fieldsV1"] != nil)
        // Only when asked (schemas name a property fieldsV1 too), and only objects.
        #expect(try JSONParser().parse(Array(text.utf8))[path: ["metadata", "managedFields"]]?.arrayValue?.first?["fieldsV1"]?.objectValue != nil)
        #expect(try JSONParser(keepsFieldsV1Encoded: true).parse(Array(#"{"fieldsV1":"x"}"#.utf8))["fieldsV1"] == "x")
    }

    @Test("documents parse to values and serialize back")
    func roundTrip() throws {
        let value = try parse(#"{"kind":"Pod","n":-12,"big":12345678901234567890,"f":1.5e3,"t":true,"z":null,"a":[1,"two",{}],"s":"line\nq\"é\u00e9\ud83d\ude00"}"#)
        #expect(value["kind"] == "Pod")
        #expect(value["n"] == .integer(-12))
        #expect(value["big"] == .double(12345678901234567890))
        #expect(value["f"] == .double(1500))
        #expect(value["a"] == [1, "two", [:]])
        #expect(value["s"] == .string("line\nq\"éé😀"))
        #expect(try parse(value.jsonString).jsonString == value.jsonString, "integral doubles come back as integers; the text is stable")
        let object: JSONValue = ["kind": "A", "apiVersion": "v1", "b": 1, "a": 2]
        #expect(object.jsonString == #"{"apiVersion":"v1","kind":"A","a":2,"b":1}"#)
    }

    @Test("malformed documents fail with the offset of the problem", arguments: [
        ("", "unexpected end of input"), ("{", "expected a member name"), ("[1,]", "invalid value"), ("01", "leading zero in number"),
        ("\"\u{01}\"", "control character in string"), ("\"\\x\"", "invalid escape"), ("\"\\ud800\"", "unpaired surrogate"),
        ("{} x", "unexpected data after the document"), ("tru", "invalid literal"), ("1e999", "number out of range"), ("{\"a\" 1}", "expected ':'"),
    ])
    func malformed(_ input: String, _ reason: String) {
        #expect(throws: JSONParser.Error.self) { try parse(input) }
        do {
            _ = try parse(input)
        } catch let error as JSONParser.Error {
            #expect(error.reason == reason)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("nesting deeper than the limit is refused")
    func depthLimit() throws {
        let deep = String(repeating: "[", count: 101) + String(repeating: "]", count: 101)
        #expect(throws: JSONParser.Error.self) { try parse(deep) }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(try parse(ok) != .null)
    }

    @Test("10,000 mutated documents parse or fail cleanly, and what parses round-trips")
    func fuzz() throws {
        let seed = Array(#"{"metadata":{"name":"a","labels":{"x":"y"}},"spec":{"replicas":3,"list":[1.5,true,null,"s\u0041"]}}"#.utf8)
        var generator = SplitMix64.seeded("JSON parser mutations")
        var parsed = 0
        for _ in 0..<10_000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes.remove(at: index)
                default: bytes.insert(Array("{}[]\",:\\0e-".utf8).randomElement()!, at: index)
                }
            }
            if let value = try? parser.parse(bytes) {
                parsed += 1
                #expect(try parser.parse(value.serialized()).serialized() == value.serialized())
            }
        }
        #expect(parsed > 0)
    }
}
