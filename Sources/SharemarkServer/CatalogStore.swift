import Foundation
import NIOCore
import SharemarkArchive
import Synchronization

/// One opened catalog with the caches that belong to it. Immutable as a reference: a request
/// takes the current snapshot once and uses it to the end, so a reload never changes the index
/// under a request in flight, and every answer a snapshot has prepared goes with it.
public final class CatalogSnapshot: Sendable {
    public let catalog: any ArticleCatalog
    public let generation: Int
    public let articleCount: Int
    private let lookups: Mutex<[LookupKey: Lookup]>
    private let maxLookups: Int
    /// What the records' share images may hold in all.
    let imageBytes: ImageByteBudget

    struct LookupKey: Hashable, Sendable {
        /// nil: an id in any category.
        var category: String?
        var id: String
    }

    enum Lookup: Sendable {
        case found(ArticleRecord)
        case ambiguous([CatalogEntry])
        case notFound
    }

    init(catalog: any ArticleCatalog, generation: Int, maxLookups: Int = 8192, maxImageBytes: Int = 64 << 20) throws {
        self.catalog = catalog
        self.generation = generation
        self.articleCount = try catalog.articleCount()
        self.lookups = Mutex([:])
        self.maxLookups = maxLookups
        self.imageBytes = ImageByteBudget(limit: maxImageBytes)
    }

    /// What an earlier lookup of `key` found, without reading the index.
    func cached(_ key: LookupKey) -> Lookup? {
        lookups.withLock { $0[key] }
    }

    /// `category/id` → article, remembered for the life of this snapshot (the index it reads
    /// does not change; a changed index is a new snapshot).
    func article(category: String, id: String) throws -> CatalogEntry? {
        try record(category: category, id: id)?.entry
    }

    /// `category/id` → the article with its prepared answers; reads the index the first time.
    func record(category: String, id: String) throws -> ArticleRecord? {
        let key = LookupKey(category: category, id: id)
        if let cached = cached(key) { return cached.record }
        let result: Lookup = try catalog.article(category: category, id: id).map { .found(try record($0)) } ?? .notFound
        remember(key, result)
        return result.record
    }

    /// Every article with this id, in any category; reads the index the first time.
    func articles(id: String) throws -> Lookup {
        let key = LookupKey(category: nil, id: id)
        if let cached = cached(key) { return cached }
        let entries = try catalog.articles(id: id)
        let result: Lookup = switch entries.count {
        case 0: .notFound
        case 1: .found(try record(entries[0]))
        default: .ambiguous(entries)
        }
        remember(key, result)
        return result
    }

    private func record(_ entry: CatalogEntry) throws -> ArticleRecord {
        try ArticleRecord(entry: entry, root: catalog.archiveRoot, imageBytes: imageBytes)
    }

    private func remember(_ key: LookupKey, _ value: Lookup) {
        lookups.withLock { table in
            if table.count >= maxLookups { table.removeAll(keepingCapacity: true) }
            table[key] = value
        }
    }
}

extension CatalogSnapshot.Lookup {
    var record: ArticleRecord? {
        if case .found(let record) = self { return record }
        return nil
    }
}

/// An article as one snapshot serves it: its entry, its JSON answer (encoded once, when the
/// article is first looked up) and its share images once made. It lives as long as the snapshot
/// that found it: a reload is a new snapshot, whose records start afresh.
final class ArticleRecord: Sendable {
    let entry: CatalogEntry
    /// The body of `GET /v1/articles/…` for this article.
    let json: ByteBuffer
    /// The article's QR asset on disk (archive root and `qrAsset`), when it has one.
    let assetPath: String?
    private let png = Mutex<ShareImage?>(nil)
    private let svg = Mutex<ShareImage?>(nil)
    /// When (`ShareImages.monotonicNanoseconds`) the asset file was last seen as it was when
    /// the PNG held was made from it.
    private let pngSeenAt = Atomic<Int64>(.min)
    private let imageBytes: ImageByteBudget

    init(entry: CatalogEntry, root: String, imageBytes: ImageByteBudget) throws {
        self.entry = entry
        self.json = ByteBuffer(bytes: try JSONCoding.sortedEncoder.encode(entry.summary))
        self.assetPath = entry.qrAsset.map { root + "/" + $0.value }
        self.imageBytes = imageBytes
    }

    deinit {
        imageBytes.give(heldBytes)
    }

    /// The bytes of the images this record keeps.
    var heldBytes: Int {
        (png.withLock { $0 }?.image.bytes.readableBytes ?? 0) + (svg.withLock { $0 }?.image.bytes.readableBytes ?? 0)
    }

    /// The share image last made in `format`, if it was made from the asset as it is now
    /// (`asset`: its size and mtime; nil when there is no usable file and it was rendered).
    func image(_ format: ImageFormat, asset: AssetStamp?) -> ShareImage? {
        let image = format == .png ? png.withLock { $0 } : svg.withLock { $0 }
        guard let image, image.asset == asset else { return nil }
        return image
    }

    /// The PNG held, when its asset file was seen unchanged at `since` or later.
    func png(seenSince since: Int64) -> ShareImage? {
        guard pngSeenAt.load(ordering: .acquiring) >= since else { return nil }
        return png.withLock { $0 }
    }

    /// The asset file was seen at `time` as the PNG held was made from it.
    func pngSeen(at time: Int64) {
        _ = pngSeenAt.max(time, ordering: .releasing)
    }

    /// Keeps `image` in place of the last one of its format when the snapshot's image budget
    /// has room for it; otherwise keeps nothing of that format (the next request makes it
    /// again, from `QRCache` while that holds it).
    func remember(_ image: ShareImage) {
        if image.format == .png {
            png.withLock { held in held = Self.replace(held, with: image, budget: imageBytes) }
        } else {
            svg.withLock { held in held = Self.replace(held, with: image, budget: imageBytes) }
        }
    }

    private static func replace(_ old: ShareImage?, with image: ShareImage, budget: ImageByteBudget) -> ShareImage? {
        if let old { budget.give(old.image.bytes.readableBytes) }
        return budget.take(image.image.bytes.readableBytes) ? image : nil
    }
}

/// Holds the current catalog snapshot and swaps it when the index is rebuilt.
public final class CatalogStore: Sendable {
    /// Opens the index afresh; called at every reload.
    public typealias Opener = @Sendable () throws -> any ArticleCatalog

    private let opener: Opener
    private let current: Mutex<CatalogSnapshot>

    public init(opener: @escaping Opener) throws {
        self.opener = opener
        self.current = Mutex(try CatalogSnapshot(catalog: opener(), generation: 1))
    }

    /// Starts from an already opened catalog; `opener` is used for reloads.
    public init(initial: any ArticleCatalog, opener: @escaping Opener) throws {
        self.opener = opener
        self.current = Mutex(try CatalogSnapshot(catalog: initial, generation: 1))
    }

    public var snapshot: CatalogSnapshot { current.withLock { $0 } }

    /// Opens the index again and makes it current. Requests in flight keep the snapshot they took.
    @discardableResult
    public func reload() throws -> CatalogSnapshot {
        let generation = snapshot.generation + 1
        let fresh = try CatalogSnapshot(catalog: opener(), generation: generation)
        current.withLock { $0 = fresh }
        return fresh
    }
}
