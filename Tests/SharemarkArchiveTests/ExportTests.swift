import Foundation
import Testing
@testable import SharemarkArchive

/// `sharemark export` of a fixed archive, byte for byte: the example archive plus a page whose
/// title and original URL need CSV quoting, every page's mtime set to one instant. The expected
/// files are in Fixtures/export/ (read once and checked by hand: RFC 4180 quoting, CRLF, the
/// canonical URLs of an alias page, no URLs for a page without footer).
@Suite struct ExportTests {
    static let quotedPage = """
        ### 标题, with "quotes"
        ---
        <hr/>
        手机上长按并复制下列链接或二维码分享本文章：<br/>
        https://github.com/example-org/mirror/blob/master/pages/world/quoted.md <br/>
        <a href='https://github.com/example-org/mirror/blob/master/pages/world/quoted.md'><img src='https://cdn.jsdelivr.net/gh/example-org/mirror/pages/world/quoted.md.png'/></a> <br/>
        原文地址（需翻墙访问）：https://www.example-news.com/gb/21/6/2/n1,2.htm

        """

    func exported() throws -> (csv: String, json: String) {
        let root = try Fixture.copyOfArchive()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write(Self.quotedPage, to: root + "/pages/world/quoted.md")
        // One instant for every page: the JSON carries each page's mtime.
        let pages = try #require(FileManager.default.enumerator(atPath: root + "/pages")).compactMap { $0 as? String }
        for page in pages where page.hasSuffix(".md") {
            var times = [timespec(tv_sec: 1_622_505_600, tv_nsec: 0), timespec(tv_sec: 1_622_505_600, tv_nsec: 0)]
            try #require(utimensat(AT_FDCWD, root + "/pages/" + page, &times, 0) == 0)
        }
        let index = try ArchiveIndex(archive: root, indexPath: root + "/../" + UUID().uuidString + ".sqlite")
        defer { try? FileManager.default.removeItem(atPath: index.databasePath) }
        try index.update()
        // Two pages a batch: five pages come in three pieces, which must join seamlessly.
        return (try Self.export(index, .csv, batchSize: 2), try Self.export(index, .json, batchSize: 2))
    }

    static func export(_ index: ArchiveIndex, _ format: ArticleExport.Format, batchSize: Int = 2048) throws -> String {
        var bytes: [UInt8] = []
        try ArticleExport.write(index, format: format, batchSize: batchSize) { bytes += $0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    func expected(_ name: String) throws -> String {
        try String(contentsOf: Fixture.folder.appendingPathComponent("export/" + name), encoding: .utf8)
    }

    @Test func csvAndJSONAreExactlyTheExpectedFiles() throws {
        let (csv, json) = try exported()
        #expect(csv == (try expected("articles.csv")))
        #expect(json == (try expected("articles.json")))
        // What the expected CSV pins, said once more: CRLF rows, a header and five pages.
        #expect(csv.split(separator: "\r\n", omittingEmptySubsequences: false).count == 7)
        #expect(csv.contains(#","标题, with ""quotes""",2021-06-02,true,"#))
        #expect(csv.contains(#","https://www.example-news.com/gb/21/6/2/n1,2.htm",false,cdn,"#))
    }

    /// The JSON written a batch at a time is what the encoder makes of the whole list, at any
    /// batch size, and an archive without pages gives the encoder's empty array and the CSV
    /// header alone.
    @Test func batchesJoinAsTheWholeListAndNoPagesAreAnEmptyArray() throws {
        let root = try Fixture.copyOfArchive()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let index = try ArchiveIndex(archive: root)
        try index.update()
        let whole = String(decoding: try JSONCoding.prettyEncoder.encode(try index.allArticles()), as: UTF8.self) + "\n"
        for size in [1, 3, 4, 2048] {
            #expect(try Self.export(index, .json, batchSize: size) == whole, "batch size \(size)")
        }

        let empty = NSTemporaryDirectory() + "sharemark-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: empty) }
        try FileManager.default.createDirectory(atPath: empty + "/pages", withIntermediateDirectories: true)
        let none = try ArchiveIndex(archive: empty)
        try none.update()
        #expect(try Self.export(none, .json) == String(decoding: try JSONCoding.prettyEncoder.encode([Article]()), as: UTF8.self) + "\n")
        #expect(try Self.export(none, .json) == "[\n\n]\n")
        #expect(try Self.export(none, .csv) == ArticleExport.csvColumns.joined(separator: ",") + "\r\n")
    }
}
