import Foundation
import SharemarkArchive
import SharemarkQR
import Testing
@testable import SharemarkServer

/// Share images held in memory stay within their byte budgets: the cache's when an entry is
/// replaced, and the article records' (which outlive the cache's entries) in all.
@Suite struct ImageCacheBudgetTests {
    func key(_ n: Int) -> QRCacheKey {
        QRCacheKey(source: nil, payload: "p\(n)", size: -1, mtimeNs: 0, format: .png, style: QROptions())
    }

    func image(_ bytes: Int) -> CachedImage { CachedImage(bytes: Array(repeating: 1, count: bytes), fromAsset: false) }

    @Test func replacingAnEntryCountsItsNewBytes() {
        let cache = QRCache(maxEntries: 10, maxBytes: 1000)
        cache.put(key(1), image(100))
        cache.put(key(1), image(700))
        #expect(cache.count == 1 && cache.byteCount == 700)
        cache.put(key(1), image(50))
        #expect(cache.byteCount == 50)
        // Grown past the budget by a replacement (50 + 900 + 400): the entries go in the order
        // they were first put, the replaced one keeping its place, until it fits.
        cache.put(key(2), image(400))
        cache.put(key(3), image(400))
        cache.put(key(2), image(900))
        #expect(cache.byteCount == 400, "\(cache.byteCount)")
        #expect(cache.get(key(1)) == nil && cache.get(key(2)) == nil)
        #expect(cache.get(key(3))?.bytes.readableBytes == 400)
    }

    @Test func articleRecordsKeepImagesWithinTheSnapshotsBudget() throws {
        let archive = try TestArchive.make()
        defer { archive.remove() }
        let index = try ArchiveIndex(archive: archive.root)
        try index.update()
        let snapshot = try CatalogSnapshot(catalog: IndexCatalog(index: index), generation: 1, maxLookups: 2, maxImageBytes: 1000)
        func share(_ bytes: Int, _ format: ImageFormat = .png) -> ShareImage {
            ShareImage(image: image(bytes), format: format, asset: nil, cacheControl: "no-store")
        }
        var first = try #require(try snapshot.record(category: "world", id: "n10000001"))
        first.remember(share(600))
        #expect(snapshot.imageBytes.inUse == 600 && first.image(.png, asset: nil) != nil)
        // A replacement gives the old bytes back; the other format counts too.
        first.remember(share(300))
        first.remember(share(500, .svg))
        #expect(snapshot.imageBytes.inUse == 800)
        // Over the budget: not kept, nothing taken.
        let second = try #require(try snapshot.record(category: "world", id: "n10000004"))
        second.remember(share(300))
        #expect(second.image(.png, asset: nil) == nil && snapshot.imageBytes.inUse == 800)
        // A record the lookup table forgets gives its bytes back when it goes.
        _ = try snapshot.record(category: "culture", id: "n10000001")  // a third lookup: the table of two is cleared
        first = try #require(try snapshot.record(category: "world", id: "n10000001"))
        #expect(snapshot.imageBytes.inUse == 0, "\(snapshot.imageBytes.inUse)")
        first.remember(share(900))
        #expect(snapshot.imageBytes.inUse == 900 && first.image(.png, asset: nil)?.image.bytes.readableBytes == 900)
    }
}
