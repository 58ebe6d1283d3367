#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Hummingbird
import NIOPosix
import SharemarkArchive
import SharemarkJobs
import SharemarkQR

/// The share QR of an article: the archive's own PNG when it decodes (by the module-grid check)
/// to the article's share URL, otherwise one rendered from that URL in the archive's style.
/// Each article's record keeps the answer it last made, with the asset's size and modification
/// time, and when the file was last seen so. Within `assetRecheck` of that the answer is sent
/// as it is; after it, one `stat` tells whether the file changed (the way nginx's
/// `open_file_cache_valid` does: a `stat` per request was an eighth of the route's time).
/// Below the records, results are cached by the asset's path, size and modification time
/// (shared by the snapshots). Reading, checking and rendering run on NIO's thread pool, not on
/// an event loop.
final class ShareImages: Sendable {
    let cache: QRCache
    let metrics: ServerMetrics
    /// `Cache-Control` of share images.
    let cacheControl: String
    /// Assets larger than this are not read (a share QR is a few hundred bytes).
    let maxAssetBytes: Int64 = 4 << 20
    /// How long an asset file seen unchanged is taken as unchanged, in nanoseconds.
    let assetRecheckNanoseconds: Int64

    init(cache: QRCache, metrics: ServerMetrics, cacheControl: String, assetRecheck: Duration) {
        self.cache = cache
        self.metrics = metrics
        self.cacheControl = cacheControl
        let (seconds, attoseconds) = assetRecheck.components
        assetRecheckNanoseconds = max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// The monotonic clock, coarse (a few milliseconds, and a fraction of the cost of a fine
    /// reading): only compared with `assetRecheck`.
    static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// What a look at an article's asset found: the answer held when it is still good, else the
    /// asset file as it is now (nil when there is no usable file and the image is rendered).
    /// A request looks once: a miss hands its look on to `image(for:…)`, which would otherwise
    /// `stat` the file again.
    struct Look {
        var held: ShareImage?
        var asset: AssetStamp?
        var time: Int64
    }

    /// Looks at what the record holds and, when `assetRecheck` has run out, at the asset file
    /// (one `stat`); reads nothing and makes nothing.
    private func look(at record: ArticleRecord, format: ImageFormat) -> Look {
        guard format == .png, record.entry.qrAsset != nil, let path = record.assetPath else {
            return Look(held: record.image(format, asset: nil), asset: nil, time: 0)
        }
        let now = Self.monotonicNanoseconds()
        if assetRecheckNanoseconds > 0, let held = record.png(seenSince: now - assetRecheckNanoseconds) {
            return Look(held: held, asset: nil, time: now)
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            return Look(held: record.image(.png, asset: nil), asset: nil, time: now)
        }
        let stamp = AssetStamp(size: Int64(info.st_size),
                               mtimeNs: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
        let held = record.image(.png, asset: stamp)
        if held != nil { record.pngSeen(at: now) }
        return Look(held: held, asset: stamp, time: now)
    }

    /// What a record holds for a request: the answer, when it is still good, or what the look
    /// found instead.
    enum Lookup {
        case held(ShareImage)
        case missed(Look)
    }

    /// The answer the record holds when it is still good, without suspending: the request path
    /// of an article asked for before.
    func lookup(_ record: ArticleRecord, format: ImageFormat) -> Lookup {
        // Without a share link there is nothing to answer with (image(for:) says why): no look.
        guard record.entry.summary.shareURL != nil else { return .missed(Look(held: nil, asset: nil, time: 0)) }
        let look = look(at: record, format: format)
        guard let held = look.held else { return .missed(look) }
        metrics.cacheHit()
        return .held(held)
    }

    /// The answer for `record`, made when the record holds none that is still good. `after` is
    /// the look of a `lookup` of this record in the same request, taken as it is.
    func image(for record: ArticleRecord, root: String, style: QROptions, format: ImageFormat,
               after earlier: Look? = nil) async throws -> ShareImage {
        let entry = record.entry
        guard let payload = entry.summary.shareURL else {
            throw APIProblem(.notFound, "\(entry.summary.category)/\(entry.summary.id) has no share link: "
                             + "the archive's repository is unknown (no footer names it and sharemark.toml does not)")
        }
        let look = earlier ?? look(at: record, format: format)
        if let held = look.held {
            metrics.cacheHit()
            return held
        }
        if let stamp = look.asset, let asset = entry.qrAsset {
            let key = QRCacheKey(source: asset.value, payload: payload, size: stamp.size, mtimeNs: stamp.mtimeNs,
                                 format: .png, style: style)
            let image = try await cached(key) { [maxAssetBytes] in
                // The archive's PNG when `verify` would accept it: read beneath the root
                // without following a link, bounded, and checked by the same AssetCheck
                // (the module grid, then zbar for images of other geometry).
                if stamp.size <= maxAssetBytes,
                   case .success(let bytes) = ConfinedPath.read(archive: root, relative: asset.value, limit: Int(maxAssetBytes)),
                   case .matches = AssetCheck.check(pngBytes: bytes, payload: payload) {
                    return CachedImage(bytes: bytes, fromAsset: true)
                }
                return try self.render(payload, style: style, format: .png)
            }
            let answer = remember(image, format: .png, asset: stamp, in: record)
            record.pngSeen(at: look.time)
            return answer
        }
        let key = QRCacheKey(source: nil, payload: payload, size: -1, mtimeNs: 0, format: format, style: style)
        let image = try await cached(key) { try self.render(payload, style: style, format: format) }
        return remember(image, format: format, asset: nil, in: record)
    }

    /// The image of `key` from the cache, or made by `make` on the thread pool and cached.
    private func cached(_ key: QRCacheKey, _ make: @escaping @Sendable () throws -> CachedImage) async throws -> CachedImage {
        if let hit = cache.get(key) {
            metrics.cacheHit()
            return hit
        }
        metrics.cacheMiss()
        let image = try await NIOThreadPool.singleton.runIfActive(make)
        cache.put(key, image)
        return image
    }

    private func remember(_ image: CachedImage, format: ImageFormat, asset: AssetStamp?, in record: ArticleRecord) -> ShareImage {
        let answer = ShareImage(image: image, format: format, asset: asset, cacheControl: cacheControl)
        record.remember(answer)
        return answer
    }

    private func render(_ payload: String, style: QROptions, format: ImageFormat) throws -> CachedImage {
        let symbol = try QREncoder(level: style.level).encode(payload)
        metrics.rendered(format)
        switch format {
        case .png: return CachedImage(bytes: try PNGRenderer(options: style).render(symbol), fromAsset: false)
        case .svg: return CachedImage(bytes: Array(try SVGRenderer(options: style).render(symbol).utf8), fromAsset: false)
        }
    }
}

/// Size and modification time of an asset file: a changed file is made into an image again.
struct AssetStamp: Equatable, Sendable {
    var size: Int64
    var mtimeNs: Int64
}

/// A share image ready to send: its bytes and the headers of its 200 and 304 answers, made once.
struct ShareImage: Sendable {
    let image: CachedImage
    let format: ImageFormat
    /// The asset file it was made from, as it was; nil when it was rendered with no usable file.
    let asset: AssetStamp?
    let headers: HTTPFields
    let notModifiedHeaders: HTTPFields

    init(image: CachedImage, format: ImageFormat, asset: AssetStamp?, cacheControl: String) {
        self.image = image
        self.format = format
        self.asset = asset
        notModifiedHeaders = [.eTag: image.etag, .cacheControl: cacheControl]
        var headers = notModifiedHeaders
        headers[.contentType] = format.contentType
        self.headers = headers
    }
}
