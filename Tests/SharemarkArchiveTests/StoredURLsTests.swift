import Foundation
import GRDB
import Testing
@testable import SharemarkArchive

/// Rows store a URL that ends in what the row holds as a shared prefix or a flag, and read it
/// back byte for byte; a URL that does not split so is stored whole.
@Suite struct StoredURLsTests {
    static let mirror = "https://github.com/example-org/mirror/blob/master/"
    static let cdn = "https://cdn.jsdelivr.net/gh/example-org/mirror/"

    /// A page at `path` whose footer prints `printed`, links `linked` and the image `image`.
    static func row(_ path: String, printed: String, linked: String, image: String, original: String) throws -> PageRow {
        let text = ["### t", "", "<hr/>", "分享本文章：<br/>", "\(printed) <br/>",
                    "<a href='\(linked)'><img src='\(image)'/></a> <br/>", "原文地址：\(original)", ""].joined(separator: "\n")
        let archivePath = try ArchivePath(path)
        let parts = path.split(separator: "/")
        let file = PageFile(path: archivePath, category: String(parts[1]), id: String(parts[2].dropLast(3)), size: 1, mtimeNs: 1)
        let record = PageRecord(file: file, page: PageParser().parse(Array(text.utf8)), mirrorForm: .defaultMirror, cdnForm: .defaultCDN)
        let row = PageRow(record)
        // The parser took the URLs as written: what follows tests the storage, not the parser.
        #expect(row.mirrorURL == printed && row.linkedMirrorURL == linked && row.qrImageURL == image && row.originalURL == original)
        return row
    }

    /// Inserts `rows`, then reads them back with the stored columns and the prefix table.
    static func roundTrip(_ rows: [PageRow]) throws -> (read: [PageRow], stored: [Row], prefixes: [String]) {
        let queue = try DatabaseQueue()
        try ArchiveIndex.migrator.migrate(queue)
        try queue.write { db in
            var inserter = try PageRow.Inserter(db)
            for row in rows { try inserter.insert(row, footerStyleID: nil) }
        }
        return try queue.read { db in
            (try PageRow.fetchAll(db.makeStatement(sql: "\(PageRow.select()) ORDER BY pages.rowid"), arguments: []),
             try Row.fetchAll(db, sql: """
                SELECT mirror_url, linked_mirror_url, qr_image_url, original_url, qr_asset,
                       linked_prefix, qr_image_prefix, original_prefix, derived FROM pages ORDER BY rowid
                """),
             try String.fetchAll(db, sql: "SELECT text FROM url_prefixes ORDER BY id"))
        }
    }

    @Test func canonicalFooterIsStoredAsPrefixesAndFlags() throws {
        let paths = ["pages/a/b.md", "pages/a/c.md", "pages/qs/%3Fp=4411.md".removingPercentEncoding!, "pages/中文/页.md"]
        let rows = try paths.map { path in
            let encoded = PageAddress.encoded(path)
            return try Self.row(path, printed: Self.mirror + encoded, linked: Self.mirror + encoded,
                                image: Self.cdn + encoded + ".png", original: "https://www.example-news.com/gb/21/5/20/\(path.count).htm")
        }
        #expect(StoredURLs().prefixIDs.count == StoredURLs.Prefixed.allCases.count)
        let (read, stored, prefixes) = try Self.roundTrip(rows)
        #expect(read.map(\.linkedMirrorURL) == rows.map(\.linkedMirrorURL))
        #expect(read.map(\.mirrorURL) == rows.map(\.mirrorURL))
        #expect(read.map(\.qrImageURL) == rows.map(\.qrImageURL))
        #expect(read.map(\.originalURL) == rows.map(\.originalURL))
        #expect(read.map(\.imageLinkTarget) == paths.map { $0 + ".png" })
        #expect(read[2].linkedMirrorURL == "https://github.com/example-org/mirror/blob/master/pages/qs/%3Fp=4411.md")
        #expect(read[3].qrImageURL == "https://cdn.jsdelivr.net/gh/example-org/mirror/pages/中文/页.md.png")
        // Each prefix once, in the order first met; no URL text in the rows.
        #expect(prefixes == [Self.mirror, Self.cdn, "https://www."])
        for row in stored {
            #expect(row[0] == nil as String? && row[1] == nil as String? && row[2] == nil as String?)
            #expect(row[3] == nil as String? && row[4] == nil as String?)
            #expect(row[5] == 1 as Int64 && row[6] == 2 as Int64 && row[7] == 3 as Int64 && row[8] == 3 as Int64)
        }
    }

    /// URLs that do not end in the row's own suffix, byte for byte, are kept whole: a raw `?`
    /// (the git host opens the folder), a host in capitals (the key is lower-cased), another
    /// page's asset, a printed URL other than the linked one, and an `é` written as `e` and a
    /// combining accent where the path has the one code point (equal as characters, not as
    /// bytes: it must come back as written).
    @Test func urlsThatDoNotSplitAreStoredWhole() throws {
        let decomposed = "pages/a/caf\u{65}\u{301}.md"
        let rows = [
            try Self.row("pages/qs/?p=4411.md", printed: Self.mirror + "pages/qs/?p=4411.md", linked: Self.mirror + "pages/qs/?p=4411.md",
                         image: Self.cdn + "pages/qs/?p=4411.md.png", original: "https://X.com/gb/21/5/20/b.htm"),
            try Self.row("pages/a/b.md", printed: Self.mirror + "pages/a/old.md", linked: Self.mirror + "pages/a/b.md",
                         image: Self.cdn + "pages/a/other.md.png", original: "http://x.com/b.htm?lang=b5"),
            try Self.row("pages/a/caf\u{E9}.md", printed: Self.mirror + decomposed, linked: Self.mirror + decomposed,
                         image: Self.cdn + decomposed + ".png", original: "https://x.com/c.htm"),
        ]
        #expect(rows[2].linkedMirrorURL == Self.mirror + "pages/a/caf\u{E9}.md", "equal as characters")
        let (read, stored, prefixes) = try Self.roundTrip(rows)
        for (back, row) in zip(read, rows) {
            for url in [\PageRow.mirrorURL, \.linkedMirrorURL, \.qrImageURL, \.originalURL, \.imageLinkTarget] {
                #expect(Array((back[keyPath: url] ?? "").utf8) == Array((row[keyPath: url] ?? "").utf8))
            }
        }
        #expect(Array(try #require(read[2].linkedMirrorURL).utf8.suffix(6)) == Array("e\u{301}.md".utf8))
        // The raw '?' row: every URL whole, the printed one a flag; the original, in capitals, whole.
        #expect(stored[0][1] == Self.mirror + "pages/qs/?p=4411.md" && stored[0][0] == nil as String?)
        #expect(stored[0][3] == "https://X.com/gb/21/5/20/b.htm" && stored[0][5] == nil as Int64? && stored[0][8] == 3 as Int64)
        // The second: the printed URL and the image name other pages; the linked URL splits.
        #expect(stored[1][0] == Self.mirror + "pages/a/old.md" && stored[1][1] == nil as String? && stored[1][5] == 1 as Int64)
        #expect(stored[1][2] == Self.cdn + "pages/a/other.md.png" && stored[1][4] == "pages/a/other.md.png" && stored[1][8] == 0 as Int64)
        #expect(stored[1][3] == "http://x.com/b.htm?lang=b5" && stored[1][7] == nil as Int64?)
        // The third: no mirror or image URL splits (their bytes differ from the path's); the
        // original does.
        #expect(stored[2][1] == Self.mirror + decomposed && stored[2][2] == Self.cdn + decomposed + ".png")
        #expect(stored[2][3] == nil as String? && stored[2][7] == 2 as Int64)
        #expect(prefixes == [Self.mirror, "https://"])
    }

    /// Two prefixes equal as characters and not as bytes (a branch `café` written with one code
    /// point, then with `e` and an accent, then with one again) are two prefixes: each URL comes
    /// back with its own bytes.
    @Test func prefixesEqualAsCharactersAreKeptApart() throws {
        let branches = ["caf\u{E9}", "cafe\u{301}", "caf\u{E9}"]
        let rows = try branches.enumerated().map { n, branch in
            let mirror = "https://github.com/example-org/mirror/blob/\(branch)/pages/a/p\(n).md"
            return try Self.row("pages/a/p\(n).md", printed: mirror, linked: mirror,
                                image: Self.cdn + "pages/a/p\(n).md.png", original: "https://x.com/\(n).htm")
        }
        #expect(rows[0].linkedMirrorURL!.utf8.count + 1 == rows[1].linkedMirrorURL!.utf8.count)
        let (read, stored, prefixes) = try Self.roundTrip(rows)
        for (back, row) in zip(read, rows) {
            #expect(Array(try #require(back.linkedMirrorURL).utf8) == Array(try #require(row.linkedMirrorURL).utf8))
            #expect(Array(try #require(back.mirrorURL).utf8) == Array(try #require(row.mirrorURL).utf8))
        }
        #expect(stored.map { $0[5] as Int64? } == [1, 4, 1])
        #expect(prefixes.map { Array($0.utf8) } == [Array("https://github.com/example-org/mirror/blob/caf\u{E9}/".utf8), Array(Self.cdn.utf8),
                                                   Array("https://".utf8), Array("https://github.com/example-org/mirror/blob/cafe\u{301}/".utf8)])
    }

    /// A row naming a prefix that is not in the table is a corrupt index: reading it throws.
    @Test func missingPrefixIsCorrupt() throws {
        let queue = try DatabaseQueue()
        try ArchiveIndex.migrator.migrate(queue)
        let row = try Self.row("pages/a/b.md", printed: Self.mirror + "pages/a/b.md", linked: Self.mirror + "pages/a/b.md",
                               image: Self.cdn + "pages/a/b.md.png", original: "https://x.com/b.htm")
        try queue.write { db in
            var inserter = try PageRow.Inserter(db)
            try inserter.insert(row, footerStyleID: nil)
        }
        // The foreign key keeps the prefix from being deleted while a row names it: off, as in
        // an index damaged outside SQLite.
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF; DELETE FROM url_prefixes WHERE id = 2")
        }
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM url_prefixes") } == 2)
        let error = #expect(throws: DatabaseError.self) {
            try queue.read { db in try PageRow.fetchAll(db.makeStatement(sql: PageRow.select()), arguments: []) }
        }
        #expect(error?.resultCode == .SQLITE_CORRUPT)
        #expect(error?.message?.contains("qr_image_prefix") == true)
    }
}

/// An index written before URLs were stored as prefixes keeps reading as it was written: the
/// migration adds the columns, and rows with every URL whole read the same.
@Suite struct StoredURLsMigrationTests {
    @Test func rowsWrittenBeforeThePrefixesReadTheSame() throws {
        let queue = try DatabaseQueue()
        try ArchiveIndex.migrator.migrate(queue, upTo: "v7-totals")
        let mirror = "https://github.com/example-org/mirror/blob/master/pages/a/b.md"
        let image = "https://cdn.jsdelivr.net/gh/example-org/mirror/pages/a/b.md.png"
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO pages (path, category, id, size, mtime_ns, has_footer, mirror_url, linked_mirror_url,
                                   qr_image_url, qr_asset, original_url, original_key, invalid_utf8, has_bom, crlf,
                                   legacy_image, asset_outside_archive, problems)
                VALUES ('pages/a/b.md', 'a', 'b', 1, 1, 1, ?, ?, ?, 'pages/a/b.md.png', 'https://www.x.com/b.htm',
                        'x.com/b.htm', 0, 0, 0, 0, 0, '[]')
                """, arguments: [mirror, mirror, image])
        }
        try ArchiveIndex.migrator.migrate(queue)
        let rows = try queue.read { db in try PageRow.fetchAll(db.makeStatement(sql: PageRow.select()), arguments: []) }
        let row = try #require(rows.first)
        #expect(rows.count == 1)
        #expect(row.mirrorURL == mirror && row.linkedMirrorURL == mirror && row.qrImageURL == image)
        #expect(row.originalURL == "https://www.x.com/b.htm" && row.imageLinkTarget == "pages/a/b.md.png")
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT derived FROM pages") } == 0)
    }
}
