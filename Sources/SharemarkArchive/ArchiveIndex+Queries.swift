import Foundation
import GRDB

/// The answer to `ArchiveIndex.lookup(_:)`.
public enum LookupResult: Sendable, Hashable {
    case found(Article)
    /// Several pages match (an id present in more than one category, an original URL shared).
    case ambiguous([Article])
    case notFound
    /// The query is not an id, `category/id`, or URL, or it would leave the archive root.
    case invalid(String)
}

/// The queries that fetch whole pages, each one's SQL made once: lookups run one per call.
private enum PageQuery: CaseIterable {
    case path, categoryAndID, id, originalKey, all, missingAsset

    var condition: String {
        switch self {
        case .path: "WHERE pages.path = ?"
        case .categoryAndID: "WHERE pages.category = ? AND pages.id = ?"
        case .id: "WHERE pages.id = ? ORDER BY pages.path"
        case .originalKey: "WHERE pages.original_key = ? ORDER BY pages.path"
        case .all: "ORDER BY pages.path"
        case .missingAsset: "WHERE pages.has_footer != 0 AND pages.path || '.png' NOT IN (SELECT path FROM assets) ORDER BY pages.path"
        }
    }

    static let sql = Dictionary(uniqueKeysWithValues: allCases.map { ($0, "\(PageRow.select()) \($0.condition)") })
}

extension ArchiveIndex {
    private func fetchArticles(_ query: PageQuery, _ arguments: StatementArguments = []) throws -> [Article] {
        let config = self.config
        // One SELECT is atomic on its own: no transaction around it (a read transaction is two
        // more statements per lookup).
        return try lookupConnection.unsafeRead { db in
            // Cached: the same few queries run for every lookup.
            let statement = try db.cachedStatement(sql: PageQuery.sql[query]!)
            return try PageRow.fetchAll(statement, arguments: arguments) { try $0.article(config: config) }
        }
    }

    /// The page `category/id`.
    public func article(category: String, id: String) throws -> Article? {
        try fetchArticles(.categoryAndID, [category, id]).first
    }

    /// Every page with this id, in any category, ordered by path.
    public func articles(id: String) throws -> [Article] {
        try fetchArticles(.id, [id])
    }

    /// Every page, ordered by path.
    public func allArticles() throws -> [Article] {
        try fetchArticles(.all)
    }

    /// What a pass over every page reads before the first page, in the same read transaction
    /// as the pages: so that counts, image link forms and PNG files are of the state of the
    /// index the pages are of, even while another process updates it.
    public struct PassOverview: Sendable {
        public var pages: Int
        /// How many pages' footers link their QR image in each form (`ImageLinkHistory`).
        public var imageLinkForms: (cdn: Int, blob: Int)
        /// Every PNG file under the pages folder, ordered by path.
        public var assets: [AssetFile]
    }

    /// A pass over every page in one read transaction: `start` makes the pass's state from the
    /// overview, then each batch of `size` pages (ordered by path) goes to `batch`.
    public func pass<State>(size: Int = 2048, start: (PassOverview) throws -> State,
                            batch: (inout State, [Article]) throws -> Void) throws -> State {
        try pool.read { db in
            let overview = PassOverview(pages: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pages") ?? 0,
                                        imageLinkForms: try Self.imageLinkFormCounts(db), assets: try Self.allAssets(db))
            var state = try start(overview)
            try Self.forEachArticleBatch(db, config: config, size: size) { try batch(&state, $0) }
            return state
        }
    }

    private static func forEachArticleBatch(_ db: Database, config: ArchiveConfig, size: Int, _ body: ([Article]) throws -> Void) throws {
        let size = max(1, size)
        let statement = try db.makeStatement(sql: PageQuery.sql[.all]!)
        var batch: [Article] = []
        batch.reserveCapacity(size)
        try PageRow.step(statement) { handle in
            batch.append(try PageRow(columnsOf: handle).article(config: config))
            if batch.count == size {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try body(batch) }
    }

    /// How many pages' footers link their QR image in each form: the counts of
    /// `ImageLinkHistory`, without reading the pages.
    public func imageLinkFormCounts() throws -> (cdn: Int, blob: Int) {
        try pool.read { db in try Self.imageLinkFormCounts(db) }
    }

    private static func imageLinkFormCounts(_ db: Database) throws -> (cdn: Int, blob: Int) {
        var counts = (cdn: 0, blob: 0)
        for row in try Row.fetchAll(db, sql: "SELECT image_form, COUNT(*) FROM pages WHERE image_form IS NOT NULL GROUP BY image_form") {
            switch ImageLinkForm(rawValue: row[0] as String) {
            case .cdn?: counts.cdn = row[1]
            case .blob?: counts.blob = row[1]
            case nil: break
            }
        }
        return counts
    }

    /// Every PNG file under the pages folder, ordered by path.
    public func allAssets() throws -> [AssetFile] {
        try pool.read { db in try Self.allAssets(db) }
    }

    private static func allAssets(_ db: Database) throws -> [AssetFile] {
        try AssetRow.order(Column("path")).fetchAll(db).map { try $0.file() }
    }

    /// PNG files that no page references and that are not named after an existing page.
    public func orphanAssets() throws -> [AssetFile] {
        let referenced = Set(try pool.read { db in
            try String.fetchAll(db, sql: "SELECT qr_asset FROM pages WHERE qr_asset IS NOT NULL UNION SELECT path || '.png' FROM pages")
        })
        return try allAssets().filter { !referenced.contains($0.path.value) }
    }

    /// Pages with a footer whose QR asset (`<page>.png`) is not on disk (as of the last update).
    public func articlesWithMissingAsset() throws -> [Article] {
        try fetchArticles(.missingAsset)
    }

    /// Whether the index holds a PNG at this archive path (as of the last update).
    public func assetExists(_ path: ArchivePath) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM assets WHERE path = ?)", arguments: [path.value]) ?? false
        }
    }

    /// Finds a page by id, `category/id` (optionally with `.md` or `.md.png`, the pages folder in front and a
    /// `?query`), its mirror URL (old repository names too), its CDN or legacy QR image URL, or
    /// its original URL.
    public func lookup(_ query: String) throws -> LookupResult {
        let q = String(query.trimmed())
        guard !q.isEmpty else { return .invalid("the query is empty") }
        guard !q.utf8.contains(0) else { return .invalid("the query contains a NUL byte") }
        let config = self.config
        // A byte search: `contains` on a String goes through Foundation's locale-aware search.
        var bytes = q
        if bytes.withUTF8({ findBytes($0.baseAddress!, $0.count, "://") != nil }) {
            for form in [config.mirrorForm, config.cdnForm, URLTemplate.defaultMirror, URLTemplate.defaultCDN] {
                guard let parts = form.match(q) else { continue }
                guard config.isOwnRepository(owner: parts.owner, repository: parts.repository) else { return .notFound }
                // A file name with '?' or '#' may be pasted as written (raw): the path read on to
                // the URL's end names it; else the path as the git host reads it.
                var candidates = [parts.path]
                if let whole = form.match(q, wholePath: true), whole.path != parts.path { candidates.insert(whole.path, at: 0) }
                var invalid: String? = nil
                for candidate in candidates {
                    var path = URLText.percentDecoded(candidate)
                    if path.hasSuffix(".md.png") { path.removeLast(4) }
                    do { _ = try ArchivePath(path) } catch { invalid = invalid ?? "\(error)"; continue }
                    if let article = try fetchArticles(.path, [path]).first { return .found(article) }
                    invalid = nil
                }
                return invalid.map { .invalid($0) } ?? .notFound
            }
            return originalURLResult(q, try fetchArticles(.originalKey, [URLText.originalKey(q)]))
        }
        // An id may hold '?' (taken from an original URL's query): the text as it is first,
        // then without a `?query` (as index pages link pages).
        let whole = try lookup(path: q)
        if case .found = whole { return whole }
        if case .ambiguous = whole { return whole }
        let withoutQuery = String(URLText.withoutQueryFragment(q))
        guard withoutQuery != q, !withoutQuery.isEmpty else { return whole }
        return try lookup(path: withoutQuery)
    }

    /// Several pages share an original URL's key (which leaves out the query): the one whose
    /// original URL has the query asked for, when exactly one has (`?p=4411` style originals).
    private func originalURLResult(_ query: String, _ articles: [Article]) -> LookupResult {
        guard articles.count > 1 else { return result(articles) }
        let asked = URLText.originalKey(query, keepingQuery: true)
        let exact = articles.filter { $0.originalURL.map { URLText.originalKey($0, keepingQuery: true) } == asked }
        return result(exact.count == 1 ? exact : articles)
    }

    /// A lookup by `id`, `category/id` or a page's path.
    private func lookup(path query: String) throws -> LookupResult {
        let config = self.config
        var text = query
        let path: ArchivePath
        do { path = try ArchivePath(text) } catch { return .invalid("\(error)") }
        text = path.value
        var parts = text.split(separator: "/").map(String.init)
        if parts.count == 3 && parts[0] == config.pagesFolder { parts.removeFirst() }
        if var last = parts.last {
            if last.hasSuffix(".md.png") && last.count > 7 { last.removeLast(4) }
            if last.hasSuffix(".md") && last.count > 3 { last.removeLast(3) }
            parts[parts.count - 1] = last
        }
        switch parts.count {
        case 1: return result(try articles(id: parts[0]))
        case 2: return try article(category: parts[0], id: parts[1]).map { .found($0) } ?? .notFound
        default: return .invalid("'\(query)' is not an id, category/id, or URL")
        }
    }

    private func result(_ articles: [Article]) -> LookupResult {
        switch articles.count {
        case 0: return .notFound
        case 1: return .found(articles[0])
        default: return .ambiguous(articles)
        }
    }

    /// Pages whose title contains every whitespace-separated term of `text` (substring match,
    /// so Chinese titles are found by any part). Terms of three or more characters use the
    /// trigram full-text index; shorter ones a LIKE filter.
    public func search(_ text: String, limit: Int = 50) throws -> [Article] {
        let terms = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard !terms.isEmpty else { return [] }
        let long = terms.filter { $0.count >= 3 }
        let short = terms.filter { $0.count < 3 }
        func likePattern(_ t: String) -> String {
            "%" + t.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
        }
        var arguments: [String] = []
        var sql: String
        if !long.isEmpty {
            let match = long.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " AND ")
            arguments.append(match)
            sql = "\(PageRow.select(from: "title_fts JOIN pages ON pages.rowid = title_fts.rowid")) WHERE title_fts MATCH ?"
        } else {
            sql = "\(PageRow.select()) WHERE 1"
        }
        for t in short {
            sql += " AND pages.title LIKE ? ESCAPE '\\'"
            arguments.append(likePattern(t))
        }
        sql += long.isEmpty ? " ORDER BY pages.path LIMIT \(max(0, limit))" : " ORDER BY rank LIMIT \(max(0, limit))"
        let config = self.config
        return try pool.read { db in
            try PageRow.fetchAll(db.makeStatement(sql: sql), arguments: StatementArguments(arguments)) { try $0.article(config: config) }
        }
    }

    /// Whether the index has been brought up to date at least once (a freshly created file has
    /// the schema but no pages yet: a reader must not take it for an empty archive).
    public func hasBeenUpdated() throws -> Bool {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'forms'") != nil }
    }

    /// Counts for a status line.
    public func counts() throws -> (pages: Int, assets: Int) {
        try pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pages") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM assets") ?? 0)
        }
    }
}
