import Foundation
import GRDB
import Testing
@testable import SharemarkArchive

/// Footer styles are told apart by their bytes, as URL prefixes are: two footers whose label
/// spells `é` differently are two styles, each with its own bytes.
@Suite struct FooterStyleSpellingTests {
    @Test func stylesEqualAsCharactersAreKeptApart() throws {
        let root = NSTemporaryDirectory() + "sharemark-spelling-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let labels = ["Partager l'article (caf\u{E9}) :<br/>", "Partager l'article (cafe\u{301}) :<br/>", "Partager l'article (caf\u{E9}) :<br/>"]
        for (n, label) in labels.enumerated() {
            let path = "pages/a/p\(n).md"
            let text = footer(path, original: "https://x.com/gb/21/5/20/p\(n).htm")
                .replacingOccurrences(of: "手机上长按并复制下列链接或二维码分享本文章：<br/>", with: label)
            #expect(text.contains(label))
            try write("### Page \(n)\n---\n\ntext\n\n" + text + "\n---\n", to: root + "/" + path)
        }
        let index = try ArchiveIndex(archive: root)
        try index.update()
        let (keys, ids) = try index.pool.read { db in
            (try String.fetchAll(db, sql: "SELECT key FROM footer_styles ORDER BY id"),
             try Int64?.fetchAll(db, sql: "SELECT footer_style_id FROM pages ORDER BY path"))
        }
        #expect(keys.count == 2)
        #expect(ids == [1, 2, 1])
        let styles = try keys.map { try #require(FooterStyle(key: $0)) }
        #expect(styles[0] == styles[1], "equal as characters")
        let labelBytes = styles.map { style in
            style.lines.compactMap { line -> [UInt8]? in
                guard line.count == 1, case .text(let text) = line[0], text.hasPrefix("Partager") else { return nil }
                return Array(text.utf8)
            }
        }
        #expect(labelBytes == [[Array(labels[0].utf8)], [Array(labels[1].utf8)]])
    }
}
