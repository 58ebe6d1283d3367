import ArgumentParser
import Foundation
import SharemarkArchive

struct LookupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup",
        abstract: "Show a page's share link, QR image and original URL.",
        discussion: """
            QUERY is an id, category/id, a mirror URL (old repository names too), a QR image URL \
            (CDN or legacy) or an original URL. Exit status: 0 found, 1 not found, 2 ambiguous id, \
            64 invalid query.
            """)

    @Argument(help: "An id, category/id, or URL.") var query: String
    @OptionGroup var options: ArchiveOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let (index, _) = try options.openUpdatedIndex()
            defer { index.waitForCheckpoint() }
            switch try index.lookup(query) {
            case .found(let article):
                if json { try printJSON(article); return }
                let root = URL(fileURLWithPath: options.archive)
                print(article.title ?? "(no title)")
                print("  page:        \(article.key)  (\(article.pagePath))")
                if let mirror = article.mirrorURL { print("  mirror URL:  \(mirror)") }
                if let canonical = article.canonicalMirrorURL, article.mirrorURL != canonical {
                    print("  canonical:   \(canonical)")
                }
                if let image = article.canonicalQRImageURL { print("  QR image:    \(image)") }
                if let written = article.qrImageURL, written != article.canonicalQRImageURL {
                    print("  (written as \(written))")
                }
                if !index.config.knowsRepository {
                    print("  no share URL: the archive's repository is unknown (sharemark init --owner OWNER --repository REPOSITORY)")
                }
                if let asset = article.qrAsset {
                    let exists = FileManager.default.fileExists(atPath: root.appendingPathComponent(asset.value).path)
                    print("  QR asset:    \(asset) (\(exists ? "present" : "missing"))")
                } else if article.hasFooter {
                    print("  QR asset:    none (the image URL names no file inside the archive)")
                } else {
                    print("  no share footer")
                }
                if let original = article.originalURL { print("  original:    \(original)") }
                if let date = article.date { print("  date:        \(date)") }
            case .ambiguous(let articles):
                if json { try printJSON(articles) } else {
                    print("'\(query)' names \(articles.count) pages; use category/id:")
                    for a in articles { print("  \(a.key)  \(a.title ?? "")") }
                }
                throw ExitCode(2)
            case .notFound:
                throw CLIError("no page matches '\(query)'", code: 1)
            case .invalid(let reason):
                throw CLIError("invalid query: \(reason)", code: 64)
            }
        }
    }
}
