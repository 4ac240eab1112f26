#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The Nitro Secure Module at /dev/nsm, reached through its ioctl (`_IOWR(0x0A, 0, struct nsm_message)`
/// with two iovecs: the CBOR request and a 12 KiB response buffer).
///
/// Opening fails at once, with `nsm.device_unavailable`, where the device is missing (outside
/// an enclave), so a master started with `--attestation nitro` stops at start rather than at the
/// first join.
public final class NSMDevice: Attester {
    /// The default device path.
    public static let defaultPath = "/dev/nsm"

    /// The device path opened.
    public let path: String
    private let fd: Int32

    /// Opens the device.
    /// - Throws: ``AttestationError`` `nsm.device_unavailable` with the reason.
    public init(path: String = NSMDevice.defaultPath) throws {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw AttestationError(.nsmDeviceUnavailable,
                                   "cannot open \(path) (\(reason)): Nitro attestation needs an AWS Nitro Enclave with the NSM driver; use the dev attester outside an enclave")
        }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// Asks the NSM for a document binding the request's fields.
    /// - Throws: ``AttestationError`` with an `nsm.*` code.
    public func attest(_ request: AttestationRequest) throws -> [UInt8] {
        let encoded = try NSMMessage.attestationRequest(request)
        let response = try exchange(encoded)
        return try NSMMessage.attestationDocument(fromResponse: response)
    }

    /// The ioctl request number: `_IOWR(0x0A, 0, sizeof(struct nsm_message))`, 0xC0200A00 on 64-bit
    /// Linux (two 16-byte iovecs).
    public static let ioctlRequestNumber: UInt = (3 << 30) | (UInt(2 * MemoryLayout<iovec>.size) << 16) | (0x0A << 8) | 0

    private func exchange(_ request: [UInt8]) throws -> [UInt8] {
        #if os(Linux)
        guard let ioctl = NSMDevice.ioctlFunction else {
            throw AttestationError(.nsmIoctlFailed, "ioctl is not available in this process")
        }
        var requestBytes = request
        var response = [UInt8](repeating: 0, count: NSMMessage.maxResponseBytes)
        let (status, err, length): (Int32, Int32, Int) = requestBytes.withUnsafeMutableBytes { req in
            response.withUnsafeMutableBytes { resp in
                var message = (iovec(iov_base: req.baseAddress, iov_len: req.count),
                               iovec(iov_base: resp.baseAddress, iov_len: resp.count))
                let status = withUnsafeMutablePointer(to: &message) { ioctl(fd, NSMDevice.ioctlRequestNumber, UnsafeMutableRawPointer($0)) }
                return (status, errno, message.1.iov_len)
            }
        }
        guard status == 0 else {
            throw AttestationError(.nsmIoctlFailed, "NSM ioctl on \(path) failed: \(String(cString: strerror(err)))")
        }
        return Array(response.prefix(min(length, response.count)))
        #else
        throw AttestationError(.nsmIoctlFailed, "the NSM is only reachable on Linux")
        #endif
    }

    #if os(Linux)
    /// `ioctl` looked up at run time: C variadic functions are not callable from Swift directly.
    private static let ioctlFunction: (@convention(c) (Int32, UInt, UnsafeMutableRawPointer) -> Int32)? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "ioctl") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, UInt, UnsafeMutableRawPointer) -> Int32).self)
    }()
    #endif
}
