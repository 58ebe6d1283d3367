#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SharemarkArchive
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
    /// Something else than a regular file is where the PNG belongs (a symbolic link, a
    /// folder): never followed, never replaced.
    case notAFile(String)
    /// The decoded payload, when a decoder could read one.
    case differs(decoded: String?, Finding.Decoder)
    case unreadable(String)

    public var isCorrect: Bool {
        if case .matches = self { return true }
        return false
    }
}

public enum AssetCheck {
    /// Reads the archive's PNG `asset` (beneath the root, no link followed, at most `limit`
    /// bytes) and checks it against `payload`.
    public static func check(archive: String, asset: ArchivePath, payload: String,
                             limit: Int = ReadLimits.standard.pngBytes) -> AssetStatus {
        switch ConfinedPath.read(archive: archive, relative: asset.value, limit: limit) {
        case .success(let bytes): return check(pngBytes: bytes, payload: payload)
        case .failure(let failure):
            if failure.isMissing { return .missing }
            switch failure {
            case .symbolicLink, .notAFile: return .notAFile("\(failure)")
            default: return .unreadable("\(failure)")
            }
        }
    }

    /// Checks PNG bytes against `payload`.
    public static func check(pngBytes: [UInt8], payload: String) -> AssetStatus {
        let image: PNGImage
        do {
            image = try PNGImage(pngBytes: pngBytes, maxWidth: QRImageReader.maxSide, maxHeight: QRImageReader.maxSide,
                                 maxPixels: QRImageReader.maxSide * QRImageReader.maxSide)
        } catch { return .notPNG(error.description) }
        if let found = try? QRImageReader.read(image) {
            if case .matches = QRImageReader.check(found.symbol, expected: payload) { return .matches(.grid) }
        }
        // Not our geometry, or a grid that differs from our encoding (which another encoder's
        // image of the same payload can): let a real decoder say what it holds.
        let payloads = BarcodeScanner().scan(image)
        guard !payloads.isEmpty else { return .noQRCode }
        let expected = Array(payload.utf8)
        if payloads.contains(expected) { return .matches(.zbar) }
        return .differs(decoded: String(decoding: payloads[0], as: UTF8.self), .zbar)
    }
}
