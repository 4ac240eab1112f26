/// One column of a `meta.k8s.io/v1` Table, and how to fill it from an object.
struct TableColumn: Sendable {
    /// The column name, e.g. `Ready`.
    var name: String
    /// `string`, `integer`, `date`...
    var type: String
    /// `name` for the name column, else empty.
    var format: String = ""
    /// 0 for default output, 1 for `-o wide` only.
    var priority: Int = 0
    /// The column's description (nil: its name).
    var description: String? = nil
    /// The cell for an object, given the current time in Unix seconds.
    var cell: @Sendable (JSONValue, Int64) -> JSONValue

    var definition: JSONValue {
        ["name": .string(name), "type": .string(type), "format": .string(format), "description": .string(description ?? name), "priority": .integer(Int64(priority))]
    }
}
