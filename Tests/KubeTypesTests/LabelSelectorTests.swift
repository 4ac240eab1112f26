import KubeTypes
import Testing

@Suite("LabelSelector")
struct LabelSelectorTests {
    let web = ["app": "web", "tier": "front", "replicas": "3", "empty": ""]

    @Test("kubectl's string form", arguments: [
        ("", true), ("app=web", true), ("app==web", true), ("app!=web", false), ("app!=db", true), ("missing!=x", true),
        ("app in (web, db)", true), ("app notin (web)", false), ("tier", true), ("!tier", false), ("!missing", true),
        ("app=web,tier=front", true), ("app=web,tier=back", false), (" app = web , tier ", true), ("app=web,app=db", false), ("app=", false), ("empty=", true),
    ])
    func parses(_ text: String, _ matches: Bool) throws {
        #expect(try LabelSelector(parsing: text).matches(web) == matches)
    }

    @Test("refuses malformed selectors with kube's message", arguments: [
        "=web", "app in web", "app in (web", "a b", "app=web,", ",", "app=we b", "app=\u{301}", "\u{301}=x", "app~web",
        String(repeating: "a", count: 318), "k=" + String(repeating: "v", count: 64), String(repeating: "a=b,", count: 1100),
    ])
    func rejects(_ text: String) {
        #expect {
            try LabelSelector(parsing: text)
        } throws: { error in
            (error as? KubeTypeError)?.code == .invalidSelector && (error as? KubeTypeError)?.message.hasPrefix("unable to parse requirement: ") == true
        }
    }

    @Test("a parsed selector and the structured one mean the same thing")
    func parsedEqualsStructured() throws {
        let parsed = try LabelSelector(parsing: "app in (web),tier notin (back),replicas")
        let structured = LabelSelector(matchLabels: ["app": "web"], matchExpressions: [
            SelectorRequirement(key: "tier", operator: .notIn, values: ["back"]),
            SelectorRequirement(key: "replicas", operator: .exists),
        ])
        for labels in [web, ["app": "web"], ["app": "web", "replicas": "1", "tier": "back"], [:]] {
            #expect(parsed.matches(labels) == structured.matches(labels), "\(labels)")
        }
    }

    @Test("Gt and Lt compare integers; a non-integer never matches")
    func numeric() {
        #expect(SelectorRequirement(key: "replicas", operator: .gt, values: ["2"]).matches(web))
        #expect(!SelectorRequirement(key: "replicas", operator: .lt, values: ["2"]).matches(web))
        #expect(!SelectorRequirement(key: "app", operator: .gt, values: ["2"]).matches(web))
        #expect(!SelectorRequirement(key: "replicas", operator: .gt, values: ["2", "3"]).matches(web))
    }

    @Test("an empty selector matches everything")
    func empty() throws {
        #expect(LabelSelector().isEmpty)
        #expect(LabelSelector().matches([:]))
        #expect(try LabelSelector(parsing: "  ").isEmpty)
    }
}
