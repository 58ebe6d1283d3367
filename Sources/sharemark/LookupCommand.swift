import ArgumentParser
import Foundation
import SharemarkArchive

struct LookupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup",
        abstract: "Show a page's share link, QR image and original URL, in one archive or several.",
        discussion: """
            QUERY is an id (as the file name has it: ?p=4411 too), category/id, a mirror URL raw or percent-encoded \
            (old repository names too), a QR image URL (CDN or legacy) or an original URL (with its query). With \
            several archives, each is asked and every match is shown with its archive, the archive the URL names first; \
            an article held by several archives is no error. Exit status: 0 found, 1 not found, 2 ambiguous (an id in \
            several categories of one archive), 64 invalid query.
            """)

    @Argument(help: "An id, category/id, or URL.") var query: String
    @Argument(help: "The archive folders (default: the current folder).") var archives: [String] = []
    @Option(help: ArgumentHelp("The index file, with one archive (default: ARCHIVE/.sharemark/index.sqlite).", valueName: "path"))
    var index: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if index != nil && archives.count > 1 { throw ValidationError("--index names the index of one archive; it cannot go with several") }
    }

    func run() throws {
        try reportingErrors {
            let folders = archives.isEmpty ? ["."] : archives
            var opened: [CrossArchiveLookup.Archive] = []
            for folder in folders {
                let options = try ArchiveOptions.parse([folder] + (index.map { ["--index", $0] } ?? []))
                let (archiveIndex, _) = try options.openUpdatedIndex()
                opened.append(.init(name: ArchiveFamily.name(of: archiveIndex), index: archiveIndex))
            }
            defer { for archive in opened { archive.index.waitForCheckpoint() } }
            if opened.count == 1 { return try single(opened[0].index) }
            try several(opened)
        }
    }

    /// One archive: the page, or the candidates of an ambiguous query.
    private func single(_ index: ArchiveIndex) throws {
        switch try index.lookup(query) {
        case .found(let article):
            if json { try printJSON(article); return }
            show(article, index: index)
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

    struct Match: Encodable {
        var archive: String
        var canonical: Bool
        var article: Article
    }

    /// Several archives: every match with its archive.
    private func several(_ archives: [CrossArchiveLookup.Archive]) throws {
        let result = try CrossArchiveLookup.lookup(query, in: archives)
        if let invalid = result.invalid { throw CLIError("invalid query: \(invalid)", code: 64) }
        if json {
            try printJSON(result.matches.map { Match(archive: $0.archive, canonical: $0.canonical, article: $0.article) })
        } else {
            let byName = Dictionary(archives.map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a })
            for match in result.matches {
                print("[\(match.archive)] ", terminator: "")
                show(match.article, index: byName[match.archive]!)
            }
            for (archive, articles) in result.ambiguous {
                print("[\(archive)] '\(query)' names \(articles.count) pages; use category/id:")
                for a in articles { print("  \(a.key)  \(a.title ?? "")") }
            }
        }
        if !result.ambiguous.isEmpty { throw ExitCode(2) }
        if result.matches.isEmpty { throw CLIError("no page of \(archives.count) archives matches '\(query)'", code: 1) }
    }

    private func show(_ article: Article, index: ArchiveIndex) {
        let root = URL(fileURLWithPath: index.archive)
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
        } else {
            print("  no share footer")
        }
        if let original = article.originalURL { print("  original:    \(original)") }
        if let date = article.date { print("  date:        \(date)") }
    }
}
