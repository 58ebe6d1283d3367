#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SharemarkArchive
import SharemarkQR

/// The share QR of an article: the archive's own PNG when it decodes (by the module-grid check)
/// to the article's share URL, otherwise one rendered from that URL in the archive's style.
/// Results are cached by the asset's path, size and modification time.
final class ShareImages: Sendable {
    let cache: QRCache
    let metrics: ServerMetrics
    /// Assets larger than this are not read (a share QR is a few hundred bytes).
    let maxAssetBytes: Int64 = 4 << 20

    init(cache: QRCache, metrics: ServerMetrics) {
        self.cache = cache
        self.metrics = metrics
    }

    func image(for entry: CatalogEntry, root: String, style: QROptions, format: ImageFormat) throws -> CachedImage {
        guard let payload = entry.summary.shareURL else {
            throw APIProblem(.notFound, "\(entry.summary.category)/\(entry.summary.id) has no share link: "
                             + "the archive's repository is unknown (no footer names it and sharemark.toml does not)")
        }
        if format == .png, let asset = entry.qrAsset {
            let path = root + "/" + asset.value
            var info = stat()
            if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
                let key = QRCacheKey(
                    source: asset.value, size: Int64(info.st_size),
                    mtimeNs: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
                    format: .png, style: style)
                if let hit = cache.get(key) {
                    metrics.cacheHit()
                    return hit
                }
                metrics.cacheMiss()
                let image: CachedImage
                if Int64(info.st_size) <= maxAssetBytes, Self.isInside(path, root: root),
                   let bytes = FileManager.default.contents(atPath: path).map(Array.init),
                   QRImageReader.check(pngBytes: bytes, expected: payload) == .matches {
                    image = CachedImage(bytes: bytes, fromAsset: true)
                } else {
                    image = try render(payload, style: style, format: .png)
                }
                cache.put(key, image)
                return image
            }
        }
        let key = QRCacheKey(source: "\u{0}" + payload, size: -1, mtimeNs: 0, format: format, style: style)
        if let hit = cache.get(key) {
            metrics.cacheHit()
            return hit
        }
        metrics.cacheMiss()
        let image = try render(payload, style: style, format: format)
        cache.put(key, image)
        return image
    }

    private func render(_ payload: String, style: QROptions, format: ImageFormat) throws -> CachedImage {
        let symbol = try QREncoder(level: style.level).encode(payload)
        metrics.rendered(format)
        switch format {
        case .png: return CachedImage(bytes: try PNGRenderer(options: style).render(symbol), fromAsset: false)
        case .svg: return CachedImage(bytes: Array(try SVGRenderer(options: style).render(symbol).utf8), fromAsset: false)
        }
    }

    /// Whether the file, symbolic links resolved, lies under the archive root.
    static func isInside(_ path: String, root: String) -> Bool {
        guard let resolvedRoot = realpath(root, nil) else { return false }
        defer { free(resolvedRoot) }
        guard let resolved = realpath(path, nil) else { return false }
        defer { free(resolved) }
        let rootText = String(cString: resolvedRoot)
        let fileText = String(cString: resolved)
        return fileText.hasPrefix(rootText.hasSuffix("/") ? rootText : rootText + "/")
    }
}
