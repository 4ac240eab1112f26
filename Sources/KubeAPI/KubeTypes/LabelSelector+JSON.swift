extension LabelSelector {
    /// A structured selector (`matchLabels` and `matchExpressions`, as workloads carry it) read
    /// from JSON; nil for an operator a label selector does not define (Gt and Lt belong to node
    /// selectors only). An absent or empty selector selects everything.
    public init?(structured selector: JSONValue?) {
        self.init()
        guard let selector, selector != .null else { return }
        matchLabels = selector["matchLabels"]?.stringMap ?? [:]
        for expression in selector["matchExpressions"]?.arrayValue ?? [] {
            guard let key = expression["key"]?.stringValue,
                  let op = expression["operator"]?.stringValue.flatMap(SelectorOperator.init(rawValue:)), op != .gt, op != .lt
            else { return nil }
            matchExpressions.append(SelectorRequirement(key: key, operator: op, values: (expression["values"]?.arrayValue ?? []).compactMap(\.stringValue)))
        }
    }
}
