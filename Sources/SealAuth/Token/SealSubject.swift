/// Who a Seal token speaks for: a worker node or a user.
public enum SealSubject: Sendable, Hashable, CustomStringConvertible {
    /// `node:<name>`: a worker node; `name` is its Node name (a DNS-1123 subdomain).
    case node(String)
    /// `user:<name>`: a person; `name` is informational (the identity is the Sui address).
    case user(String)

    /// The role whose stake minimum and lifetime limit apply.
    public var role: SealRole {
        switch self {
        case .node: .node
        case .user: .user
        }
    }

    /// Parses `node:<name>` or `user:<name>`; `nil` for anything else or an invalid name.
    public init?(_ text: String) {
        if text.hasPrefix("node:") {
            let name = String(text.dropFirst(5))
            guard Self.isDNSSubdomain(name) else { return nil }
            self = .node(name)
        } else if text.hasPrefix("user:") {
            let name = String(text.dropFirst(5))
            guard Self.isUserName(name) else { return nil }
            self = .user(name)
        } else {
            return nil
        }
    }

    /// The `sub` text.
    public var description: String {
        switch self {
        case .node(let name): "node:\(name)"
        case .user(let name): "user:\(name)"
        }
    }

    /// A DNS-1123 subdomain: at most 253 characters of lowercase alphanumerics, `-` and `.`,
    /// starting and ending alphanumeric.
    static func isDNSSubdomain(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        func alphanumeric(_ byte: UInt8) -> Bool { (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) }
        guard alphanumeric(bytes.first!), alphanumeric(bytes.last!) else { return false }
        return bytes.allSatisfy { alphanumeric($0) || $0 == 0x2d || $0 == 0x2e }
    }

    /// A user name: 1 to 128 characters of letters, digits and `-._@`.
    static func isUserName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39) || [0x2d, 0x2e, 0x5f, 0x40].contains(byte)
        }
    }
}

/// The two roles a token can claim; each has its own stake minimum and maximum lifetime.
public enum SealRole: String, Sendable, Hashable, CaseIterable {
    /// A worker node.
    case node
    /// A user.
    case user
}
