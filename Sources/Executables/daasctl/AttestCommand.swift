import ArgumentParser
import Foundation
import TEEAttest

/// `daasctl attest`: verify a saved attestation document offline, or export it for Sui.
struct AttestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Verify a saved attestation document or export it for Nautilus' register_enclave.",
        subcommands: [Verify.self, Export.self, Measure.self]
    )

    /// Reads a whole file after checking it is at most `limit` bytes (documents are about 4.5 KB).
    static func readFile(_ path: String, limit: Int = 256 * 1024) throws -> Data {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber,
              let data = FileManager.default.contents(atPath: path) else { throw Failure("cannot read \(path)") }
        guard size.intValue <= limit, data.count <= limit else { throw Failure("\(path) is larger than \(limit) bytes") }
        return data
    }

    /// Reads a document file (binary CBOR or hex text).
    static func readDocument(_ path: String) throws -> [UInt8] {
        let data = try readFile(path)
        do {
            return try AttestationVerifier.documentBytes(fromFile: Array(data))
        } catch let error as AttestationError {
            throw Failure("\(path): \(error)")
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a master (--master URL: fresh nonce, TLS key and CA bound) or a saved document (--document FILE): signature, chain to the root, PCRs and nonce. Exit 0 only when it verifies.")

        @Option(help: "A master URL, e.g. https://127.0.0.1:6443: fetch a fresh document and check it binds the TLS connection.") var master: String?
        @Option(help: "The attestation document file (binary COSE_Sign1 CBOR or hex text).") var document: String?
        @Option(help: "Verification time in Unix milliseconds. Default: now.") var at: Int64?
        @OptionGroup var trust: AttestationTrustOptions
        @Option(help: "The expected nonce, hex.") var nonce: String?
        @Option(help: "Maximum document age in seconds.") var maxAge: Int64?

        func run() async throws {
            guard (master == nil) != (document == nil) else { throw Failure("give exactly one of --master and --document") }
            let trust = try self.trust.trust()
            var expectations = trust.expectations
            expectations.maxAge = maxAge.map { .seconds($0) }
            if let at { expectations.time = Date(timeIntervalSince1970: Double(at) / 1000) }
            if let nonce {
                guard let value = try? Hex.decode(nonce) else { throw Failure("--nonce is not hex") }
                expectations.nonce = value
            }
            let verified: VerifiedAttestation
            let verifier = trust.verifier
            let root = self.trust.root
            if let master {
                let result = try await self.trust.verifyMaster(master, expectations: expectations)
                verified = result.verified
                print("master: \(master): TLS key and CA bound by the attestation; cluster id \(result.binding.clusterID); CA sha256 \(Hex.encode(result.binding.caSHA256))")
            } else {
                do {
                    verified = try verifier.verify(try AttestCommand.readDocument(document!), expectations: expectations)
                } catch let error as AttestationError {
                    throw Failure("attestation refused: \(error)")
                }
            }
            let iso = ISO8601DateFormatter()
            iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            print("verified: COSE_Sign1 ES384\(verified.coseTagged ? " (tagged)" : ""), chain of \(verified.chain.count) certificates to \(root ?? "the AWS Nitro root G1"), at \(iso.string(from: verified.verifiedAt))")
            print("module_id: \(verified.moduleID)")
            print("timestamp: \(verified.document.timestampMilliseconds) (\(iso.string(from: verified.timestamp)))")
            for (index, value) in verified.pcrs.sorted(by: { $0.key < $1.key }) {
                print("pcr\(index): \(Hex.encode(value))\(expectations.pcrs[index] != nil ? " (matches expected)" : "")")
            }
            func show(_ bytes: [UInt8]?) -> String { bytes.map { $0.isEmpty ? "(empty)" : Hex.encode($0) } ?? "(none)" }
            print("public_key: \(show(verified.publicKey))")
            print("user_data: \(show(verified.userData))")
            print("nonce: \(show(verified.nonce))\(expectations.nonce != nil ? " (matches expected)" : "")")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the document as the lower-case hex Nautilus' register_enclave flow takes (or as a Move vector literal).")

        @Option(help: "The attestation document file (binary CBOR or hex text).") var document: String
        @Flag(help: "Print a `sui client ptb` vector literal (vector[132u8, ...]) instead of hex.") var ptbVector = false

        func run() throws {
            let bytes = try AttestCommand.readDocument(document)
            do {
                _ = try COSESign1(decoding: bytes)
            } catch let error as AttestationError {
                throw Failure("\(document) is not a COSE_Sign1 document: \(error)")
            }
            if ptbVector {
                print("vector[" + bytes.map { "\($0)u8" }.joined(separator: ", ") + "]")
            } else {
                print(Hex.encode(bytes))
            }
        }
    }

    struct Measure: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the PCR0 the dev attester reports for an executable (SHA-384 of the file), for --pcr 0=HEX.")

        @Argument(help: "The executable, e.g. the daas-master binary.") var executable: String

        func run() throws {
            do {
                print(Hex.encode(try DevAttester.measure(executableAt: executable)))
            } catch let error as AttestationError {
                throw Failure(error.message)
            }
        }
    }
}
