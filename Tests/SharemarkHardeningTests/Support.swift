import Foundation

/// Test fixtures and temporary archives.
enum Hardening {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Every file of a fixture folder, sorted by name.
    static func fixtureFiles(_ folder: String) throws -> [URL] {
        let dir = fixtures.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// A new empty folder under the temporary directory.
    static func temporaryFolder(_ name: String = "t") throws -> String {
        let path = NSTemporaryDirectory() + "sharemark-hardening-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static let mirror = "https://github.com/example-org/mirror/blob/master/"
    static let cdn = "https://cdn.jsdelivr.net/gh/example-org/mirror/"

    /// A page in the archive's shape, with a share footer for `path` unless `footer` is false.
    static func page(_ path: String, title: String = "标题", footer: Bool = true,
                     mirrorURL: String? = nil, imageURL: String? = nil,
                     original: String = "https://www.example-news.com/gb/21/5/20/n10000001.htm") -> String {
        let m = mirrorURL ?? mirror + path
        let image = imageURL ?? cdn + path + ".png"
        var lines = ["### \(title)", "------", "", "#### [首页](../../README.md)", "", "正文。", ""]
        if footer {
            lines += ["<hr/>", "手机上长按并复制下列链接或二维码分享本文章：<br/>", "\(m) <br/>",
                      "<a href='\(m)'><img src='\(image)'/></a> <br/>", "原文地址（需翻墙访问）：\(original)", ""]
        }
        lines += ["------", "#### [首页](../../README.md)", ""]
        return lines.joined(separator: "\n")
    }

    static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    static func write(_ data: Data, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }
}
