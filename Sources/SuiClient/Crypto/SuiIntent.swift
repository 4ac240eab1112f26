/// A Sui intent: the three bytes `[scope, version, app id]` prefixed to every signed message so a
/// signature made for one purpose never verifies for another.
package struct SuiIntent: Sendable, Hashable {
    /// The scope byte: what kind of message is signed.
    package var scope: UInt8

    /// Intent scope `TransactionData` (0), version 0, app Sui: the message is BCS `TransactionData`
    /// bytes, hashed as they are.
    package static let transactionData = SuiIntent(scope: 0)
    /// Intent scope `PersonalMessage` (3), version 0, app Sui: the message is wrapped as BCS
    /// `vector<u8>` (ULEB128 length, then the bytes).
    package static let personalMessage = SuiIntent(scope: 3)

    /// The 32-byte digest that Sui signatures sign: Blake2b-256(intent || message payload).
    ///
    /// - Parameter message: The raw message (personal message bytes or BCS transaction bytes).
    /// - Throws: ``SuiClientError/Code/invalidArgument`` for a personal message longer than
    ///   `UInt32.max` bytes, which BCS cannot encode.
    package func digest(_ message: [UInt8]) throws -> [UInt8] {
        let intent: (UInt8, UInt8, UInt8) = (scope, 0, 0)
        if self == .personalMessage {
            guard let length = UInt32(exactly: message.count) else {
                throw SuiClientError(code: .invalidArgument, message: "a personal message is limited to 4 GiB")
            }
            var header: [UInt8] = [intent.0, intent.1, intent.2]
            header.reserveCapacity(8)
            ULEB128.encode(length, into: &header)
            return Blake2b.hash256(header, message)
        }
        return Blake2b.hash256([intent.0, intent.1, intent.2], message)
    }
}
