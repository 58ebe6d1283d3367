import Dispatch
import Foundation
import GRDB
import Synchronization

/// The SQLite index of an archive: pages (parsed once, re-read only when their size or mtime
/// changes), the PNG files under the pages folder, and a full-text index of titles.
///
/// Safe to share between threads: reads run concurrently (a GRDB `DatabasePool` in WAL mode),
/// an update is one write transaction, so a crash or a kill leaves the previous index intact.
public final class ArchiveIndex: Sendable {
    public let archive: String
    public let databasePath: String
    let pool: DatabasePool
    private let state: Mutex<ArchiveConfig>

    /// The configuration in force: `sharemark.toml`, with owner/repository/branch inferred from
    /// the indexed footers where the file leaves them out or does not exist.
    public var config: ArchiveConfig { state.withLock { $0 } }

    public static func defaultPath(archive: String) -> String {
        (archive as NSString).appendingPathComponent(".sharemark/index.sqlite")
    }

    /// Opens (creating or migrating) the index of `archive`, at `indexPath` or the default
    /// `<archive>/.sharemark/index.sqlite`. Throws `ConfigFile.Error` for a malformed config.
    public init(archive: String, indexPath: String? = nil) throws {
        self.archive = archive
        let path = indexPath ?? ArchiveIndex.defaultPath(archive: archive)
        self.databasePath = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        try ArchiveIndex.migrator.migrate(pool)
        let inferred = try pool.read { db in
            try ArchiveIndex.storedInference(db) ?? ArchiveIndex.inferConfig(db)
        }
        state = Mutex(try ArchiveConfig.load(archive: archive, fallback: inferred) ?? inferred)
    }

    // MARK: - Schema

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE pages (
                    rowid INTEGER PRIMARY KEY,
                    path TEXT NOT NULL UNIQUE,
                    category TEXT NOT NULL,
                    id TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    mtime_ns INTEGER NOT NULL,
                    title TEXT,
                    has_footer INTEGER NOT NULL,
                    mirror_url TEXT,
                    mirror_url_line INTEGER,
                    linked_mirror_url TEXT,
                    link_line INTEGER,
                    qr_image_url TEXT,
                    qr_image_line INTEGER,
                    qr_asset TEXT,
                    original_url TEXT,
                    original_line INTEGER,
                    original_key TEXT,
                    date TEXT,
                    invalid_utf8 INTEGER NOT NULL,
                    has_bom INTEGER NOT NULL,
                    crlf INTEGER NOT NULL,
                    mirror_owner TEXT,
                    mirror_repository TEXT,
                    mirror_branch TEXT,
                    alias_used INTEGER NOT NULL DEFAULT 0,
                    legacy_image INTEGER NOT NULL,
                    asset_outside_archive INTEGER NOT NULL,
                    problems TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX pages_id ON pages(id);
                CREATE INDEX pages_category_id ON pages(category, id);
                CREATE INDEX pages_original_key ON pages(original_key);
                CREATE INDEX pages_qr_asset ON pages(qr_asset);
                CREATE TABLE assets (
                    path TEXT PRIMARY KEY,
                    size INTEGER NOT NULL,
                    mtime_ns INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE VIRTUAL TABLE title_fts USING fts5(title, tokenize = 'trigram');
                """)
        }
        migrator.registerMigration("v2-problem-kinds") { db in
            // Problems now carry a kind: read every page again on the next update.
            try db.execute(sql: "UPDATE pages SET size = -1")
        }
        migrator.registerMigration("v3-house-style") { db in
            // The form of each footer's image link and the style of the footer, for inferring
            // the archive's house style: read every page again on the next update.
            try db.execute(sql: """
                ALTER TABLE pages ADD COLUMN image_form TEXT;
                ALTER TABLE pages ADD COLUMN footer_style TEXT;
                UPDATE pages SET size = -1;
                DELETE FROM meta WHERE key = 'inferred';
                """)
        }
        return migrator
    }

    // MARK: - Update

    public enum UpdateProgress: Sendable {
        case scanned(pages: Int, assets: Int)
        case parsing(done: Int, total: Int)
        case writing
    }

    public struct UpdateSummary: Sendable, Codable {
        /// Page files found.
        public var scanned: Int
        public var parsed: Int
        public var unchanged: Int
        public var removed: Int
        public var assets: Int
        public var assetsRemoved: Int
        /// Over all indexed pages, not only those read now.
        public var pagesWithoutFooter: Int
        public var invalidUTF8Pages: Int
        /// Scan problems and the problems of every indexed page.
        public var problems: [Problem]
        public var seconds: Double
    }

    /// Brings the index up to date with the disk: reads only new pages and pages whose size or
    /// mtime changed, removes rows of files that are gone, all in one transaction.
    @discardableResult
    public func update(progress: (@Sendable (UpdateProgress) -> Void)? = nil) throws -> UpdateSummary {
        let started = DispatchTime.now()
        let timing = ProcessInfo.processInfo.environment["SHAREMARK_TIMING"] != nil
        func mark(_ what: String) {
            if timing {
                let s = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
                FileHandle.standardError.write(Data("[\(String(format: "%.3f", s)) s] \(what)\n".utf8))
            }
        }
        let fileConfig = try ArchiveConfig.load(archive: archive, fallback: config) ?? config
        let mirrorForm = fileConfig.mirrorForm, cdnForm = fileConfig.cdnForm
        let formsKey = "\(mirrorForm.text)\n\(cdnForm.text)\n\(fileConfig.pagesFolder)"

        let scan = ArchiveScanner.scan(archive: archive, pagesFolder: fileConfig.pagesFolder)
        progress?(.scanned(pages: scan.pages.count, assets: scan.assets.count))
        mark("scanned")

        struct Known { var size: Int64; var mtime: Int64 }
        let (knownPages, knownAssets, formsChanged) = try pool.read { db -> ([String: Known], [String: Known], Bool) in
            var pages: [String: Known] = [:], assets: [String: Known] = [:]
            pages.reserveCapacity(scan.pages.count)
            let rows = try Row.fetchCursor(db, sql: "SELECT path, size, mtime_ns FROM pages")
            while let row = try rows.next() { pages[row[0]] = Known(size: row[1], mtime: row[2]) }
            let assetRows = try Row.fetchCursor(db, sql: "SELECT path, size, mtime_ns FROM assets")
            while let row = try assetRows.next() { assets[row[0]] = Known(size: row[1], mtime: row[2]) }
            let stored = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'forms'")
            return (pages, assets, stored != formsKey)
        }

        mark("read known rows")
        // Paths are unique on both sides, so when every known row was seen, none was removed
        // (which spares building a set of 100,000 paths on a no-op run).
        var matchedPages = 0
        let changed = scan.pages.filter { file in
            guard let known = knownPages[file.path.value] else { return true }
            matchedPages += 1
            return formsChanged || known.size != file.size || known.mtime != file.mtimeNs
        }
        var removedPages: [String] = []
        if matchedPages != knownPages.count {
            let present = Set(scan.pages.map(\.path.value))
            removedPages = knownPages.keys.filter { !present.contains($0) }
        }
        var matchedAssets = 0
        let changedAssets = scan.assets.filter { a in
            guard let k = knownAssets[a.path.value] else { return true }
            matchedAssets += 1
            return k.size != a.size || k.mtime != a.mtimeNs
        }
        var removedAssets: [String] = []
        if matchedAssets != knownAssets.count {
            let present = Set(scan.assets.map(\.path.value))
            removedAssets = knownAssets.keys.filter { !present.contains($0) }
        }

        let records = ArchiveIndex.parse(changed, archive: archive, mirrorForm: mirrorForm, cdnForm: cdnForm,
                                         progress: progress)
        progress?(.writing)
        mark("parsed \(records.count)")

        let archive = self.archive
        let nothingChanged = records.isEmpty && removedPages.isEmpty && removedAssets.isEmpty
            && changedAssets.isEmpty && !formsChanged
        let newConfig: ArchiveConfig
        if nothingChanged {
            // Nothing to write unless the configuration changed what counts as an alias.
            let inferred = try pool.read { db in try ArchiveIndex.storedInference(db) } ?? config
            newConfig = try ArchiveConfig.load(archive: archive, fallback: inferred) ?? inferred
            let marked = try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'aliases_for'") }
            if marked != ArchiveIndex.aliasKey(newConfig) {
                try pool.write { db in try ArchiveIndex.markAliases(db, config: newConfig) }
            }
        } else {
            newConfig = try pool.write { db -> ArchiveConfig in
                if !removedPages.isEmpty {
                    let delFTS = try db.makeStatement(sql: "DELETE FROM title_fts WHERE rowid = (SELECT rowid FROM pages WHERE path = ?)")
                    let del = try db.makeStatement(sql: "DELETE FROM pages WHERE path = ?")
                    for path in removedPages {
                        try delFTS.execute(arguments: [path])
                        try del.execute(arguments: [path])
                    }
                }
                if !records.isEmpty {
                    let delFTS = try db.makeStatement(sql: "DELETE FROM title_fts WHERE rowid = (SELECT rowid FROM pages WHERE path = ?)")
                    let del = try db.makeStatement(sql: "DELETE FROM pages WHERE path = ?")
                    let insert = try db.makeStatement(sql: """
                        INSERT INTO pages (path, category, id, size, mtime_ns, title, has_footer, mirror_url, mirror_url_line,
                            linked_mirror_url, link_line, qr_image_url, qr_image_line, qr_asset, original_url, original_line,
                            original_key, date, invalid_utf8, has_bom, crlf, mirror_owner, mirror_repository, mirror_branch,
                            legacy_image, image_form, footer_style, asset_outside_archive, problems)
                        VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                        """)
                    let insertFTS = try db.makeStatement(sql: "INSERT INTO title_fts (rowid, title) VALUES (?, ?)")
                    for r in records {
                        let path = r.file.path.value
                        if knownPages[path] != nil {
                            try delFTS.execute(arguments: [path])
                            try del.execute(arguments: [path])
                        }
                        let f = r.page.footer
                        let values: [(any DatabaseValueConvertible)?] = [
                            path, r.file.category, r.file.id, r.file.size, r.file.mtimeNs, r.page.title,
                            f != nil, f?.printedMirrorURL, f?.printedMirrorLine,
                            f?.linkedMirrorURL, f?.linkLine, f?.qrImageURL, f?.qrImageLine, r.qrAsset?.value,
                            f?.originalURL, f?.originalLine, f?.originalURL.map { URLText.originalKey($0) }, r.date,
                            r.page.invalidUTF8, r.page.hasBOM, r.page.usesCRLF,
                            r.mirrorOwner, r.mirrorRepository, r.mirrorBranch,
                            r.imageLinkForm == .blob, r.imageLinkForm?.rawValue, r.page.footerStyle?.key,
                            r.assetOutsideArchive, ArchiveIndex.encodeProblems(r.problems),
                        ]
                        try insert.execute(arguments: StatementArguments(values))
                        try insertFTS.execute(arguments: [db.lastInsertedRowID, r.page.title ?? ""])
                    }
                }
                if !removedAssets.isEmpty {
                    let del = try db.makeStatement(sql: "DELETE FROM assets WHERE path = ?")
                    for path in removedAssets { try del.execute(arguments: [path]) }
                }
                if !changedAssets.isEmpty {
                    let upsert = try db.makeStatement(sql: "INSERT OR REPLACE INTO assets (path, size, mtime_ns) VALUES (?, ?, ?)")
                    for a in changedAssets { try upsert.execute(arguments: [a.path.value, a.size, a.mtimeNs]) }
                }
                mark("rows written")
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('forms', ?)", arguments: [formsKey])

                let inferred = try ArchiveIndex.inferConfig(db)
                try ArchiveIndex.storeInference(db, inferred)
                let config = try ArchiveConfig.load(archive: archive, fallback: inferred) ?? inferred
                try ArchiveIndex.markAliases(db, config: config)
                return config
            }
        }
        let counts = try pool.read { db -> (Int, Int, [Problem]) in

            let row = try Row.fetchOne(db, sql: "SELECT TOTAL(has_footer = 0), TOTAL(invalid_utf8) FROM pages")
            let noFooter = Int(row?[0] as Double? ?? 0), invalid = Int(row?[1] as Double? ?? 0)
            var problems: [Problem] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT path, problems FROM pages WHERE problems != '' ORDER BY path")
            while let row = try rows.next() { problems += ArchiveIndex.decodeProblems(row[1], file: row[0]) }
            return (noFooter, invalid, problems)
        }
        state.withLock { $0 = newConfig }
        mark("committed")

        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        return UpdateSummary(
            scanned: scan.pages.count, parsed: records.count, unchanged: scan.pages.count - records.count,
            removed: removedPages.count, assets: scan.assets.count, assetsRemoved: removedAssets.count,
            pagesWithoutFooter: counts.0, invalidUTF8Pages: counts.1,
            problems: scan.problems + counts.2, seconds: seconds)
    }

    /// Reads and parses pages on all cores.
    static func parse(_ files: [PageFile], archive: String, mirrorForm: URLTemplate, cdnForm: URLTemplate,
                      progress: (@Sendable (UpdateProgress) -> Void)?) -> [PageRecord] {
        let root = archive.hasSuffix("/") ? archive : archive + "/"
        let total = files.count
        let done = Atomic<Int>(0)
        // Each thread parses with its own copies of the templates: shared reference-counted
        // storage would make the threads contend on its counts.
        return parallelMap(count: total, jobs: availableProcessors, chunk: 256, state: {
            (parser: PageParser(mirrorForm: (try? URLTemplate(mirrorForm.text)) ?? mirrorForm),
             cdnForm: (try? URLTemplate(cdnForm.text)) ?? cdnForm)
        }) { forms, i in
            let parser = forms.parser, cdnForm = forms.cdnForm
            let file = files[i]
            var record: PageRecord
            switch ArchiveScanner.read(root + file.path.value, sizeHint: Int(file.size) + 1) {
            case .success(let bytes):
                record = PageRecord(file: file, page: parser.parse(bytes), mirrorForm: parser.mirrorForm, cdnForm: cdnForm)
            case .failure(let message):
                let page = Page(title: nil, footer: nil, datelineDate: nil, invalidUTF8: false, hasBOM: false, usesCRLF: false)
                record = PageRecord(file: file, page: page, mirrorForm: parser.mirrorForm, cdnForm: cdnForm)
                record.problems = [Problem(.pageUnreadable, file: file.path.value, message: "cannot read: \(message)")]
            }
            let n = done.add(1, ordering: .relaxed).newValue
            if n % 256 == 0 || n == total { progress?(.parsing(done: n, total: total)) }
            return record
        }
    }

    static func inferConfig(_ db: Database) throws -> ArchiveConfig {
        let rows = try Row.fetchAll(db, sql: """
            SELECT mirror_owner, mirror_repository, mirror_branch, COUNT(*) FROM pages
            WHERE mirror_owner IS NOT NULL GROUP BY 1, 2, 3
            """)
        let mirrors = rows.map { (owner: $0[0] as String, repository: $0[1] as String, branch: ($0[2] as String?) ?? "master", count: $0[3] as Int) }
        var imageLinks: [ImageLinkForm: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT image_form, COUNT(*) FROM pages WHERE image_form IS NOT NULL GROUP BY 1") {
            if let form = ImageLinkForm(rawValue: row[0]) { imageLinks[form] = row[1] }
        }
        // Ties between styles go to the style of the first page in path order.
        let styles = try Row.fetchAll(db, sql: """
            SELECT footer_style, COUNT(*) FROM pages WHERE footer_style IS NOT NULL
            GROUP BY 1 ORDER BY MIN(path)
            """).compactMap { row in FooterStyle(key: row[0]).map { (style: $0, count: row[1] as Int) } }
        return ArchiveConfig.inferred(from: mirrors, imageLinks: imageLinks, styles: styles)
    }

    /// What the footers alone show (owner, repository, branch, image link form, footer style),
    /// whatever `sharemark.toml` says: the configuration `sharemark init` writes.
    public func inferredConfig() throws -> ArchiveConfig {
        try pool.read { db in try ArchiveIndex.storedInference(db) ?? ArchiveIndex.inferConfig(db) }
    }

    static func aliasKey(_ config: ArchiveConfig) -> String { "\(config.owner)\n\(config.repository)" }

    static func storeInference(_ db: Database, _ config: ArchiveConfig) throws {
        let json = String(decoding: try JSONCoding.sortedEncoder.encode(config), as: UTF8.self)
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('inferred', ?)", arguments: [json])
    }

    static func storedInference(_ db: Database) throws -> ArchiveConfig? {
        guard let json = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'inferred'") else { return nil }
        return try? JSONCoding.decoder.decode(ArchiveConfig.self, from: Data(json.utf8))
    }

    static func markAliases(_ db: Database, config: ArchiveConfig) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('aliases_for', ?)", arguments: [aliasKey(config)])
        try db.execute(sql: """
            UPDATE pages SET alias_used = 1 - alias_used WHERE alias_used != CASE
                WHEN mirror_owner IS NULL THEN 0
                WHEN lower(mirror_owner) = lower(?) AND mirror_repository = ? THEN 0
                ELSE 1 END
            """, arguments: [config.owner, config.repository])
    }

    static func encodeProblems(_ problems: [Problem]) -> String {
        problems.map { "\($0.line.map(String.init) ?? "")\t\($0.kind.rawValue)\t\($0.message.replacingOccurrences(of: "\n", with: " "))" }
            .joined(separator: "\n")
    }

    static func decodeProblems(_ text: String, file: String? = nil) -> [Problem] {
        guard !text.isEmpty else { return [] }
        return text.split(separator: "\n").map { line in
            // "line<TAB>kind<TAB>message"; indexes written before kinds had "line<TAB>message".
            let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 3, let kind = Problem.Kind(rawValue: String(parts[1])) {
                return Problem(kind, file: file ?? "", line: Int(parts[0]), message: String(parts[2]))
            }
            let message = parts.dropFirst().joined(separator: "\t")
            return Problem(.unclassified, file: file ?? "", line: Int(parts[0]), message: message)
        }
    }
}
