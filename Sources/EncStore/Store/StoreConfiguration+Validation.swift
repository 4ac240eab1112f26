extension StoreConfiguration {
    /// Refuses an empty key or one longer than ``maxKeySize`` bytes.
    func validate(key: String) throws {
        guard !key.isEmpty else { throw StoreError.emptyKey() }
        try validate(prefix: key)
    }

    /// Refuses a prefix longer than ``maxKeySize`` bytes.
    func validate(prefix: String) throws {
        let size = prefix.utf8.count
        guard size <= maxKeySize else { throw StoreError.keyTooLarge(size, limit: maxKeySize) }
    }

    /// Refuses an empty transaction, a bad key, a value over ``maxValueSize`` and a key written
    /// twice: the checks every store makes before a transaction reaches its backend.
    func validate(transaction operations: [WriteOperation]) throws {
        guard !operations.isEmpty else { throw StoreError.invalidTransaction("a transaction needs at least one operation") }
        var seen = Set<String>()
        for operation in operations {
            try validate(key: operation.key)
            if case .put(let value) = operation.action, value.count > maxValueSize {
                throw StoreError.valueTooLarge(key: operation.key, size: value.count, limit: maxValueSize)
            }
            guard seen.insert(operation.key).inserted else {
                throw StoreError.invalidTransaction("key \(operation.key) appears more than once in one transaction")
            }
        }
    }
}
