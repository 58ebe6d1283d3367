import Foundation
import SharemarkArchive
import SharemarkJobs
import SharemarkQR

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
        try write(try QRSettings(render: RenderOptions(scale: scale)).png(for: payload), to: path)
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

    func verify(shard: Shard = .whole) throws -> Report {
        let index = try index()
        return Verifier(archive: root, imageLinkForm: index.config.imageLinkForm, jobs: 2).verify(articles: try index.allArticles(), assets: try index.allAssets(), shard: shard)
    }

    func plan(_ mode: RegenerationMode, shard: Shard = .whole) throws -> RegenerationPlan {
        let index = try index()
        return RegenerationPlan.make(articles: try index.allArticles(), assets: try index.allAssets(),
                                     archive: root, mode: mode, shard: shard, jobs: 2)
    }

    func regen(_ mode: RegenerationMode) throws -> RegenerationSummary {
        Regenerator(archive: root, settings: QRSettings(), jobs: 2).run(try plan(mode))
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
    return pngFile(width: width, height: height, colourType: 0, raw: raw)
}

/// A valid, plain white PNG: no QR code at all.
func blankPNG(side: Int = 100) -> [UInt8] {
    var raw: [UInt8] = []
    for _ in 0..<side { raw.append(0); raw += [UInt8](repeating: 255, count: side) }
    return pngFile(width: side, height: side, colourType: 0, raw: raw)
}

private func pngFile(width: Int, height: Int, colourType: UInt8, raw: [UInt8]) -> [UInt8] {
    func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(UInt32(data.count)) + body + be32(crc32(body))
    }
    var zlib: [UInt8] = [0x78, 0x01]
    var offset = 0
    repeat {
        let n = min(65535, raw.count - offset)
        let last: UInt8 = offset + n >= raw.count ? 1 : 0
        zlib += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
        zlib += raw[offset..<(offset + n)]
        offset += n
    } while offset < raw.count
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in raw { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
    zlib += be32(b << 16 | a)
    let header = be32(UInt32(width)) + be32(UInt32(height)) + [8, colourType, 0, 0, 0]
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", [])
}

private func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

/// Runs a program and returns its standard output and exit status.
@discardableResult
func run(_ program: String, _ arguments: [String]) throws -> (output: [UInt8], status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (Array(output), process.terminationStatus)
}
