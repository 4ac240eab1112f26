/// A DNS message (RFC 1035) as the cluster DNS reads queries and writes answers: the header, one
/// question, and answer/authority/additional records of the types it serves (A, AAAA, CNAME,
/// PTR, SRV, SOA). Parsing is bounded and byte-level: at most 64 KiB, names of at most 255 bytes
/// in labels of at most 63, at most 16 compression jumps, only backwards; anything else is a
/// ``DNSMessage/ParseError``.
package struct DNSMessage: Sendable, Equatable {
    /// Record types.
    package enum RecordType: UInt16, Sendable {
        case a = 1, ns = 2, cname = 5, soa = 6, ptr = 12, aaaa = 28, srv = 33, opt = 41, any = 255
    }

    /// Response codes.
    package enum ResponseCode: UInt16, Sendable {
        case noError = 0, formatError = 1, serverFailure = 2, nameError = 3, notImplemented = 4, refused = 5
    }

    /// The question.
    package struct Question: Sendable, Equatable {
        /// The name asked for, lowercased, without the final dot.
        package var name: String
        package var type: UInt16
        package var recordClass: UInt16
    }

    /// A resource record's data.
    package enum RecordData: Sendable, Equatable {
        case a([UInt8])
        case name(String)  // CNAME, PTR, NS
        case srv(priority: UInt16, weight: UInt16, port: UInt16, target: String)
        case soa(primary: String, mailbox: String, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32, minimum: UInt32)
    }

    /// A resource record.
    package struct Record: Sendable, Equatable {
        package var name: String
        package var type: RecordType
        package var ttl: UInt32
        package var data: RecordData

        package init(name: String, type: RecordType, ttl: UInt32, data: RecordData) {
            self.name = name
            self.type = type
            self.ttl = ttl
            self.data = data
        }
    }

    /// Why bytes are not a query this server reads.
    package struct ParseError: Error, Equatable, CustomStringConvertible {
        package let description: String
    }

    package var id: UInt16
    /// The header flags (QR, opcode, AA, TC, RD, RA, RCODE).
    package var flags: UInt16
    package var question: Question?
    /// The question as it arrived (name, type, class), echoed byte for byte in the answer.
    var questionWire: [UInt8]?
    package var answers: [Record] = []
    package var authority: [Record] = []
    package var additional: [Record] = []

    /// The opcode (0: a standard query).
    var opcode: UInt16 { (flags >> 11) & 0xF }
    /// Whether recursion was asked for.
    var recursionDesired: Bool { flags & 0x0100 != 0 }

    // MARK: Parsing

    /// Reads a query: its header and its one question (other sections are not read).
    package static func parseQuery(_ bytes: [UInt8]) throws(ParseError) -> DNSMessage {
        guard bytes.count >= 12, bytes.count <= 65_535 else { throw ParseError(description: "a message is 12 to 65535 bytes") }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        let flags = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        let questions = UInt16(bytes[4]) << 8 | UInt16(bytes[5])
        guard flags & 0x8000 == 0 else { throw ParseError(description: "not a query") }
        guard questions == 1 else { throw ParseError(description: "a query has exactly one question") }
        var offset = 12
        // A question's name is never compressed (nothing precedes it to point at but the header).
        let name = try readName(bytes, &offset, pointers: false)
        guard offset + 4 <= bytes.count else { throw ParseError(description: "the question is cut short") }
        let type = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        let recordClass = UInt16(bytes[offset + 2]) << 8 | UInt16(bytes[offset + 3])
        var query = DNSMessage(id: id, flags: flags, question: Question(name: name, type: type, recordClass: recordClass))
        query.questionWire = Array(bytes[12..<(offset + 4)])
        return query
    }

    /// Reads a (possibly compressed) name at `offset`, moving it past the name.
    static func readName(_ bytes: [UInt8], _ offset: inout Int, pointers: Bool = true) throws(ParseError) -> String {
        var labels: [String] = []
        var position = offset
        var jumps = 0
        var length = 0
        var end: Int?
        while true {
            guard position < bytes.count else { throw ParseError(description: "a name runs past the message") }
            let size = Int(bytes[position])
            if size == 0 {
                position += 1
                break
            }
            if size & 0xC0 == 0xC0 {
                guard pointers else { throw ParseError(description: "a compression pointer where none may be") }
                guard position + 1 < bytes.count else { throw ParseError(description: "a compression pointer is cut short") }
                let target = (size & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < position, jumps < 16 else { throw ParseError(description: "a compression pointer loops or points forward") }
                if end == nil { end = position + 2 }
                jumps += 1
                position = target
                continue
            }
            guard size <= 63 else { throw ParseError(description: "a label is longer than 63 bytes") }
            guard position + 1 + size <= bytes.count else { throw ParseError(description: "a label runs past the message") }
            length += size + 1
            guard length <= 255 else { throw ParseError(description: "a name is longer than 255 bytes") }
            var label = ""
            for byte in bytes[(position + 1)..<(position + 1 + size)] {
                // Lowercase ASCII; other bytes are kept as escapes so no lookup can match them.
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): label.unicodeScalars.append(Unicode.Scalar(byte + 32))
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                    label.unicodeScalars.append(Unicode.Scalar(byte))
                default: label += "\\\(byte)"
                }
            }
            labels.append(label)
            position += 1 + size
        }
        offset = end ?? position
        return labels.joined(separator: ".")
    }

    // MARK: Writing

    /// The message as bytes. Names equal to the question's point back to it; a UDP answer larger
    /// than `limit` keeps the question and sets TC (the client retries over TCP).
    package func serialized(limit: Int = 65_535) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        func u16(_ value: UInt16) { out += [UInt8(value >> 8), UInt8(value & 0xFF)] }
        func u32(_ value: UInt32) { out += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
        func name(_ text: String, compress: Bool = true) {
            if compress, let question, !text.isEmpty, text == question.name {
                out += [0xC0, 12]
                return
            }
            for label in text.split(separator: ".") {
                let bytes = Array(label.utf8.prefix(63))
                out.append(UInt8(bytes.count))
                out += bytes
            }
            out.append(0)
        }
        func record(_ record: Record) {
            name(record.name)
            u16(record.type.rawValue)
            u16(1)
            u32(record.ttl)
            let lengthAt = out.count
            u16(0)
            switch record.data {
            case .a(let address): out += address
            case .name(let target): name(target)
            case .srv(let priority, let weight, let port, let target):
                u16(priority)
                u16(weight)
                u16(port)
                name(target)
            case .soa(let primary, let mailbox, let serial, let refresh, let retry, let expire, let minimum):
                name(primary)
                name(mailbox)
                for value in [serial, refresh, retry, expire, minimum] { u32(value) }
            }
            let length = out.count - lengthAt - 2
            out[lengthAt] = UInt8(length >> 8)
            out[lengthAt + 1] = UInt8(length & 0xFF)
        }
        u16(id)
        u16(flags)
        u16(question == nil ? 0 : 1)
        u16(UInt16(answers.count))
        u16(UInt16(authority.count))
        u16(UInt16(additional.count))
        if let wire = questionWire {
            out += wire
        } else if let question {
            name(question.name, compress: false)
            u16(question.type)
            u16(question.recordClass)
        }
        let header = out.count
        for item in answers { record(item) }
        for item in authority { record(item) }
        for item in additional { record(item) }
        if out.count > limit {
            // Truncated: the header with TC and the question only.
            out.removeSubrange(header...)
            out[2] |= 0x02
            out[6] = 0
            out[7] = 0
            out[8] = 0
            out[9] = 0
            out[10] = 0
            out[11] = 0
        }
        return out
    }

    /// A response to `query` with `code`: QR and RA set, AA for names this server owns, RD copied.
    package static func response(to query: DNSMessage, code: ResponseCode, authoritative: Bool) -> DNSMessage {
        var flags: UInt16 = 0x8000 | (query.flags & 0x7900) | 0x0080 | code.rawValue
        if authoritative { flags |= 0x0400 }
        var response = DNSMessage(id: query.id, flags: flags, question: query.question)
        response.questionWire = query.questionWire
        return response
    }
}
