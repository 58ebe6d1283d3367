import Foundation
@testable import SharemarkArchive

enum Fixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static var archive: String { folder.appendingPathComponent("archive").path }

    static func bytes(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: archive).appendingPathComponent(relative)))
    }

    /// A fresh copy of the example archive in a temporary folder.
    static func copyOfArchive() throws -> String {
        let target = NSTemporaryDirectory() + "sharemark-test-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: archive, toPath: target)
        return target
    }
}

func write(_ text: String, to path: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

/// A footer in the archive's shape.
func footer(_ path: String, repository: String = "mirror", legacy: Bool = false, original: String, crlf: Bool = false) -> String {
    let mirror = "https://github.com/example-org/\(repository)/blob/master/\(path)"
    let image = legacy ? mirror + ".png" : "https://cdn.jsdelivr.net/gh/example-org/\(repository)/\(path).png"
    let lines = ["<hr/>", "手机上长按并复制下列链接或二维码分享本文章：<br/>", "\(mirror) <br/>",
                 "<a href='\(mirror)'><img src='\(image)'/></a> <br/>", "原文地址（需翻墙访问）：\(original)", ""]
    return lines.joined(separator: crlf ? "\r\n" : "\n")
}
