/// Reads every page of an owner's StakedSui objects, for both transports.
enum StakePaging {
    /// Calls `page` with each cursor until the last page and decodes every object as StakedSui.
    static func collect(_ page: (String?) async throws(SuiClientError) -> SuiPage<SuiObject>) async throws(SuiClientError) -> [StakedSui] {
        var stakes: [StakedSui] = []
        var cursor: String?
        for _ in 0..<10_000 {
            let current = try await page(cursor)
            for object in current.items { stakes.append(try SuiJSONRPCDecoding.stakedSui(object)) }
            guard let next = current.nextCursor else { return stakes }
            cursor = next
        }
        throw .malformed("StakedSui paging did not end")
    }
}
