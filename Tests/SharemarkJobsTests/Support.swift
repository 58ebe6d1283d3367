import Foundation
import SharemarkArchive
import SharemarkJobs
import SharemarkQR
import SharemarkTestSupport

/// A synthetic archive in a temporary folder, built page by page, so that each test plants
/// exactly the faults it checks.
struct TestArchive {
    static let owner = "example-org"
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "sharemark-jobs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/pages", withIntermediateDirectories: true)
        try write("""
            owner = "example-org"
            repository = "mirror"
            branch = "master"
            aliases = ["old-mirror"]

            """, to: "sharemark.toml")
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    static func mirrorURL(_ page: String, repository: String = "mirror") -> String {
        "https://github.com/\(owner)/\(repository)/blob/master/\(page)"
    }

    static func cdnURL(_ path: String, repository: String = "mirror") -> String {
        "https://cdn.jsdelivr.net/gh/\(owner)/\(repository)/\(path)"
    }

    /// Line numbers of the footer in pages written by `page(...)`.
    static let mirrorLine = 7
    static let imageLine = 8

    /// Writes `pages/<path>` with a share footer (unless `footer` is false) and returns its
    /// archive path. `printed`/`linked`/`image` override the footer's URLs.
    @discardableResult
    func page(_ path: String, footer: Bool = true, repository: String = "mirror", printed: String? = nil,
              linked: String? = nil, image: String? = nil, crlf: Bool = false) throws -> String {
        let page = "pages/" + path
        let mirror = Self.mirrorURL(page, repository: repository)
        var lines = ["### Title of \(path)", "------------------------", "", "<div><p>Body text.</p></div>"]
        if footer {
            lines += ["<hr/>", "手机上长按并复制下列链接或二维码分享本文章：<br/>",
                      "\(printed ?? mirror) <br/>",
                      "<a href='\(linked ?? mirror)'><img src='\(image ?? Self.cdnURL(page + ".png", repository: repository))'/></a> <br/>",
                      "原文地址（需翻墙访问）：https://www.example-news.com/gb/21/5/20/n1.htm"]
        }
        lines += ["------------------------", ""]
        try write(lines.joined(separator: crlf ? "\r\n" : "\n"), to: page)
        return page
    }

    /// Writes a PNG made by our renderer, encoding `payload`.
    func png(_ path: String, payload: String, scale: Int = 4) throws {
        try write(try QROptions(scale: scale).png(for: payload), to: path)
    }

    func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }

    func write(_ bytes: [UInt8], to path: String) throws {
        let full = root + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: root + "/" + path) }

    func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: root + "/" + path))) }

    /// The index, brought up to date.
    func index() throws -> ArchiveIndex {
        let index = try ArchiveIndex(archive: root)
        _ = try index.update()
        return index
    }

    /// What `sharemark verify` reports: the index brought up to date, then checked with the
    /// update's problems, `batchSize` pages at a time.
    func verify(shard: Shard = .whole, batchSize: Int = 2048) throws -> Report {
        let index = try ArchiveIndex(archive: root)
        let update = try index.update()
        return try Verifier(archive: root, imageLinkForm: index.config.imageLinkForm, jobs: 2)
            .verify(index: index, problems: update.problems, shard: shard, batchSize: batchSize)
    }

    func plan(_ mode: RegenerationMode, shard: Shard = .whole) throws -> RegenerationPlan {
        let index = try index()
        return RegenerationPlan.make(articles: try index.allArticles(), assets: try index.allAssets(),
                                     archive: root, mode: mode, shard: shard, jobs: 2)
    }

    func regen(_ mode: RegenerationMode) throws -> RegenerationSummary {
        Regenerator(archive: root, options: QROptions(), jobs: 2).run(try plan(mode))
    }
}

/// A gray 8-bit PNG drawn by hand (stored deflate blocks): a QR symbol on a canvas that is not
/// square, so the module-grid reader does not know it and the zbar decoder must read it.
func oddGeometryPNG(payload: String, scale: Int = 3, extraColumns: Int = 7) throws -> [UInt8] {
    let symbol = try QREncoder().encode(payload)
    let margin = 4
    let height = (symbol.size + 2 * margin) * scale
    let width = height + extraColumns
    var raw: [UInt8] = []
    for y in 0..<height {
        raw.append(0)  // filter: none
        for x in 0..<width {
            let mx = x / scale - margin, my = y / scale - margin
            let dark = (0..<symbol.size).contains(mx) && (0..<symbol.size).contains(my) && symbol.isDark(x: mx, y: my)
            raw.append(dark ? 0 : 255)
        }
    }
    return PNGBuilder.png(width: width, height: height, colourType: 0, scanlines: raw)
}

/// A valid, plain white PNG: no QR code at all.
func blankPNG(side: Int = 100) -> [UInt8] {
    var raw: [UInt8] = []
    for _ in 0..<side { raw.append(0); raw += [UInt8](repeating: 255, count: side) }
    return PNGBuilder.png(width: side, height: side, colourType: 0, scanlines: raw)
}
