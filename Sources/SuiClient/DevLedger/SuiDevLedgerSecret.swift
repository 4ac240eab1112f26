import Foundation
public import SuiClient

/// The dev ledger's admin secret: 32 random bytes, kept as 64 hex digits in a file of mode 0600.
/// The stake-minting methods (`daas_dev_addStake`, `daas_dev_withdrawStake`) answer only callers
/// that send it as `Authorization: Bearer <hex>`; Sui's read methods stay open.
public struct SuiDevLedgerSecret: Sendable, Hashable {
    /// The secret as sent: 64 lowercase hex digits.
    public let text: String

    /// Reads the secret from `path`, refusing a file readable by group or others.
    /// - Throws: ``SuiClientError/Code/invalidArgument`` when the file is missing, malformed or not private.
    public static func load(path: String) throws(SuiClientError) -> SuiDevLedgerSecret {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let data = FileManager.default.contents(atPath: path)
        else {
            throw SuiClientError(code: .invalidArgument, message: "cannot read the dev ledger secret \(path)")
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw SuiClientError(code: .invalidArgument, message: "\(path) is readable by group or others (mode \(String(mode, radix: 8))); chmod 600 it")
        }
        let text = String(decoding: data.prefix(128), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count == 64, text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw SuiClientError(code: .invalidArgument, message: "\(path) does not hold a dev ledger secret (64 lowercase hex digits)")
        }
        return SuiDevLedgerSecret(text: text)
    }

    /// Reads the secret at `path`, creating a fresh one (mode 0600) when the file does not exist.
    public static func loadOrCreate(path: String) throws(SuiClientError) -> SuiDevLedgerSecret {
        if FileManager.default.fileExists(atPath: path) { return try load(path: path) }
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        let text = String(decoding: (0..<64).map { _ in digits[Int(generator.next() & 0x0f)] }, as: UTF8.self)
        guard FileManager.default.createFile(atPath: path, contents: Data((text + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw SuiClientError(code: .invalidArgument, message: "cannot write the dev ledger secret \(path)")
        }
        return SuiDevLedgerSecret(text: text)
    }

    /// Whether an `Authorization` header value carries this secret (compared in constant time).
    func authorizes(_ header: String?) -> Bool {
        guard let header, header.utf8.count == 7 + 64, header.hasPrefix("Bearer ") else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(header.utf8.dropFirst(7), text.utf8) { difference |= a ^ b }
        return difference == 0
    }

    /// The `Authorization` header value that carries this secret.
    public var authorizationHeader: String { "Bearer " + text }
}
