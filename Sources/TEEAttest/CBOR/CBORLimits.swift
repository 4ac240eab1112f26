/// Bounds the CBOR decoder enforces on untrusted input.
public struct CBORLimits: Sendable, Hashable {
    /// Largest accepted input, in bytes. Default 64 KiB (an NSM response is at most 12 KiB).
    public var maxInputBytes: Int
    /// Deepest accepted nesting of arrays, maps and tags; the top-level item is depth 1. Default 16.
    public var maxDepth: Int
    /// Most data items in one input, counting every nested item. Default 4,096.
    public var maxItems: Int
    /// Longest accepted byte or text string, in bytes. Default 16 KiB.
    public var maxStringBytes: Int

    /// Creates limits; every parameter defaults to the documented value.
    public init(maxInputBytes: Int = 64 * 1024, maxDepth: Int = 16, maxItems: Int = 4_096, maxStringBytes: Int = 16 * 1024) {
        self.maxInputBytes = maxInputBytes
        self.maxDepth = maxDepth
        self.maxItems = maxItems
        self.maxStringBytes = maxStringBytes
    }
}
