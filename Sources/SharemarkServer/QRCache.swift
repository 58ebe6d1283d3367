import NIOCore
import SharemarkArchive
import SharemarkQR
import Synchronization

/// Bytes ready to send, with their strong entity tag.
public struct CachedImage: Sendable {
    public let bytes: ByteBuffer
    public let etag: String
    /// Whether the bytes are the archive's own asset (true) or were rendered (false).
    public let fromAsset: Bool

    init(bytes: [UInt8], fromAsset: Bool) {
        self.bytes = ByteBuffer(bytes: bytes)
        self.etag = ETag.strong(bytes)
        self.fromAsset = fromAsset
    }
}

/// Strong entity tags from a content hash (64-bit FNV-1a and the length).
enum ETag {
    static func strong(_ bytes: some Collection<UInt8>) -> String {
        let hash = FNV1a.hash(bytes)
        let hex = String(hash, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "-" + String(bytes.count, radix: 16) + "\""
    }

    /// Whether an `If-None-Match` value names `etag` (or is `*`). Weak comparison, as RFC 9110
    /// asks for `If-None-Match`.
    static func matches(_ header: String?, _ etag: String) -> Bool {
        guard let header else { return false }
        for part in header.split(separator: ",") {
            var tag = part.trimmed(where: \.isSpaceOrTab)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == etag { return true }
        }
        return false
    }
}


/// What identifies a cached share image: the asset file as it is on disk (path, size and
/// modification time; a changed file is a new key) or none, the payload it must encode (an
/// unchanged file checked against another share URL is another answer), and the format and
/// style it is drawn in.
struct QRCacheKey: Hashable, Sendable {
    /// The asset's archive path; nil when there is no usable file.
    var source: String?
    var payload: String
    var size: Int64
    var mtimeNs: Int64
    var format: ImageFormat
    var style: QROptions
}

enum ImageFormat: String, Hashable, Sendable {
    case png, svg

    var contentType: String { self == .png ? "image/png" : "image/svg+xml" }
}

/// A bounded in-memory cache (least recently inserted out first, by entries and bytes).
final class QRCache: Sendable {
    private struct State {
        var entries: [QRCacheKey: CachedImage] = [:]
        var order: [QRCacheKey] = []
        var head = 0
        var bytes = 0
    }

    private let state = Mutex(State())
    let maxEntries: Int
    let maxBytes: Int

    init(maxEntries: Int = 4096, maxBytes: Int = 64 << 20) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    func get(_ key: QRCacheKey) -> CachedImage? {
        state.withLock { $0.entries[key] }
    }

    func put(_ key: QRCacheKey, _ image: CachedImage) {
        let size = image.bytes.readableBytes
        guard size <= maxBytes else { return }
        state.withLock { state in
            if let replaced = state.entries.updateValue(image, forKey: key) {
                // The key keeps its place in the order; its bytes are the new image's now.
                state.bytes += size - replaced.bytes.readableBytes
            } else {
                state.order.append(key)
                state.bytes += size
            }
            while state.entries.count > maxEntries || state.bytes > maxBytes, state.head < state.order.count {
                let old = state.order[state.head]
                state.head += 1
                if let removed = state.entries.removeValue(forKey: old) { state.bytes -= removed.bytes.readableBytes }
            }
            if state.head > 1024, state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// The bytes of the images held.
    var byteCount: Int { state.withLock { $0.bytes } }
}

/// The bytes of share images that a snapshot's article records hold, against a limit: a
/// record keeps an image only while the total stays within it, and gives its bytes back when
/// it goes (the snapshot's lookup table forgets it, or the snapshot is replaced). Without it
/// the records, bounded only in number, could hold thousands of large PNGs beyond the budget
/// of `QRCache`, which shares their bytes only while it still holds the same images.
final class ImageByteBudget: Sendable {
    let limit: Int
    private let used = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Takes `bytes` if they fit; false (and nothing taken) if not.
    func take(_ bytes: Int) -> Bool {
        var current = used.load(ordering: .relaxed)
        while current + bytes <= limit {
            let (exchanged, original) = used.compareExchange(expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func give(_ bytes: Int) { used.subtract(bytes, ordering: .relaxed) }

    var inUse: Int { used.load(ordering: .relaxed) }
}
