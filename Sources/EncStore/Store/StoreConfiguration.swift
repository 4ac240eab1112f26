/// Limits and tuning shared by every ``MVCCStore``. Every value has a documented default.
public struct StoreConfiguration: Sendable {
    /// The longest key accepted, in UTF-8 bytes. Default 511, LMDB's compiled key limit.
    public var maxKeySize: Int
    /// The largest value accepted, in bytes. Default 1.5 MiB, etcd's default request limit.
    public var maxValueSize: Int
    /// How many undelivered events a watcher may hold before it is ended as too slow. Default 10,000.
    public var watchBufferSize: Int
    /// How many transactions one group commit may take. Default 1,024.
    public var maxBatchSize: Int
    /// History retention and background compaction.
    public var history: History

    /// How much history is kept for watches.
    public struct History: Sendable {
        /// The number of most recent revisions whose events are kept. Default 100,000.
        public var retainedRevisions: Int64
        /// How often ``MVCCStore/run()`` compacts older history. Default 60 seconds.
        public var compactionInterval: Duration

        /// Creates a history configuration.
        public init(retainedRevisions: Int64 = 100_000, compactionInterval: Duration = .seconds(60)) {
            self.retainedRevisions = retainedRevisions
            self.compactionInterval = compactionInterval
        }
    }

    /// Creates a configuration; every parameter has the default documented on its property.
    public init(
        maxKeySize: Int = 511,
        maxValueSize: Int = 1_572_864,
        watchBufferSize: Int = 10_000,
        maxBatchSize: Int = 1_024,
        history: History = History()
    ) {
        self.maxKeySize = maxKeySize
        self.maxValueSize = maxValueSize
        self.watchBufferSize = watchBufferSize
        self.maxBatchSize = maxBatchSize
        self.history = history
    }
}
