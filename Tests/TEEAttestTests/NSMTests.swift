import TEEAttest
import Testing

@Suite("NSM client")
struct NSMTests {
    /// Built by hand from the NSM API's serde layout (externally tagged enum, struct variant,
    /// fields in declaration order user_data, nonce, public_key; ByteBuf as a CBOR byte string).
    @Test("the Attestation request matches the NSM API's CBOR")
    func requestEncoding() throws {
        let encoded = try NSMMessage.attestationRequest(AttestationRequest(userData: [0xaa], nonce: [0x01, 0x02], publicKey: [0xbb, 0xcc, 0xdd]))
        let expected = "a1" + "6b" + Hex.encode("Attestation".utf8) + "a3"
            + "69" + Hex.encode("user_data".utf8) + "41aa"
            + "65" + Hex.encode("nonce".utf8) + "420102"
            + "6a" + Hex.encode("public_key".utf8) + "43bbccdd"
        #expect(Hex.encode(encoded) == expected)
    }

    @Test("absent fields are encoded as null (serde's None)")
    func requestNulls() throws {
        let encoded = try NSMMessage.attestationRequest(AttestationRequest())
        let expected = "a16b" + Hex.encode("Attestation".utf8) + "a3"
            + "69" + Hex.encode("user_data".utf8) + "f6"
            + "65" + Hex.encode("nonce".utf8) + "f6"
            + "6a" + Hex.encode("public_key".utf8) + "f6"
        #expect(Hex.encode(encoded) == expected)
    }

    @Test("an Attestation response yields its document")
    func responseDecoding() throws {
        let fixture = try #require(NitroFixture.all.first)
        let response = CBOREncoder.encode(.map([.init(.text("Attestation"), .map([.init(.text("document"), .bytes(fixture.cbor))]))]))
        let document = try NSMMessage.attestationDocument(fromResponse: response)
        #expect(document == fixture.cbor)
        _ = try AttestationVerifier().verify(document, expectations: .init(time: fixture.verifyAt))
    }

    @Test("error and unexpected responses have their own codes", arguments: [
        ("a165" + Hex.encode("Error".utf8) + "6d" + Hex.encode("InputTooLarge".utf8), AttestationError.Code.nsmErrorResponse),
        ("a16b" + Hex.encode("DescribeNSM".utf8) + "a0", .nsmUnexpectedResponse),
        ("a16b" + Hex.encode("Attestation".utf8) + "a0", .nsmUnexpectedResponse),
        ("80", .nsmUnexpectedResponse),
        ("a16b" + Hex.encode("Attestation".utf8), .cborTruncated),
    ])
    func responseErrors(hex: String, code: AttestationError.Code) throws {
        let bytes = try Hex.decode(hex)
        #expect(errorCode { _ = try NSMMessage.attestationDocument(fromResponse: bytes) } == code)
    }

    @Test("a missing device fails at once with a clear message")
    func missingDevice() {
        do {
            _ = try NSMDevice(path: "/nonexistent/nsm")
            Issue.record("opening a missing device succeeded")
        } catch let error as AttestationError {
            #expect(error.code == .nsmDeviceUnavailable)
            #expect(error.message.contains("/nonexistent/nsm"))
            #expect(error.message.contains("Nitro Enclave"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("the ioctl request number is _IOWR(0x0A, 0, 32)")
    func ioctlNumber() {
        #expect(NSMDevice.ioctlRequestNumber == 0xC020_0A00)
    }
}
