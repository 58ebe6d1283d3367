#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SharemarkQR

/// What a QR asset on disk holds compared with the payload its page expects.
///
/// Images of the geometry `qrencode` and `PNGRenderer` draw are read back as a module grid and
/// compared with libqrencode's encoding of the payload: exact, and about a hundred times
/// cheaper than a decoder. Everything else (other geometry, another encoder's symbol of the
/// same geometry) goes to zbar.
public enum AssetStatus: Hashable, Sendable {
    case matches(Finding.Decoder)
    case missing
    case notPNG(String)
    case noQRCode
    /// The decoded payload, when a decoder could read one.
    case differs(decoded: String?, Finding.Decoder)
    case unreadable(String)

    public var isCorrect: Bool {
        if case .matches = self { return true }
        return false
    }
}

public enum AssetCheck {
    /// Reads the file at `path` and checks it against `payload`.
    public static func check(file path: String, payload: String) -> AssetStatus {
        switch readFile(path) {
        case .failure(let code) where code == ENOENT || code == ENOTDIR: return .missing
        case .failure(let code): return .unreadable(String(cString: strerror(code)))
        case .notRegularFile: return .unreadable("not a regular file")
        case .success(let bytes): return check(pngBytes: bytes, payload: payload)
        }
    }

    /// Checks PNG bytes against `payload`.
    public static func check(pngBytes: [UInt8], payload: String) -> AssetStatus {
        let image: PNGImage
        do {
            image = try PNGImage(pngBytes: pngBytes, maxWidth: QRImageReader.maxSide, maxHeight: QRImageReader.maxSide,
                                 maxPixels: QRImageReader.maxSide * QRImageReader.maxSide)
        } catch { return .notPNG(error.description) }
        if let grid = try? QRImageReader.read(image) {
            if case .matches = QRImageReader.check(grid, expected: payload) { return .matches(.grid) }
        }
        // Not our geometry, or a grid that differs from our encoding (which another encoder's
        // image of the same payload can): let a real decoder say what it holds.
        let payloads = BarcodeScanner().scan(image)
        guard !payloads.isEmpty else { return .noQRCode }
        let expected = Array(payload.utf8)
        if payloads.contains(expected) { return .matches(.zbar) }
        return .differs(decoded: String(decoding: payloads[0], as: UTF8.self), .zbar)
    }

    enum ReadResult { case success([UInt8]), failure(Int32), notRegularFile }

    /// The whole file, read with one `read` loop (no Foundation overhead per small file).
    static func readFile(_ path: String) -> ReadResult {
        // O_NONBLOCK: opening a FIFO named like a PNG must not wait for a writer forever.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return .failure(errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(errno) }
        if (info.st_mode & S_IFMT) == S_IFDIR { return .failure(EISDIR) }
        if (info.st_mode & S_IFMT) != S_IFREG { return .notRegularFile }
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0) + 1)
        var filled = 0
        while true {
            if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: bytes.count)) }
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 { if errno == EINTR { continue }; return .failure(errno) }
            if n == 0 { break }
            filled += n
        }
        bytes.removeSubrange(filled...)
        return .success(bytes)
    }
}
