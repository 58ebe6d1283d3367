import Foundation

/// Helpers for the independent command-line oracles (`qrencode`, `zbarimg`, `pngtopnm`), which
/// the tests run through `Run` (SharemarkTestSupport).
enum Oracle {
    /// A fresh temporary folder.
    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("sharemark-qr-tests-\(name)-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Payloads like the archives' share links.
enum Payloads {
    static let categories = ["world", "nsc418", "butongdeshengyin", "china", "ent", "health"]

    static func archiveURL(_ n: Int, padTo length: Int? = nil) -> String {
        let category = categories[n % categories.count]
        let id = n % 3 == 0 ? "jkdv-0531201911\(String(format: "%04d", n % 10000))" : "n\(10_000_001 + n * 7919)"
        var url = "https://github.com/example-org/mirror/blob/master/pages/\(category)/\(id).md"
        if let length, length > url.count {
            // Longer payloads: the same shape with a query string, as index links carry.
            url += "?t="
            var digit = n
            while url.utf8.count < length {
                url += String(digit % 10)
                digit = digit / 10 + 7
            }
        }
        return url
    }

    static let cjk = "手机上长按并复制下列链接或二维码分享本文章：原文地址（需翻墙访问）"
}
