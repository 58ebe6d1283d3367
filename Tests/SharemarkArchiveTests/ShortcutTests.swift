import Foundation
import GRDB
import Testing
@testable import SharemarkArchive

/// The shortcuts indexing takes for speed give what the plain ways give: the inserter what
/// GRDB would store, an index built from nothing the schema the migrations make.
@Suite struct ShortcutTests {
    /// Every column round-trips through the inserter, empty text and NULL kept apart.
    @Test func inserterWritesEveryColumn() throws {
        let queue = try DatabaseQueue()
        try ArchiveIndex.migrator.migrate(queue)
        let file = PageFile(path: try ArchivePath("pages/a/b.md"), category: "a", id: "b", size: 12, mtimeNs: -5)
        let record = PageRecord(file: file, page: PageParser().parse(Array(("### 标题\n" + footer("pages/a/b.md", original: "https://X.com/gb/21/5/20/b.htm")).utf8)),
                                mirrorForm: .defaultMirror, cdnForm: .defaultCDN)
        var row = PageRow(record, footerStyleID: nil)
        row.mirrorBranch = ""
        row.problems = [.init(kind: .titleMissing, line: 3, message: "m")]
        try queue.write { db in
            try db.execute(sql: "INSERT INTO footer_styles (id, key) VALUES (7, 'k')")
            var inserter = try PageRow.Inserter(db)
            try inserter.insert(row, footerStyleID: 7)
        }
        let back = try queue.read { db in try PageRow.fetchOne(db, sql: "SELECT \(PageRow.columnList) FROM pages") }
        let read = try #require(back)
        #expect(read.path == "pages/a/b.md" && read.category == "a" && read.id == "b" && read.size == 12 && read.mtimeNs == -5)
        #expect(read.title == "标题" && read.hasFooter && read.mirrorURL == row.mirrorURL && read.mirrorURLLine == 4)
        #expect(read.linkedMirrorURL == row.linkedMirrorURL && read.linkLine == 5)
        #expect(read.qrImageURL == row.qrImageURL && read.qrImageLine == 5 && read.qrAsset == "pages/a/b.md.png")
        #expect(read.originalURL == "https://X.com/gb/21/5/20/b.htm" && read.originalLine == 6 && read.originalKey == "x.com/gb/21/5/20/b.htm")
        #expect(read.date == "2021-05-20" && !read.invalidUTF8 && !read.hasBOM && !read.crlf)
        #expect(read.mirrorOwner == "example-org" && read.mirrorRepository == "mirror" && read.mirrorBranch == "")
        #expect(!read.aliasUsed && !read.legacyImage && read.imageForm == .cdn && read.footerStyleID == 7 && !read.assetOutsideArchive)
        #expect(read.problems == row.problems)
        let types = try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT typeof(mirror_branch), typeof(has_footer), typeof(footer_style_id), typeof(date) FROM pages")
        }
        #expect(types == ["typeof(mirror_branch)": "text", "typeof(has_footer)": "integer", "typeof(footer_style_id)": "integer", "typeof(date)": "text"])
    }

    /// A failing insert throws the step's error and leaves the statement usable.
    @Test func inserterReportsConstraintFailures() throws {
        let queue = try DatabaseQueue()
        try ArchiveIndex.migrator.migrate(queue)
        let file = PageFile(path: try ArchivePath("pages/a/b.md"), category: "a", id: "b", size: 1, mtimeNs: 1)
        let record = PageRecord(file: file, page: PageParser().parse(Array("### t\n".utf8)), mirrorForm: .defaultMirror, cdnForm: .defaultCDN)
        let row = PageRow(record, footerStyleID: nil)
        try queue.write { db in
            var inserter = try PageRow.Inserter(db)
            try inserter.insert(row, footerStyleID: nil)
            let error = #expect(throws: DatabaseError.self) { try inserter.insert(row, footerStyleID: nil) }
            #expect(error?.resultCode == .SQLITE_CONSTRAINT)
            #expect(error?.message?.contains("pages.path") == true)
            var other = row
            other.path = "pages/a/c.md"
            try inserter.insert(other, footerStyleID: nil)
        }
        #expect(try queue.read { db in try String.fetchAll(db, sql: "SELECT path FROM pages ORDER BY path") } == ["pages/a/b.md", "pages/a/c.md"])
    }

    /// The indexes dropped for building from nothing are made again, as the migrations wrote them.
    @Test func indexFromNothingHasTheMigratedSchema() throws {
        let root = try Fixture.copyOfArchive()
        let index = try ArchiveIndex(archive: root)
        func schema() throws -> [Row] {
            try index.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
            }
        }
        let migrated = try schema()
        #expect(migrated.contains { $0["name"] == "pages_id" } && migrated.contains { $0["name"] == "pages_original_key" })
        let summary = try index.update()
        #expect(summary.parsed == 4)
        #expect(try schema() == migrated)
        let plan = try index.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT path FROM pages WHERE original_key = ?", arguments: ["x"]).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("pages_original_key") }, "\(plan)")
        #expect(try index.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pages WHERE id = 'n10000001'") } == 1)
    }
}
