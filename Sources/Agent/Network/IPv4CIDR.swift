/// An IPv4 network `A.B.C.D/N` (N in 0...32), as policies' ipBlocks and the DNS server's
/// forwarding clients name them.
struct IPv4CIDR: Sendable, Hashable {
    let network: UInt32
    let prefixLength: Int

    /// Parses `A.B.C.D/N`; nil for anything else.
    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count <= 2, let length = Int(parts[1]), (0...32).contains(length),
            let address = Self.address(String(parts[0]))
        else { return nil }
        prefixLength = length
        network = address & Self.mask(length)
    }

    /// `A.B.C.D/N` with the host bits cleared.
    var description: String {
        "\(network >> 24).\((network >> 16) & 0xff).\((network >> 8) & 0xff).\(network & 0xff)/\(prefixLength)"
    }

    /// Whether `ip` (`A.B.C.D`) is in the network.
    func contains(_ ip: String) -> Bool {
        guard let address = Self.address(ip) else { return false }
        return address & Self.mask(prefixLength) == network
    }

    /// `a.b.c.d` as four bytes.
    static func octets(_ ip: String) -> [UInt8]? {
        let parts = ip.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard part.count <= 3, let byte = UInt8(part) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// `A.B.C.D` as a number.
    static func address(_ text: String) -> UInt32? {
        octets(text).map { $0.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
    }

    private static func mask(_ length: Int) -> UInt32 { length == 0 ? 0 : UInt32.max << UInt32(32 - length) }
}
