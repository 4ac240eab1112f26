import Testing

@testable import Agent

@Suite("JSON nesting bound")
struct JSONNestingTests {
    @Test("depth counts arrays and objects, not brackets inside strings")
    func depth() {
        #expect(JSONNesting.depth(Array(#"{"a":[1,{"b":"[[[["}]}"#.utf8)) == 3)
        #expect(JSONNesting.depth(Array(#""\"[[""#.utf8)) == 0)
        #expect(JSONNesting.depth(Array(String(repeating: "[", count: 5000).utf8)) == 5000)
    }
}
