import Foundation

/// The columns of custom resources: a definition's `additionalPrinterColumns`, evaluated by
/// JSONPath, as apiextensions-apiserver's table convertor fills them (Age when it declares none).
extension TableConvertor {
    static func printerColumns(_ definitions: [JSONValue], age: TableColumn) -> [TableColumn] {
        guard !definitions.isEmpty else { return [age] }
        return definitions.compactMap { definition in
            guard let name = definition["name"]?.stringValue, let text = definition["jsonPath"]?.stringValue,
                let path = JSONPathExpression(parsing: text)
            else { return nil }
            let type = definition["type"]?.stringValue ?? "string"
            var column = TableColumn(name: name, type: type, format: definition["format"]?.stringValue ?? "", priority: Int(definition["priority"]?.integerValue ?? 0)) { object, now in
                let values = path.evaluate(object)
                guard let first = values.first else { return .null }
                if type == "date", let seconds = Self.seconds(first) { return .string(HumanDuration.format(seconds: max(0, now - seconds))) }
                if values.count == 1 {
                    switch (type, first) {
                    case ("integer", .integer), ("number", .integer), ("number", .double), ("boolean", .bool), ("string", .string): return first
                    default: break
                    }
                }
                return .string(values.map { $0.stringValue ?? $0.jsonString }.joined(separator: ","))
            }
            column.description = definition["description"]?.stringValue
            return column
        }
    }
}
