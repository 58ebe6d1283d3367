import Foundation
import Logging
import SharemarkArchive
import SharemarkTestSupport
@testable import SharemarkServer

/// A small archive on disk, made per test: pages with share footers and real QR PNGs (made by
/// Debian's `qrencode`), a page whose PNG is missing, one whose PNG shows another URL, one
/// without a footer, and an id present in two categories.
struct TestArchive {
    let root: String
    static let owner = "example-org"
    static let repo = "mirror"

    static func mirrorURL(_ category: String, _ id: String) -> String {
        "https://github.com/\(owner)/\(repo)/blob/master/pages/\(category)/\(id).md"
    }

    static func page(category: String, id: String, title: String, original: String) -> String {
        let mirror = mirrorURL(category, id)
        return """
            ### \(title)
            ------------------------

            #### [首页](../../README.md)

            <div><p>正文 \(title)</p></div>
            <hr/>
            手机上长按并复制下列链接或二维码分享本文章：<br/>
            \(mirror) <br/>
            <a href='\(mirror)'><img src='https://cdn.jsdelivr.net/gh/\(owner)/\(repo)/pages/\(category)/\(id).md.png'/></a> <br/>
            原文地址（需翻墙访问）：\(original)


            ------------------------
            #### [首页](../../README.md)

            """
    }

    /// `category/id` → title of the pages made.
    static let pages: [(category: String, id: String, title: String, png: PNGKind)] = [
        ("world", "n10000001", "北极理事会外长会议在雷克雅未克开幕", .valid),
        ("world", "n10000002", "Arctic <b>council</b> & \"friends\" meet", .missing),
        ("world", "n10000003", "Harbour report with a wrong QR", .otherURL),
        ("world", "n10000004", "Arctic shipping lanes open early", .valid),
        ("culture", "n10000001", "同名文章在文化栏目", .valid),
    ]

    enum PNGKind { case valid, missing, otherURL }

    static func make() throws -> TestArchive {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("sharemark-server-\(UUID().uuidString)").path
        let archive = TestArchive(root: root)
        for page in pages {
            try archive.addPage(category: page.category, id: page.id, title: page.title, png: page.png)
        }
        try archive.write("pages/culture/painting.md", "### 手写的页面\n------\n\nNo share footer here.\n")
        try archive.write("indexes/names.csv", "world,国际\nculture,文化\n")
        return archive
    }

    func addPage(category: String, id: String, title: String, png: PNGKind) throws {
        let path = "pages/\(category)/\(id).md"
        try write(path, Self.page(category: category, id: id, title: title,
                                  original: "https://www.example-news.com/gb/21/5/20/\(id).htm"))
        switch png {
        case .valid: try qrencode(Self.mirrorURL(category, id), to: path + ".png")
        case .otherURL: try qrencode("https://example.com/not-this-page", to: path + ".png")
        case .missing: break
        }
    }

    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: root).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func qrencode(_ text: String, to relative: String) throws {
        let result = try Run.run(["qrencode", "-o", root + "/" + relative, "-s", "4", text])
        guard result.status == 0 else { throw TestFailure("qrencode failed: \(result.err)") }
    }

    /// Builds or updates the index and opens a server over it.
    func server(settings: ServerSettings = ServerSettings(),
                accessLogger: Logger = Logger(label: "sharemark.access")) throws -> SharemarkServer {
        let index = try ArchiveIndex(archive: root)
        _ = try index.update()
        let root = self.root
        let store = try CatalogStore(initial: IndexCatalog(index: index)) { try IndexCatalog.open(archive: root) }
        return SharemarkServer(store: store, settings: settings, accessLogger: accessLogger)
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What `zbarimg --raw -q` reads from PNG bytes (Debian's scanner as the oracle).
func zbarDecode(_ bytes: some Sequence<UInt8>) throws -> String {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("zbar-\(UUID().uuidString).png")
    try Data(bytes).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let result = try Run.run(["zbarimg", "--raw", "-q", file.path])
    return result.out.trimmingCharacters(in: .newlines)
}
