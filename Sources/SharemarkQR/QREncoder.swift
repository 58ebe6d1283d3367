#if canImport(Glibc)
import Glibc
#endif
import CQREncode
import CQRShim

/// Encodes payloads into QR symbols with libqrencode, with the same calls and defaults as the
/// `qrencode` command, so that its output can be compared module for module.
///
/// libqrencode (4.x, built with pthreads as Debian's is) keeps no shared mutable state except
/// its Reed–Solomon tables, whose one-time initialisation it guards with a mutex; encoders can
/// therefore run on many threads at once.
public struct QREncoder: Sendable {
    /// The versions a QR (not Micro QR) symbol can have.
    public static let versions = 1...40

    public var level: ErrorCorrectionLevel
    /// The minimum version, as `qrencode -v`: libqrencode picks a larger one when the payload
    /// needs it. `nil` is the smallest version that fits.
    public var version: Int?

    /// How the mask is chosen. Both choose the mask libqrencode chooses, by its rules; tests
    /// compare them.
    enum MaskEvaluation: Sendable {
        /// On rows of bits (CQRShim): about four times faster up to version 11, six above it.
        case bitRows
        /// libqrencode's own evaluation, module by module.
        case libqrencode
    }
    var maskEvaluation = QREncoder.defaultMaskEvaluation

    /// The libqrencode versions CQRShim was checked against (its mask scoring reproduces their
    /// rules, and it calls two of their functions that are not public API). With another
    /// version, encoding falls back to libqrencode's own mask choice.
    static let verifiedLibqrencodeVersions: Set<String> = ["4.1.1"]

    /// The mask evaluation for a libqrencode version: the shim's only for a verified one.
    static func maskEvaluation(forLibqrencode version: String) -> MaskEvaluation {
        verifiedLibqrencodeVersions.contains(version) ? .bitRows : .libqrencode
    }

    /// Decided once, for the libqrencode this process runs with.
    static let defaultMaskEvaluation = maskEvaluation(forLibqrencode: LibraryVersions.qrencode)

    public init(level: ErrorCorrectionLevel = .L, version: Int? = nil) {
        self.level = level
        self.version = version
    }

    /// Encodes text as `qrencode TEXT` does: `QRcode_encodeString(text, version, level,
    /// QR_MODE_8, casesensitive: 1)`; libqrencode chooses numeric/alphanumeric/8-bit segments
    /// (and, with `maskEvaluation` `.bitRows`, CQRShim scores the masks).
    public func encode(_ text: String) throws(QRError) -> QRSymbol {
        try encode(textBytes: Array(text.utf8))
    }

    /// Encodes bytes taken as text, as `qrencode` does with input read from standard input:
    /// the same as `encode(_:)` for bytes that need not be valid UTF-8. They must not contain NUL.
    public func encode(textBytes: [UInt8]) throws(QRError) -> QRSymbol {
        guard !textBytes.isEmpty else { throw .emptyInput }
        guard !textBytes.contains(0) else { throw .textContainsNUL }
        let minimum = try checkedVersion()
        let level = self.level
        let code: UnsafeMutablePointer<QRcode>? = (textBytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { text in
                errno = 0
                switch maskEvaluation {
                case .bitRows: return sharemark_qr_encode_string(text, Int32(minimum), level.libqrencodeLevel, 1)
                case .libqrencode: return QRcode_encodeString(text, Int32(minimum), level.libqrencodeLevel, QR_MODE_8, 1)
                }
            }
        }
        return try symbol(from: code, byteCount: textBytes.count)
    }

    /// Encodes raw bytes in 8-bit mode, as `qrencode -8`: `QRcode_encodeData`.
    public func encode(bytes: some Collection<UInt8>) throws(QRError) -> QRSymbol {
        let data = Array(bytes)
        guard !data.isEmpty else { throw .emptyInput }
        let minimum = try checkedVersion()
        let level = self.level
        let code = data.withUnsafeBufferPointer { buffer in
            errno = 0
            switch maskEvaluation {
            case .bitRows: return sharemark_qr_encode_data(Int32(buffer.count), buffer.baseAddress!, Int32(minimum), level.libqrencodeLevel)
            case .libqrencode: return QRcode_encodeData(Int32(buffer.count), buffer.baseAddress!, Int32(minimum), level.libqrencodeLevel)
            }
        }
        return try symbol(from: code, byteCount: data.count)
    }

    /// The largest payload, in bytes, that fits a version 40 symbol in 8-bit mode at `level`
    /// (ISO/IEC 18004 table 7). Text of digits or upper-case letters can be longer.
    public static func maximumByteCount(level: ErrorCorrectionLevel) -> Int {
        switch level {
        case .L: return 2953
        case .M: return 2331
        case .Q: return 1663
        case .H: return 1273
        }
    }

    private func checkedVersion() throws(QRError) -> Int {
        guard let version else { return 0 }
        guard Self.versions.contains(version) else { throw .versionOutOfRange(version) }
        return version
    }

    private func symbol(from code: UnsafeMutablePointer<QRcode>?, byteCount: Int) throws(QRError) -> QRSymbol {
        guard let code else {
            let failure = errno
            if failure == ERANGE {
                throw .dataTooLong(byteCount: byteCount, maximum: Self.maximumByteCount(level: level), level: level)
            }
            throw .encodingFailed(failure == EINVAL ? "invalid input" : String(cString: strerror(failure)))
        }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        // Bit 0 of each byte is the module colour; the other bits are libqrencode's bookkeeping.
        let modules = [Bool](unsafeUninitializedCapacity: width * width) { buffer, count in
            let data = code.pointee.data!
            for i in 0..<(width * width) { buffer[i] = data[i] & 1 != 0 }
            count = width * width
        }
        return QRSymbol(version: Int(code.pointee.version), modules: modules)
    }
}

extension ErrorCorrectionLevel {
    var libqrencodeLevel: QRecLevel {
        switch self {
        case .L: return QR_ECLEVEL_L
        case .M: return QR_ECLEVEL_M
        case .Q: return QR_ECLEVEL_Q
        case .H: return QR_ECLEVEL_H
        }
    }
}
