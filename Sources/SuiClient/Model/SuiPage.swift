/// One page of a paged read, with the cursor for the next page.
public struct SuiPage<Element: Sendable & Hashable>: Sendable, Hashable {
    /// The items on this page.
    public var items: [Element]
    /// Pass this to get the next page; `nil` on the last page.
    public var nextCursor: String?

    /// Creates a page.
    public init(items: [Element], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
