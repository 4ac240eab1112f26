/// A decoded CBOR data item (RFC 8949).
///
/// Integers keep their sign as two cases so every value in -2^64...2^64-1 is representable.
/// Map entries keep their encoded order.
public indirect enum CBOR: Sendable, Hashable {
    /// Major type 0: an unsigned integer.
    case unsigned(UInt64)
    /// Major type 1: the integer `-1 - n`.
    case negative(UInt64)
    /// Major type 2: a byte string (indefinite-length chunks are joined).
    case bytes([UInt8])
    /// Major type 3: a UTF-8 text string (indefinite-length chunks are joined).
    case text(String)
    /// Major type 4: an array.
    case array([CBOR])
    /// Major type 5: a map, entries in encoded order.
    case map([MapEntry])
    /// Major type 6: a tagged item.
    case tagged(UInt64, CBOR)
    /// Major type 7: `false` or `true`.
    case bool(Bool)
    /// Major type 7: `null`.
    case null
    /// Major type 7: `undefined`.
    case undefined
    /// Major type 7: an unassigned simple value (32...255, or 0...19).
    case simple(UInt8)
    /// Major type 7: a half, single or double precision float, widened to `Double`.
    case float(Double)

    /// One key/value pair of a ``CBOR/map(_:)``.
    public struct MapEntry: Sendable, Hashable {
        /// The key.
        public var key: CBOR
        /// The value.
        public var value: CBOR
        /// Creates an entry.
        public init(_ key: CBOR, _ value: CBOR) {
            self.key = key
            self.value = value
        }
    }

    /// A signed integer item: ``unsigned(_:)`` for values >= 0, ``negative(_:)`` otherwise.
    public static func integer(_ value: Int64) -> CBOR {
        value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(-(value + 1)))
    }

    /// The value as `Int64` when it is an integer that fits.
    public var int64Value: Int64? {
        switch self {
        case .unsigned(let n): return n <= UInt64(Int64.max) ? Int64(n) : nil
        case .negative(let n): return n <= UInt64(Int64.max) ? -1 - Int64(n) : nil
        default: return nil
        }
    }

    /// The bytes of a ``bytes(_:)`` item.
    public var bytesValue: [UInt8]? {
        if case .bytes(let b) = self { return b }
        return nil
    }

    /// The string of a ``text(_:)`` item.
    public var textValue: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    /// The elements of an ``array(_:)`` item.
    public var arrayValue: [CBOR]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The entries of a ``map(_:)`` item.
    public var mapValue: [MapEntry]? {
        if case .map(let m) = self { return m }
        return nil
    }

    /// The value stored under a text key, when this item is a map.
    public subscript(text key: String) -> CBOR? {
        mapValue?.first { $0.key == .text(key) }?.value
    }

    /// The value stored under an integer key, when this item is a map.
    public subscript(int key: Int64) -> CBOR? {
        let k = CBOR.integer(key)
        return mapValue?.first { $0.key == k }?.value
    }
}
