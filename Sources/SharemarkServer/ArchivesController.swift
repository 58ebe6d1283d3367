import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import SharemarkArchive

/// `/v1/archives` (what is served), `/v1/lookup` (anything a user pastes, across every archive)
/// and `/s/{owner}/{repo}/{category}/{id}` (a share link that survives renames: a redirect to
/// the page's current canonical mirror URL).
struct ArchivesController<Context: RequestContext>: Sendable {
    let archives: [ServedArchive]
    /// Longest lookup query, in bytes.
    static var maxQueryBytes: Int { 2048 }

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("v1/archives", use: list)
        group.get("v1/lookup", use: lookup)
        group.get("s/:owner/:repo/:category/:id", use: share)
    }

    struct ArchiveInfo: Encodable {
        var name: String
        var repository: String?
        var branch: String?
        var aliases: [String]
        var pages: Int
        var pngs: Int
        /// When the index being served was last brought up to date (ISO 8601), if known.
        var indexTime: String?
        var status: String
        var error: String?
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let infos = try await NIOThreadPool.singleton.runIfActive { try archives.map(Self.info) }
        return try JSONResponse.ok(["archives": infos])
    }

    static func info(_ archive: ServedArchive) throws -> ArchiveInfo {
        let snapshot = archive.store.snapshot
        var info = ArchiveInfo(name: archive.name, repository: nil, branch: nil, aliases: [], pages: snapshot.articleCount, pngs: 0,
                               indexTime: nil, status: archive.failure == nil ? "ok" : "failing", error: archive.failure)
        if let index = (snapshot.catalog as? IndexCatalog)?.index {
            let config = index.config
            if config.knowsRepository {
                info.repository = "\(config.owner)/\(config.repository)"
                info.branch = config.branch
                info.aliases = config.aliases
            }
            info.pngs = try index.counts().assets
            if let attributes = try? FileManager.default.attributesOfItem(atPath: index.databasePath),
               let modified = attributes[.modificationDate] as? Date {
                info.indexTime = ISO8601DateFormatter().string(from: modified)
            }
        }
        return info
    }

    struct LookupAnswer: Encodable {
        var query: String
        var count: Int
        var results: [Found]
        var ambiguous: [Ambiguous]

        struct Found: Encodable {
            var archive: String
            /// The query names this archive by its current name: the first result.
            var canonical: Bool
            var article: ArticleSummary
        }

        struct Ambiguous: Encodable {
            var archive: String
            var candidates: [ArticleSummary]
        }
    }

    @Sendable func lookup(_ request: Request, context: Context) async throws -> Response {
        let fields = RequestInput.query(request.uri.query)
        guard let entry = fields["q"] else { throw APIProblem.badParameter("q", "missing: give an id, category/id or URL") }
        guard let query = entry, !query.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIProblem.badParameter("q", "empty or not valid percent-encoded UTF-8")
        }
        guard query.utf8.count <= Self.maxQueryBytes else { throw APIProblem.badParameter("q", "longer than \(Self.maxQueryBytes) bytes") }
        let indexes = archives.compactMap { archive in
            (archive.store.snapshot.catalog as? IndexCatalog).map { CrossArchiveLookup.Archive(name: archive.name, index: $0.index) }
        }
        let result = try await NIOThreadPool.singleton.runIfActive { try CrossArchiveLookup.lookup(query, in: indexes) }
        if let invalid = result.invalid { throw APIProblem.badParameter("q", invalid) }
        let found = result.matches.map { match in
            var summary = IndexCatalog.entry(match.article).summary
            summary.archive = match.archive
            return LookupAnswer.Found(archive: match.archive, canonical: match.canonical, article: summary)
        }
        let ambiguous = result.ambiguous.map { LookupAnswer.Ambiguous(archive: $0.archive, candidates: $0.articles.map { IndexCatalog.entry($0).summary }) }
        guard !found.isEmpty || !ambiguous.isEmpty else { throw APIProblem.notFound("no archive holds a page for \(query)") }
        return try JSONResponse.ok(LookupAnswer(query: query, count: found.count, results: found, ambiguous: ambiguous))
    }

    /// A stable share link: the archive by its repository's current or old name, then the
    /// page's current canonical mirror URL, as a redirect (302: the canonical URL may change again).
    @Sendable func share(_ request: Request, context: Context) async throws -> Response {
        let owner = try context.parameters.require("owner"), repo = try context.parameters.require("repo")
        guard let category = RequestInput.pathComponent(try context.parameters.require("category")),
              let id = RequestInput.pathComponent(try context.parameters.require("id")) else {
            throw APIProblem.notFound("no such page")
        }
        let name = "\(owner)/\(repo)".lowercased()
        guard let archive = archives.first(where: { $0.shareNames.contains { $0.lowercased() == name } }) else {
            throw APIProblem.notFound("no archive \(owner)/\(repo) is served here")
        }
        let snapshot = archive.store.snapshot
        let entry = try await NIOThreadPool.singleton.runIfActive { try snapshot.catalog.article(category: category, id: id) }
        guard let entry, let target = entry.summary.canonicalMirrorURL else {
            throw APIProblem.notFound("no page \(category)/\(id) in \(archive.name)")
        }
        return Response(status: .found, headers: [.location: target, .cacheControl: "no-store"])
    }
}
