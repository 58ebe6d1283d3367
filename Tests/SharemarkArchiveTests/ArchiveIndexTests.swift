import Foundation
import Testing
import GRDB
@testable import SharemarkArchive

@Suite struct ArchiveIndexTests {
    /// The example archive plus a page sharing an id with another category.
    func makeArchive() throws -> (String, ArchiveIndex) {
        let root = try Fixture.copyOfArchive()
        try write("### 另一个北极\n---\n" + footer("pages/culture/n10000001.md", original: "https://www.example-news.com/gb/21/6/1/n10000001b.htm"),
                  to: root + "/pages/culture/n10000001.md")
        try write("not a png", to: root + "/pages/world/orphan.md.png")
        let index = try ArchiveIndex(archive: root)
        return (root, index)
    }

    /// The footer style inferred is the one most pages use; between styles used by as many
    /// pages, the style of the first page in path order.
    @Test func inferredFooterStyleIsTheMostUsedThenTheFirstInPathOrder() throws {
        let root = NSTemporaryDirectory() + "sharemark-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        func page(_ path: String, ruled: Bool) throws {
            var text = "### 标题\n---\n" + footer(path, original: "https://example-news.com/\(path).html")
            if !ruled { text = text.replacingOccurrences(of: "<hr/>\n", with: "") }
            try write(text, to: root + "/" + path)
        }
        try page("pages/z/1.md", ruled: true)
        try page("pages/a/1.md", ruled: false)
        let index = try ArchiveIndex(archive: root)
        try index.update()
        let unruled = try index.inferredConfig().footerStyle
        #expect(unruled.lines.count == 4, "the first page in path order (pages/a/1.md) has no rule")

        try page("pages/y/1.md", ruled: true)
        try index.update()
        let ruled = try index.inferredConfig().footerStyle
        #expect(ruled.lines.count == 5 && ruled.lines == FooterStyle.standard.lines)
        #expect(try index.inferredConfig().owner == "example-org")
        #expect(try index.inferredConfig().imageLinkForm == .cdn)
    }

    /// An index built from nothing counts what inference counts as its rows go in; the query
    /// over the rows, which an update of an index with rows runs, infers the same from them.
    @Test func inferenceCountedAsRowsGoInIsTheQuerys() throws {
        let root = NSTemporaryDirectory() + "sharemark-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        func page(_ path: String, repository: String = "mirror", ruled: Bool, blob: Bool) throws {
            var text = "### 标题\n---\n" + footer(path, repository: repository, legacy: blob, original: "https://example-news.com/\(path).html")
            if !ruled { text = text.replacingOccurrences(of: "<hr/>\n", with: "") }
            try write(text, to: root + "/" + path)
        }
        // Unruled footers with blob image links are the most used; one page uses an old name.
        try page("pages/a/1.md", ruled: false, blob: true)
        try page("pages/a/2.md", ruled: false, blob: true)
        try page("pages/b/1.md", repository: "old-mirror", ruled: false, blob: true)
        try page("pages/c/1.md", ruled: true, blob: false)
        try page("pages/c/2.md", ruled: true, blob: false)
        let index = try ArchiveIndex(archive: root)
        try index.update()
        let counted = try index.inferredConfig()
        let queried = try index.pool.read { db in try ArchiveIndex.inferConfig(db) }
        #expect(counted == queried)
        #expect(counted.footerStyle.lines.count == 4 && counted.imageLinkForm == .blob)
        #expect(counted.owner == "example-org" && counted.repository == "mirror" && counted.aliases == ["old-mirror"])
    }

    /// After an update and its checkpoint the WAL is empty: the next process to open the
    /// index has no log to read back.
    @Test func updateLeavesAnEmptyWAL() throws {
        let (root, index) = try makeArchive()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try index.update()
        index.waitForCheckpoint()
        // The database file is where the WAL is looked for; a WAL that is gone is as empty as one
        // truncated, any other failure to read its size is not.
        #expect(FileManager.default.fileExists(atPath: index.databasePath))
        var info = stat()
        if stat(index.databasePath + "-wal", &info) == 0 {
            #expect(info.st_size == 0)
        } else {
            #expect(errno == ENOENT)
        }
        #expect(try index.article(category: "culture", id: "n10000001") != nil)
    }

    @Test func updateIsIncremental() throws {
        let (root, index) = try makeArchive()
        final class Seen: @unchecked Sendable { var parsing = 0; var writing = false; let lock = NSLock() }
        let seen = Seen()
        let first = try index.update { progress in
            seen.lock.lock(); defer { seen.lock.unlock() }
            switch progress {
            case .parsing(let done, let total): seen.parsing = max(seen.parsing, done); #expect(done <= total)
            case .writing: seen.writing = true
            case .scanned: break
            }
        }
        #expect(seen.parsing == 5 && seen.writing)
        #expect(first.scanned == 5 && first.parsed == 5 && first.unchanged == 0)
        #expect(first.pagesWithoutFooter == 1)
        #expect(first.assets == 3)
        #expect(FileManager.default.fileExists(atPath: root + "/.sharemark/index.sqlite"))
        let again = try index.update()
        #expect(again.parsed == 0 && again.unchanged == 5 && again.removed == 0)

        // Modify one page: only it is read again.
        try write("### 改过的标题\n---\n" + footer("pages/culture/n10000001.md", original: "https://x.com/y"),
                  to: root + "/pages/culture/n10000001.md")
        let modified = try index.update()
        #expect(modified.parsed == 1 && modified.unchanged == 4)
        #expect(try index.article(category: "culture", id: "n10000001")?.title == "改过的标题")
        #expect(try index.search("改过的").count == 1)
        try Self.checkTitles(index)

        // Delete a page and a PNG: their rows go.
        try FileManager.default.removeItem(atPath: root + "/pages/culture/n10000001.md")
        try FileManager.default.removeItem(atPath: root + "/pages/world/orphan.md.png")
        let removed = try index.update()
        #expect(removed.removed == 1 && removed.assetsRemoved == 1 && removed.scanned == 4)
        #expect(try index.article(category: "culture", id: "n10000001") == nil)
        #expect(try index.search("改过的").isEmpty)
        try Self.checkTitles(index)

        // A second index object on the same file sees the same rows.
        let reopened = try ArchiveIndex(archive: root)
        #expect(try reopened.allArticles().count == 4)
        #expect(reopened.config.repository == "mirror")

        // The check finds a title the full-text index was not told of.
        try index.pool.write { try $0.execute(sql: "UPDATE pages SET title = 'unindexed' WHERE title IS NOT NULL AND rowid = (SELECT MIN(rowid) FROM pages WHERE title IS NOT NULL)") }
        #expect(throws: DatabaseError.self) { try Self.checkTitles(index) }
    }

    /// Checks that the titles' full-text index holds exactly the titles of `pages`, the table it
    /// reads them from: SQLite compares the two and fails with SQLITE_CORRUPT where they differ.
    static func checkTitles(_ index: ArchiveIndex) throws {
        try index.pool.write { try $0.execute(sql: "INSERT INTO title_fts (title_fts, rank) VALUES ('integrity-check', 1)") }
    }

    @Test func articlesAreResolvedWithTheInferredConfig() throws {
        let (_, index) = try makeArchive()
        try index.update()
        #expect(index.config.owner == "example-org" && index.config.repository == "mirror")
        #expect(index.config.aliases == ["old-mirror"])
        let legacy = try #require(try index.article(category: "legacy", id: "n09000002"))
        #expect(legacy.aliasUsed && legacy.imageLinkForm == .blob)
        #expect(legacy.mirrorURL == "https://github.com/example-org/old-mirror/blob/master/pages/legacy/n09000002.md")
        #expect(legacy.canonicalMirrorURL == "https://github.com/example-org/mirror/blob/master/pages/legacy/n09000002.md")
        #expect(legacy.canonicalQRImageURL == "https://cdn.jsdelivr.net/gh/example-org/mirror/pages/legacy/n09000002.md.png")
        #expect(legacy.qrAsset?.value == "pages/legacy/n09000002.md.png")
        #expect(legacy.date == "2019-07-03")
        #expect(legacy.linkLine == 16)
        let world = try #require(try index.article(category: "world", id: "n10000001"))
        #expect(!world.aliasUsed && world.imageLinkForm == .cdn)
        #expect(world.mirrorURL == world.canonicalMirrorURL)
        let painting = try #require(try index.article(category: "culture", id: "painting"))
        #expect(!painting.hasFooter && painting.qrAsset == nil && painting.canonicalQRImageURL == nil)
        #expect(try index.orphanAssets().map(\.path.value) == ["pages/world/orphan.md.png"])
        #expect(try index.articlesWithMissingAsset().map(\.key) == ["culture/lib-05312019110343", "culture/n10000001"])
        #expect(try index.allAssets().count == 3)
    }

    @Test func configFileWinsOverInference() throws {
        let (root, index) = try makeArchive()
        try write("owner = \"example-org\"\nrepository = \"old-mirror\"\n", to: root + "/sharemark.toml")
        try index.update()
        #expect(index.config.repository == "old-mirror" && index.config.source == .file)
        #expect(try index.article(category: "legacy", id: "n09000002")?.aliasUsed == false)
        #expect(try index.article(category: "world", id: "n10000001")?.aliasUsed == true)
        try write("owner = \"example-org\"\n[qr]\nscale = \"four\"\n", to: root + "/sharemark.toml")
        #expect(throws: ConfigFile.Error.self) { try index.update() }
    }

    @Test func lookupByEveryForm() throws {
        let (_, index) = try makeArchive()
        try index.update()
        func key(_ q: String) throws -> String {
            switch try index.lookup(q) {
            case .found(let a): return a.key
            case .ambiguous(let list): return "ambiguous:" + list.map(\.key).joined(separator: ",")
            case .notFound: return "notFound"
            case .invalid: return "invalid"
            }
        }
        #expect(try key("n09000002") == "legacy/n09000002")
        #expect(try key("legacy/n09000002") == "legacy/n09000002")
        #expect(try key("pages/legacy/n09000002.md?t=05201200") == "legacy/n09000002")
        #expect(try key("n10000001") == "ambiguous:culture/n10000001,world/n10000001")
        #expect(try key("world/n10000001") == "world/n10000001")
        #expect(try key("pages/world/n10000001.md.png") == "world/n10000001")
        #expect(try key("https://github.com/example-org/mirror/blob/master/pages/world/n10000001.md?t=1#top") == "world/n10000001")
        #expect(try key("https://github.com/example-org/old-mirror/blob/master/pages/world/n10000001.md") == "world/n10000001")
        #expect(try key("https://cdn.jsdelivr.net/gh/example-org/mirror/pages/legacy/n09000002.md.png") == "legacy/n09000002")
        #expect(try key("https://github.com/example-org/old-mirror/blob/master/pages/legacy/n09000002.md.png") == "legacy/n09000002")
        #expect(try key("https://example-news.com/gb/21/5/20/n10000001.htm") == "world/n10000001")
        #expect(try key("http://www.example-news.com/gb/19/7/3/n09000002.htm") == "legacy/n09000002")
        #expect(try key("https://github.com/someone/else/blob/master/pages/world/n10000001.md") == "notFound")
        #expect(try key("nothing-here") == "notFound")
        #expect(try key("../etc/passwd") == "invalid")
        #expect(try key("/etc/passwd") == "invalid")
        #expect(try key("world/../../x") == "invalid")
        #expect(try key("a\0b") == "invalid")
        #expect(try key("") == "invalid")
        #expect(try key("https://cdn.jsdelivr.net/gh/example-org/mirror/pages/%2e%2e/%2e%2e/etc/passwd") == "invalid")
    }

    @Test func searchFindsChineseSubstrings() throws {
        let (_, index) = try makeArchive()
        try index.update()
        #expect(try index.search("雷克雅未克").map(\.key) == ["world/n10000001"])
        #expect(try index.search("北极").map(\.key).sorted() == ["culture/n10000001", "world/n10000001"])
        #expect(try index.search("理事会 外长").map(\.key) == ["world/n10000001"])
        #expect(try index.search("library").map(\.key) == ["culture/lib-05312019110343"])
        #expect(try index.search("no such words").isEmpty)
        #expect(try index.search("\"quoted").isEmpty)
    }

    @Test func invalidUTF8AndExport() throws {
        let (root, index) = try makeArchive()
        var bytes = Array("### bad \u{00e9}\n".utf8)
        bytes.append(0xFF)
        try Data(bytes).write(to: URL(fileURLWithPath: root + "/pages/world/bad.md"))
        let summary = try index.update()
        #expect(summary.invalidUTF8Pages == 1)
        #expect(summary.problems.contains { $0.file == "pages/world/bad.md" && $0.message.contains("UTF-8") })
        let articles = try index.allArticles()
        #expect(articles.map(\.pagePath.value) == articles.map(\.pagePath.value).sorted())
        let json = try JSONEncoder().encode(articles)
        let decoded = try JSONDecoder().decode([Article].self, from: json)
        #expect(decoded == articles)
        let csv = try ExportTests.export(index, .csv)
        #expect(csv.hasPrefix("category,id,path,title,"))
        #expect(csv.split(separator: "\r\n").count == articles.count + 1)
        #expect(ArticleExport.csvField("a,\"b\"\nc") == "\"a,\"\"b\"\"\nc\"")
    }
}

/// The committed demo archive (made by Scripts/make-archive.py --pages 40 --seed 7) against its
/// manifest.
@Test func demoArchiveMatchesItsManifest() throws {
    let root = Fixture.folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Assets/demo-archive").path
    struct Manifest: Decodable {
        struct Entry: Decodable { var path: String; var title: String; var payload: String?; var date: String; var quirks: [String] }
        var entries: [Entry]
        var orphans: [String]
    }
    let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: root + "/manifest.json")))
    let index = try ArchiveIndex(archive: root, indexPath: NSTemporaryDirectory() + "sharemark-demo-\(UUID().uuidString).sqlite")
    let summary = try index.update()
    #expect(summary.scanned == manifest.entries.count)
    #expect(summary.problems.isEmpty)
    #expect(index.config.repository == "mirror" && index.config.aliases == ["old-mirror"])
    let articles = Dictionary(uniqueKeysWithValues: try index.allArticles().map { ($0.pagePath.value, $0) })
    for entry in manifest.entries {
        let a = try #require(articles[entry.path])
        #expect(a.title == entry.title)
        #expect(a.mirrorURL == entry.payload)
        #expect(a.hasFooter == !entry.quirks.contains("nofooter"))
        #expect(a.aliasUsed == entry.quirks.contains("alias"))
        #expect((a.imageLinkForm == .blob) == entry.quirks.contains("legacy"))
        #expect(a.date == entry.date)
    }
    #expect(try index.orphanAssets().map(\.path.value) == manifest.orphans)
    let missing = Set(manifest.entries.filter { $0.quirks.contains("missing_png") }.map { $0.path + ".png" })
    #expect(Set(try index.articlesWithMissingAsset().compactMap { $0.qrAsset?.value }) == missing)
}

/// Symbolic links are not followed (a link back up would loop; a linked page or category folder
/// is named as a problem), hidden and temporary files are skipped, and files at other depths are not pages.
@Test func scanSkipsLinksHiddenAndTemporaryFiles() throws {
    let root = try Fixture.copyOfArchive()
    let fm = FileManager.default
    try fm.createSymbolicLink(atPath: root + "/pages/loop", withDestinationPath: "..")
    try fm.createSymbolicLink(atPath: root + "/pages/world/link.md", withDestinationPath: "n10000001.md")
    try write("### x\n", to: root + "/pages/world/.hidden.md")
    try write("### x\n", to: root + "/pages/world/n1.md" + AtomicFile.temporaryMarker + "1-1")
    try write("### x\n", to: root + "/pages/top.md")
    try write("### x\n", to: root + "/pages/world/deeper/n2.md")
    let scan = ArchiveScanner.scan(archive: root, pagesFolder: "pages")
    #expect(scan.pages.map(\.path.value).sorted() == [
        "pages/culture/lib-05312019110343.md", "pages/culture/painting.md",
        "pages/legacy/n09000002.md", "pages/world/n10000001.md"])
    #expect(scan.assets.count == 2)
    // A link where a category folder stands is named too: its pages are not the archive's.
    #expect(scan.problems.map(\.description).sorted() == [
        "pages/loop: is a symbolic link (not followed), not a regular file; left out",
        "pages/world/link.md: is a symbolic link (not followed), not a regular file; left out"])
    #expect(scan.problems.map(\.kind) == [.notAFile, .notAFile])
}

/// Without `statPages` the pages are listed from the folder alone, their size and time left
/// unknown; PNGs are still stat'ed, and a FIFO named like a page (which the folder does not
/// list as a regular file) is still stat'ed and named. An index built from nothing scans this
/// way, and its rows hold each page's real size and time, taken when the page was read.
@Test func scanWithoutStatLeavesPageStampsToTheReads() throws {
    let root = try Fixture.copyOfArchive()
    defer { try? FileManager.default.removeItem(atPath: root) }
    #expect(mkfifo(root + "/pages/world/fifo.md", 0o644) == 0)
    let stated = ArchiveScanner.scan(archive: root, pagesFolder: "pages")
    let listed = ArchiveScanner.scan(archive: root, pagesFolder: "pages", statPages: false)
    #expect(listed.pages.map(\.path) == stated.pages.map(\.path))
    #expect(listed.pages.count == 4)
    #expect(listed.pages.allSatisfy { $0.size == PageFile.unknown && $0.mtimeNs == PageFile.unknown })
    #expect(stated.pages.allSatisfy { $0.size > 0 && $0.mtimeNs > 0 })
    #expect(listed.assets == stated.assets)
    #expect(listed.problems.map(\.description) == ["pages/world/fifo.md: is a FIFO, not a regular file; left out"])
    #expect(listed.problems.map(\.description) == stated.problems.map(\.description))

    let index = try ArchiveIndex(archive: root)
    try index.update()
    let rows = try index.pool.read { db in
        try Row.fetchAll(db, sql: "SELECT path, size, mtime_ns FROM pages ORDER BY path").map { ($0[0] as String, $0[1] as Int64, $0[2] as Int64) }
    }
    let onDisk = stated.pages.sorted { $0.path.value < $1.path.value }
    #expect(rows.map(\.0) == onDisk.map(\.path.value))
    #expect(rows.map(\.1) == onDisk.map(\.size))
    #expect(rows.map(\.2) == onDisk.map(\.mtimeNs))
    #expect(try index.update().parsed == 0)
}

/// A pass reads its overview and every page in one read transaction: an update another
/// connection commits meanwhile is in neither.
@Suite struct IndexPassTests {
    @Test func overviewAndPagesAreOfOneStateOfTheIndex() throws {
        let root = try Fixture.copyOfArchive()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let index = try ArchiveIndex(archive: root)
        try index.update()
        let before = try index.counts()
        try #require(before.pages > 2)
        var updated = false
        let (overview, seen) = try index.pass(size: 1, start: { overview in
            // Committed by another connection after the pass has begun reading.
            try write("### 新的一页\n---\n" + footer("pages/world/n19999999.md", original: "https://www.example-news.com/gb/n19999999.htm"),
                      to: root + "/pages/world/n19999999.md")
            try write("not a png", to: root + "/pages/world/n19999999.md.png")
            let other = try ArchiveIndex(archive: root)
            try other.update()
            updated = true
            return (overview, [String]())
        }, batch: { state, batch in state.1 += batch.map(\.pagePath.value) })
        #expect(updated)
        #expect(overview.pages == before.pages)
        #expect(overview.assets.count == before.assets)
        #expect(seen.count == before.pages)
        #expect(!seen.contains("pages/world/n19999999.md"))
        let after = try index.counts()
        #expect(after.pages == before.pages + 1 && after.assets == before.assets + 1, "the other connection's update was committed")
    }
}
