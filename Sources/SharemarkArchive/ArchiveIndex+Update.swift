import Dispatch
import Foundation
import GRDB
internal import GRDBSQLite
import Synchronization

/// Bringing the index up to date with the disk: scan, diff against what it knows, one write
/// transaction (pages parsed in parallel while rows go in), the WAL copied back after.
extension ArchiveIndex {
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
        var clock = PhaseClock()
        let fileConfig = try ArchiveIndex.fileConfig(archive: archive, reading: readsConfigFile, over: config)
        let forms = FormsKey(fileConfig)

        // When every page will be read (no rows yet, or forms changed), the pages' sizes and
        // times come from the reads (`parse`), not from a stat of each in the scan. (Should
        // the index change meanwhile, the pages without them count as changed: read again.)
        let readsEveryPage = try pool.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT NOT EXISTS (SELECT 1 FROM pages) OR (SELECT value FROM meta WHERE key = 'forms') IS NOT ?
                """, arguments: [forms.text])!
        }
        let scan = ArchiveScanner.scan(archive: archive, pagesFolder: fileConfig.pagesFolder, statPages: !readsEveryPage)
        progress?(.scanned(pages: scan.pages.count, assets: scan.assets.count))
        clock.mark("scanned")

        // After the scan: the known rows made first, the scan's lists on other threads took
        // 35 MB more at the peak (300,000 pages).
        let known = try readKnownFiles(forms: forms)
        clock.mark("read known rows")
        let changes = IndexChanges(scan: scan, known: known)

        let newConfig = changes.isEmpty
            ? try refreshAliases()
            : try write(changes, known: known, forms: forms, parsingWith: fileConfig, progress: progress, clock: &clock)
        let totals = try readTotals()
        state.withLock { $0 = newConfig }
        checkpointInBackground()
        clock.mark("committed")

        return UpdateSummary(
            scanned: scan.pages.count, parsed: changes.pages.count, unchanged: scan.pages.count - changes.pages.count,
            removed: changes.removedPages.count, assets: scan.assets.count, assetsRemoved: changes.removedAssets.count,
            pagesWithoutFooter: totals.pagesWithoutFooter, invalidUTF8Pages: totals.invalidUTF8Pages,
            problems: scan.problems + totals.problems, seconds: clock.seconds)
    }

    /// Copies the WAL into the database file on the writer's queue, while the caller goes on
    /// (`regen` renders meanwhile): done inside the commit, as SQLite does by default, it held
    /// up every command after an update of thousands of pages. Then the WAL is truncated: the
    /// next process to open the index reads the whole WAL to rebuild its shared index, a
    /// quarter of a second for the 85 MB an index of 100,000 pages leaves. A process that ends
    /// before it is done loses nothing: the WAL stays valid, and the next update's checkpoint
    /// copies it.
    ///
    /// Without waiting: a truncating checkpoint that waits for readers (the busy timeout) keeps
    /// every other writer out meanwhile. With readers in the WAL it copies what it can, as a
    /// passive one does, and leaves the WAL for the next.
    func checkpointInBackground() {
        pool.asyncWriteWithoutTransaction { db in
            let connection = db.sqliteConnection
            sqlite3_busy_timeout(connection, 0)
            defer { sqlite3_busy_timeout(connection, ArchiveIndex.busyTimeoutMilliseconds) }
            _ = sqlite3_wal_checkpoint_v2(connection, "main", SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
        }
    }

    /// How long a connection waits for another's lock (`Configuration.busyMode`).
    static let busyTimeoutMilliseconds: Int32 = 10_000

    /// Waits for the checkpoint an update started. Every command that updates the index calls
    /// this before it ends (after its own work, which the checkpoint overlaps), so that the
    /// index it leaves has its WAL copied in and emptied.
    public func waitForCheckpoint() {
        pool.writeWithoutTransaction { _ in }
    }

    /// The URL forms and pages folder the rows were read with: when they change, every page is
    /// read again.
    struct FormsKey: Equatable {
        var text: String
        init(_ config: ArchiveConfig) {
            text = "\(Self.readingRules)\n\(config.mirrorForm.text)\n\(config.cdnForm.text)\n\(config.pagesFolder)"
                + "\n\(config.limits.pageBytes)"
        }

        /// The version of what reading a page records (problems, assets): a row read under
        /// other rules is read again.
        static let readingRules = "rules-2"
    }

    /// What the index holds of each file: enough to tell whether it changed on disk.
    struct KnownFiles {
        struct Stamp: Equatable { var size: Int64; var mtimeNs: Int64 }
        var pages: [String: Stamp] = [:]
        var assets: [String: Stamp] = [:]
        /// The forms changed since the last update: every page counts as changed.
        var formsChanged = false
    }

    private func readKnownFiles(forms: FormsKey) throws -> KnownFiles {
        try pool.read { db in
            var known = KnownFiles()
            known.pages = try Self.stamps(db, table: "pages")
            known.assets = try Self.stamps(db, table: "assets")
            known.formsChanged = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'forms'") != forms.text
            return known
        }
    }

    /// Path, size and mtime of every row of `table`, stepped with SQLite's own calls: every
    /// command reads them all, and GRDB's `Row` (a column-name table per row) cost more than
    /// the SELECT on large archives.
    private static func stamps(_ db: Database, table: String) throws -> [String: KnownFiles.Stamp] {
        var stamps: [String: KnownFiles.Stamp] = [:]
        try PageRow.step(db.makeStatement(sql: "SELECT path, size, mtime_ns FROM \(table)")) { handle in
            guard let path = sqlite3_column_text(handle, 0) else {
                throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "NULL path in a row of \(table)")
            }
            stamps[String(cString: path)] = .init(size: sqlite3_column_int64(handle, 1), mtimeNs: sqlite3_column_int64(handle, 2))
        }
        return stamps
    }

    /// The difference between the disk and the index: files new or changed, and files gone.
    struct IndexChanges {
        var pages: [PageFile] = []
        var removedPages: [String] = []
        var assets: [AssetFile] = []
        var removedAssets: [String] = []
        var formsChanged = false

        var isEmpty: Bool {
            pages.isEmpty && removedPages.isEmpty && assets.isEmpty && removedAssets.isEmpty && !formsChanged
        }

        init(scan: ArchiveScanner.Result, known: KnownFiles) {
            formsChanged = known.formsChanged
            (pages, removedPages) = Self.diff(scan.pages, \.path.value, { KnownFiles.Stamp(size: $0.size, mtimeNs: $0.mtimeNs) },
                                              known: known.pages, all: known.formsChanged)
            (assets, removedAssets) = Self.diff(scan.assets, \.path.value, { KnownFiles.Stamp(size: $0.size, mtimeNs: $0.mtimeNs) },
                                                known: known.assets, all: false)
        }

        /// Files on disk that are new or changed (all of them when `all`), and known paths no
        /// longer on disk.
        private static func diff<File>(_ files: [File], _ path: (File) -> String, _ stamp: (File) -> KnownFiles.Stamp,
                                       known: [String: KnownFiles.Stamp], all: Bool) -> ([File], [String]) {
            var matched = 0
            let changed = files.filter { file in
                guard let old = known[path(file)] else { return true }
                matched += 1
                return all || old != stamp(file)
            }
            // Paths are unique on both sides, so when every known row was seen, none was
            // removed (which spares building a set of 100,000 paths on a no-op run).
            guard matched != known.count else { return (changed, []) }
            let present = Set(files.map(path))
            return (changed, known.keys.filter { !present.contains($0) })
        }
    }

    /// Nothing on disk changed: only a change of configuration can change which pages use an
    /// alias.
    private func refreshAliases() throws -> ArchiveConfig {
        let inferred = try pool.read { db in try ArchiveIndex.storedInference(db) } ?? config
        let config = try ArchiveIndex.fileConfig(archive: archive, reading: readsConfigFile, over: inferred)
        let marked = try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'aliases_for'") }
        if marked != ArchiveIndex.aliasKey(config) {
            try pool.write { db in try ArchiveIndex.markAliases(db, config: config) }
        }
        return config
    }

    /// The write phase, one transaction: rows of removed and re-read pages deleted, new and
    /// changed pages read, parsed and inserted (with their titles in the full-text index),
    /// assets brought up to date, then the configuration inferred again from all footers and
    /// the alias flags set for it.
    ///
    /// The pages are parsed on other threads while this one inserts the rows already parsed:
    /// SQLite takes rows from one thread, and inserting after all parsing had left a core idle
    /// for as long as the inserts took.
    private func write(_ changes: IndexChanges, known: KnownFiles, forms: FormsKey, parsingWith config: ArchiveConfig,
                       progress: (@Sendable (UpdateProgress) -> Void)?, clock: inout PhaseClock) throws -> ArchiveConfig {
        let archive = self.archive
        // In path order, so that the path, category and asset indexes grow at their ends (the
        // scanner lists files in directory order).
        var files = changes.pages
        if !files.indices.dropFirst().allSatisfy({ files[$0 - 1].path < files[$0].path }) {
            files.sort { $0.path < $1.path }
        }
        let config = try pool.write { db -> ArchiveConfig in
            // `title_fts` reads its text from `pages`: a row's title leaves it with the text it
            // was indexed with, before the row goes.
            let deleteTitle = try db.makeStatement(sql: """
                INSERT INTO title_fts (title_fts, rowid, title) SELECT 'delete', rowid, title FROM pages WHERE path = ?
                """)
            // Pages read again: those the index already had (none when it is built from nothing).
            let reread = known.pages.isEmpty ? [] : files.lazy.map(\.path.value).filter { known.pages[$0] != nil }
            for path in changes.removedPages + reread {
                try deleteTitle.execute(arguments: [path])
                _ = try PageRow.deleteOne(db, key: ["path": path])
            }
            // A cache for the whole write, so that the indexes' pages stay in memory instead of
            // being spilled to the WAL and read back (SQLite's default is 2 MiB); about 1 KiB
            // per new row, within 8 MiB to 64 MiB. A larger cap made 300,000 pages no faster
            // and only raised the peak memory by what it allowed (256 MiB cost 140 MiB more).
            let cacheKiB = min(max(files.count, 8192), 65_536)
            try db.execute(sql: "PRAGMA cache_size = -\(cacheKiB)")
            defer { try? db.execute(sql: "PRAGMA cache_size = -2000") }
            // Into an empty table, the indexes whose order is not the rows' (path) order are
            // dropped and made again after the rows, each by one sort, rather than grown by an
            // insert at a random place per row. Within the transaction: a crash leaves them as
            // they were, and readers see either the old index or the new one.
            let fromNothing = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM pages)")!
            let deferredIndexes = fromNothing
                ? try Row.fetchAll(db, sql: """
                    SELECT name, sql FROM sqlite_schema
                    WHERE type = 'index' AND tbl_name = 'pages' AND name IN ('pages_id', 'pages_original_key')
                    """).map { (name: $0[0] as String, sql: $0[1] as String) }
                : []
            for index in deferredIndexes { try db.execute(sql: "DROP INDEX \(index.name)") }
            var inserter = try PageRow.Inserter(db)
            let insertStyle = try db.makeStatement(sql: "INSERT OR IGNORE INTO footer_styles (key) VALUES (?)")
            let styleID = try db.makeStatement(sql: "SELECT id FROM footer_styles WHERE key = ?")
            // Pages share a few footer styles: each style's row is found or made once. The last
            // style found is compared first: most pages of an archive share one, and comparing
            // costs less than hashing the whole style again.
            var styleIDs: [FooterStyle.Spelling: Int64] = [:]
            var lastStyle: (style: FooterStyle.Spelling, id: Int64)?
            var firstNewRow: Int64?
            // Into an empty table the new rows are all the rows: what inference counts is
            // counted as they go in, instead of by a query that sorts them all afterwards.
            var counts = InferenceCounts()
            try ArchiveIndex.parse(files, archive: archive, mirrorForm: config.mirrorForm, cdnForm: config.cdnForm,
                                   pageLimit: config.limits.pageBytes, progress: progress) { page in
                let style = try page.footerStyle.map { learned in
                    let style = FooterStyle.Spelling(style: learned)
                    if let lastStyle, lastStyle.style == style { return lastStyle.id }
                    let id: Int64
                    if let known = styleIDs[style] {
                        id = known
                    } else {
                        let key = learned.key
                        try insertStyle.execute(arguments: [key])
                        id = try Int64.fetchOne(styleID, arguments: [key])!
                        styleIDs[style] = id
                    }
                    lastStyle = (style, id)
                    return id
                }
                try inserter.insert(page.row, footerStyleID: style)
                firstNewRow = firstNewRow ?? db.lastInsertedRowID
                if fromNothing {
                    counts.add(owner: page.row.mirrorOwner, repository: page.row.mirrorRepository, branch: page.row.mirrorBranch,
                               imageForm: page.row.imageForm, styleID: style, path: page.row.path, pages: 1)
                }
            }
            progress?(.writing)
            clock.mark("parsed and inserted \(files.count)")
            for index in deferredIndexes { try db.execute(sql: index.sql) }
            clock.mark("indexed")
            // The new rows' titles in one statement: a new row's rowid is above every older one's
            // (INTEGER PRIMARY KEY without AUTOINCREMENT takes the largest plus one).
            if let firstNewRow {
                try db.execute(sql: "INSERT INTO title_fts (rowid, title) SELECT rowid, title FROM pages WHERE rowid >= ?",
                               arguments: [firstNewRow])
            }
            for path in changes.removedAssets { _ = try AssetRow.deleteOne(db, key: path) }
            for asset in changes.assets { try AssetRow(asset).insert(db, onConflict: .replace) }
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('forms', ?)", arguments: [forms.text])
            clock.mark("indexed titles")

            let inferred = fromNothing ? try counts.config(db) : try ArchiveIndex.inferConfig(db)
            try ArchiveIndex.storeInference(db, inferred)
            let config = try ArchiveIndex.fileConfig(archive: archive, reading: readsConfigFile, over: inferred)
            try ArchiveIndex.markAliases(db, config: config)
            clock.mark("inferred the configuration")
            return config
        }
        clock.mark("rows written")
        return config
    }

    /// Counts over all indexed pages, and every page's problems.
    private func readTotals() throws -> (pagesWithoutFooter: Int, invalidUTF8Pages: Int, problems: [Problem]) {
        try pool.read { db in
            // Only the flagged pages, from their partial index (migration v7-totals): every
            // command runs an update, and reading every row for these counts took a tenth of a
            // second on 100,000 pages.
            var withoutFooter = 0, invalidUTF8 = 0
            var problems: [Problem] = []
            let rows = try Row.fetchCursor(db, sql: """
                SELECT has_footer = 0, invalid_utf8 != 0, path, problems FROM pages WHERE \(ArchiveIndex.flagged) ORDER BY path
                """)
            while let row = try rows.next() {
                if row[0] as Bool { withoutFooter += 1 }
                if row[1] as Bool { invalidUTF8 += 1 }
                let path: String = row[2], json: String = row[3]
                if json != "[]" {
                    problems += try PageRow.decodeProblems(json).map { Problem($0.kind, file: path, line: $0.line, message: $0.message) }
                }
            }
            return (withoutFooter, invalidUTF8, problems)
        }
    }

    /// The condition of the `pages_flagged` partial index: pages that count in the totals.
    static let flagged = "(has_footer = 0 OR invalid_utf8 != 0 OR problems != '[]')"

    /// A page read and parsed: its row, but for the id of its footer style's row, which the
    /// write phase finds or makes once per style.
    struct ParsedPage: Sendable {
        var row: PageRow
        var footerStyle: FooterStyle?
    }

    /// Reads and parses pages on all cores, and makes their rows there too; `consume` takes
    /// them in the order of `files`, on the calling thread, while later ones are parsed.
    static func parse(_ files: [PageFile], archive: String, mirrorForm: URLTemplate, cdnForm: URLTemplate,
                      pageLimit: Int = ReadLimits.standard.pageBytes, progress: (@Sendable (UpdateProgress) -> Void)?, consume: (ParsedPage) throws -> Void) throws {
        let total = files.count
        let done = Atomic<Int>(0)
        // Each thread parses with its own copies of the templates: shared reference-counted
        // storage would make the threads contend on its counts.
        try parallelStream(count: total, jobs: availableProcessors, state: {
            (parser: PageParser(mirrorForm: (try? URLTemplate(mirrorForm.text)) ?? mirrorForm),
             cdnForm: (try? URLTemplate(cdnForm.text)) ?? cdnForm,
             reader: ConfinedPath.FolderReader(archive: archive))
        }, { state, i in
            let parser = state.parser, cdnForm = state.cdnForm
            var file = files[i]
            var record: PageRecord
            let read: Result<[UInt8], ConfinedPath.Failure>
            if file.size > pageLimit {
                // Over the cap by the scan's stat: not opened.
                read = .failure(.tooLarge(file.path.value, size: file.size, limit: pageLimit))
            } else {
                read = state.reader.read(relative: file.path.value, limit: pageLimit)
                // The row keeps the size and time the open file had just before it was read:
                // the stamp of the text the row holds, whatever changed since the scan (and
                // the only one when the scan did not stat the pages).
                if let stamp = state.reader.stamp {
                    file.size = stamp.size
                    file.mtimeNs = stamp.mtimeNs
                }
            }
            switch read {
            case .success(let bytes):
                record = PageRecord(file: file, page: parser.parse(bytes), mirrorForm: parser.mirrorForm, cdnForm: cdnForm)
            case .failure(let failure):
                let page = Page(title: nil, footer: nil, datelineDate: nil, invalidUTF8: false, hasBOM: false, usesCRLF: false)
                record = PageRecord(file: file, page: page, mirrorForm: parser.mirrorForm, cdnForm: cdnForm)
                if case .tooLarge(_, let size, let limit) = failure {
                    record.problems = [Problem(.fileTooLarge, file: file.path.value,
                                               message: "the page has \(size) bytes, more than the limit of \(limit) (limits.page_bytes); it is not read")]
                } else {
                    record.problems = [Problem(.pageUnreadable, file: file.path.value, message: "cannot read: \(failure)")]
                }
            }
            let n = done.add(1, ordering: .relaxed).newValue
            if n % 256 == 0 || n == total { progress?(.parsing(done: n, total: total)) }
            return ParsedPage(row: PageRow(record), footerStyle: record.page.footerStyle)
        }, consume: { _, page in try consume(page) })
    }
}
