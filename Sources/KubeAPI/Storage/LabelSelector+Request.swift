import KubeTypes

extension LabelSelector {
    /// Parses kubectl's string form from a request.
    /// - Throws: ``APIError`` 400 naming the bad requirement.
    static func parsingRequest(_ text: String) throws(APIError) -> LabelSelector {
        do { return try LabelSelector(parsing: text) } catch { throw APIError.badRequest(error.message) }
    }
}
