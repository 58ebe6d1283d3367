import Foundation
import GRDB
internal import GRDBSQLite

/// A row of the index's `pages` table: what reading a page left to keep. Its URLs are held
/// whole here; the table stores a URL that ends in what the row holds anyway (the page's
/// encoded path, its asset's, the original URL's key) as a prefix shared by many rows (a row
/// of `url_prefixes`) and derives it again when reading (`StoredURLs`).
struct PageRow: TableRecord {
    static let databaseTableName = "pages"

    var path: String
    var category: String
    var id: String
    var size: Int64
    var mtimeNs: Int64
    var title: String?
    var hasFooter: Bool
    var mirrorURL: String?
    var mirrorURLLine: Int?
    var linkedMirrorURL: String?
    var linkLine: Int?
    var qrImageURL: String?
    var qrImageLine: Int?
    /// What the footer's image link names (`Article.imageLinkTarget`); the page's own asset is
    /// derived from `path`, never stored.
    var imageLinkTarget: String?
    var originalURL: String?
    var originalLine: Int?
    /// The original URL reduced for lookups (`URLText.originalKey`).
    var originalKey: String?
    var date: String?
    var invalidUTF8: Bool
    var hasBOM: Bool
    var crlf: Bool
    var mirrorOwner: String?
    var mirrorRepository: String?
    var mirrorBranch: String?
    /// Set by `ArchiveIndex.markAliases` for the configuration in force.
    var aliasUsed: Bool
    var legacyImage: Bool
    var imageForm: ImageLinkForm?
    /// The row of `footer_styles` holding the footer's `FooterStyle.key`.
    var footerStyleID: Int64?
    var assetOutsideArchive: Bool
    /// Stored as JSON.
    var problems: [StoredProblem]

    /// The table's columns, the one list of them: what rows are inserted with and read by.
    /// The URL columns hold a URL only when it is not stored as a prefix (`StoredURLs`).
    enum Columns: String, CaseIterable {
        case path, category, id, size, mtimeNs = "mtime_ns", title, hasFooter = "has_footer"
        case mirrorURL = "mirror_url", mirrorURLLine = "mirror_url_line", linkedMirrorURL = "linked_mirror_url"
        case linkLine = "link_line", qrImageURL = "qr_image_url", qrImageLine = "qr_image_line", imageLinkTarget = "qr_asset"
        case originalURL = "original_url", originalLine = "original_line", originalKey = "original_key", date
        case invalidUTF8 = "invalid_utf8", hasBOM = "has_bom", crlf
        case mirrorOwner = "mirror_owner", mirrorRepository = "mirror_repository", mirrorBranch = "mirror_branch"
        case aliasUsed = "alias_used", legacyImage = "legacy_image", imageForm = "image_form", footerStyleID = "footer_style_id"
        case assetOutsideArchive = "asset_outside_archive", problems
        case linkedPrefix = "linked_prefix", qrImagePrefix = "qr_image_prefix", originalPrefix = "original_prefix", derived
    }

    /// The column names, for the INSERT.
    static let columnList = Columns.allCases.map(\.rawValue).joined(separator: ", ")

    /// `SELECT` of whole rows from `source` (`pages`, or a join naming it): the table's columns
    /// in `Columns` order, then the text of each URL's prefix (`StoredURLs.Prefixed`). Every
    /// query that fetches whole rows starts with this, and reads them with `fetchAll`.
    static func select(from source: String = "pages") -> String {
        let columns = Columns.allCases.map { "pages.\($0.rawValue)" }.joined(separator: ", ")
        let prefixes = StoredURLs.Prefixed.allCases.map { "\($0.alias).text" }.joined(separator: ", ")
        let joins = StoredURLs.Prefixed.allCases
            .map { " LEFT JOIN url_prefixes AS \($0.alias) ON \($0.alias).id = pages.\($0.column.rawValue)" }.joined()
        return "SELECT \(columns), \(prefixes) FROM \(source)\(joins)"
    }

    /// Every row of `statement` (which selects `select(from:)`), stepped and read by position
    /// with SQLite's own calls. Lookups fetch a row per call, and GRDB's `Row` (a lower-cased
    /// column-name table made per fetch, then a name lookup per column) cost more than the SELECT.
    static func fetchAll(_ statement: Statement, arguments: StatementArguments) throws -> [PageRow] {
        try fetchAll(statement, arguments: arguments) { $0 }
    }

    /// `fetchAll(_:arguments:)`, each row turned into what the caller keeps as it is read (all
    /// pages, for `regen`: no array of rows copied into an array of articles).
    static func fetchAll<T>(_ statement: Statement, arguments: StatementArguments,
                            _ transform: (consuming PageRow) throws -> T) throws -> [T] {
        try statement.setArguments(arguments)
        var rows: [T] = []
        try step(statement) { handle in rows.append(try transform(try PageRow(columnsOf: handle))) }
        return rows
    }

    /// Steps `statement` to its end with SQLite's own calls, `row` reading each row from the
    /// handle, and resets it, so that the read transaction the statement opened ends with it.
    static func step(_ statement: Statement, _ row: (SQLiteStatement) throws -> Void) throws {
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_ROW: try row(handle)
            case SQLITE_DONE: return
            case let code: throw stepFailure(code, statement)
            }
        }
    }

    /// Reads the current row of a stepped statement (`select(from:)`), making its stored URLs
    /// whole again (`StoredURLs`).
    init(columnsOf handle: SQLiteStatement) throws {
        var columns = ColumnReader(handle: handle)
        path = try columns.required(.path)
        category = try columns.required(.category)
        id = try columns.required(.id)
        size = try columns.required(.size)
        mtimeNs = try columns.required(.mtimeNs)
        title = columns.optional(.title)
        hasFooter = try columns.required(.hasFooter)
        mirrorURL = columns.optional(.mirrorURL)
        mirrorURLLine = columns.optional(.mirrorURLLine)
        linkedMirrorURL = columns.optional(.linkedMirrorURL)
        linkLine = columns.optional(.linkLine)
        qrImageURL = columns.optional(.qrImageURL)
        qrImageLine = columns.optional(.qrImageLine)
        imageLinkTarget = columns.optional(.imageLinkTarget)
        originalURL = columns.optional(.originalURL)
        originalLine = columns.optional(.originalLine)
        originalKey = columns.optional(.originalKey)
        date = columns.optional(.date)
        invalidUTF8 = try columns.required(.invalidUTF8)
        hasBOM = try columns.required(.hasBOM)
        crlf = try columns.required(.crlf)
        mirrorOwner = columns.optional(.mirrorOwner)
        mirrorRepository = columns.optional(.mirrorRepository)
        mirrorBranch = columns.optional(.mirrorBranch)
        aliasUsed = try columns.required(.aliasUsed)
        legacyImage = try columns.required(.legacyImage)
        let form: String? = columns.optional(.imageForm)
        imageForm = try form.map { name in
            guard let form = ImageLinkForm(rawValue: name) else { throw ColumnReader.corrupt("image_form '\(name)'") }
            return form
        }
        footerStyleID = columns.optional(.footerStyleID)
        assetOutsideArchive = try columns.required(.assetOutsideArchive)
        problems = try Self.decodeProblems(try columns.required(.problems))
        // Which URLs have a prefix, a bit each (no array made per row read).
        var prefixed = 0
        for url in StoredURLs.Prefixed.allCases where (columns.optional(url.column) as Int64?) != nil { prefixed |= 1 << url.rawValue }
        let flags = StoredURLs.Flags(rawValue: try columns.required(.derived))
        if prefixed != 0 {
            let encodedPath = PageAddress.encoded(path)
            for url in StoredURLs.Prefixed.allCases where prefixed & (1 << url.rawValue) != 0 {
                let textColumn = CInt(Columns.allCases.count + url.rawValue)
                guard let text = sqlite3_column_text(handle, textColumn),
                      let suffix = url.suffix(encodedPath: encodedPath, originalKey: originalKey) else {
                    throw ColumnReader.corrupt("\(url.column.rawValue) without its prefix or suffix")
                }
                let prefix = UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, textColumn)))
                self[url] = StoredURLs.joined(prefix, suffix)
            }
        }
        if flags.contains(.mirrorURLIsLinked) { mirrorURL = linkedMirrorURL }
        if flags.contains(.imageNamesOwnAsset) { imageLinkTarget = path + ".png" }
    }

    /// The columns of the current row, one after another in `Columns` order (debug builds
    /// check the order against the key asked for).
    private struct ColumnReader {
        let handle: SQLiteStatement
        var next: CInt = 0

        mutating func column(_ key: Columns) -> CInt {
            assert(Columns.allCases[Int(next)] == key, "\(key) read as column \(next)")
            defer { next += 1 }
            return next
        }

        mutating func optional<V: StatementColumnConvertible>(_ key: Columns) -> V? {
            let index = column(key)
            return sqlite3_column_type(handle, index) == SQLITE_NULL ? nil : V(sqliteStatement: handle, index: index)
        }

        /// A NULL in a NOT NULL column means the index is corrupt: that throws, as GRDB's
        /// decoding did, instead of reading a default.
        mutating func required<V: StatementColumnConvertible>(_ key: Columns) throws -> V {
            guard let value: V = optional(key) else { throw Self.corrupt("NULL \(key.rawValue)") }
            return value
        }

        static func corrupt(_ what: String) -> DatabaseError {
            DatabaseError(resultCode: .SQLITE_CORRUPT, message: "\(what) in a row of pages")
        }
    }

    /// The error of a step of `statement` that failed with `code`. Its connection's message
    /// is that step's only until the next call on the connection: make this at once.
    private static func stepFailure(_ code: CInt, _ statement: Statement) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code),
                      message: String(cString: sqlite3_errmsg(sqlite3_db_handle(statement.sqliteStatement))), sql: statement.sql)
    }

    /// The prepared INSERT of a whole row, its parameters in `Columns` order (`Inserter`).
    static func insertStatement(_ db: Database) throws -> Statement {
        let placeholders = Array(repeating: "?", count: Columns.allCases.count).joined(separator: ", ")
        return try db.makeStatement(sql: "INSERT INTO \(databaseTableName) (\(columnList)) VALUES (\(placeholders))")
    }

    /// A column's value as the inserter binds it: the row's text lies in one buffer per row.
    enum BoundValue {
        case null
        case integer(Int64)
        /// A range of the inserter's text buffer (UTF-8).
        case text(Range<Int>)
    }

    /// The row's value for a column, its text appended to `text`; `footerStyleID` is the
    /// column's value, found or made by the caller for the row's footer style, and `stored`
    /// how the row's URLs are stored (a URL stored as a prefix or a flag is NULL in its column).
    private func bound(_ key: Columns, footerStyleID: Int64?, stored: StoredURLs, text: inout [UInt8]) throws -> BoundValue {
        func string(_ value: String?) -> BoundValue {
            guard let value else { return .null }
            let start = text.count
            text.append(contentsOf: value.utf8)
            return .text(start..<text.count)
        }
        func integer(_ value: Int?) -> BoundValue { value.map { .integer(Int64($0)) } ?? .null }
        // GRDB stores booleans as 0 and 1: rows written here read back the same.
        func flag(_ value: Bool) -> BoundValue { .integer(value ? 1 : 0) }
        switch key {
        case .path: return string(path)
        case .category: return string(category)
        case .id: return string(id)
        case .size: return .integer(size)
        case .mtimeNs: return .integer(mtimeNs)
        case .title: return string(title)
        case .hasFooter: return flag(hasFooter)
        case .mirrorURL: return stored.flags.contains(.mirrorURLIsLinked) ? .null : string(mirrorURL)
        case .mirrorURLLine: return integer(mirrorURLLine)
        case .linkedMirrorURL: return stored.prefixID(.linkedMirrorURL) != nil ? .null : string(linkedMirrorURL)
        case .linkLine: return integer(linkLine)
        case .qrImageURL: return stored.prefixID(.qrImageURL) != nil ? .null : string(qrImageURL)
        case .qrImageLine: return integer(qrImageLine)
        case .imageLinkTarget: return stored.flags.contains(.imageNamesOwnAsset) ? .null : string(imageLinkTarget)
        case .originalURL: return stored.prefixID(.originalURL) != nil ? .null : string(originalURL)
        case .originalLine: return integer(originalLine)
        case .originalKey: return string(originalKey)
        case .date: return string(date)
        case .invalidUTF8: return flag(invalidUTF8)
        case .hasBOM: return flag(hasBOM)
        case .crlf: return flag(crlf)
        case .mirrorOwner: return string(mirrorOwner)
        case .mirrorRepository: return string(mirrorRepository)
        case .mirrorBranch: return string(mirrorBranch)
        case .aliasUsed: return flag(aliasUsed)
        case .legacyImage: return flag(legacyImage)
        case .imageForm: return string(imageForm?.rawValue)
        case .footerStyleID: return footerStyleID.map { .integer($0) } ?? .null
        case .assetOutsideArchive: return flag(assetOutsideArchive)
        case .problems: return string(try Self.encodeProblems(problems))
        case .linkedPrefix: return stored.prefixID(.linkedMirrorURL).map { .integer($0) } ?? .null
        case .qrImagePrefix: return stored.prefixID(.qrImageURL).map { .integer($0) } ?? .null
        case .originalPrefix: return stored.prefixID(.originalURL).map { .integer($0) } ?? .null
        case .derived: return .integer(stored.flags.rawValue)
        }
    }

    /// Inserts whole rows through one prepared statement, for one transaction. Each value is
    /// bound with SQLite's C API from one buffer holding the row's text: GRDB's arguments
    /// (an existential and a `DatabaseValue` per column, the strings copied again by SQLite)
    /// cost several times SQLite's own work per row, and `sharemark index` writes every page.
    struct Inserter {
        private let statement: Statement
        private var text: [UInt8] = []
        private var values: [BoundValue] = []
        private var prefixes: StoredURLs.Finder
        private static let keys = Columns.allCases

        init(_ db: Database) throws {
            statement = try PageRow.insertStatement(db)
            prefixes = try StoredURLs.Finder(db)
            text.reserveCapacity(4096)
            values.reserveCapacity(Self.keys.count)
        }

        /// Inserts `row` with `footerStyleID` in place of the row's own.
        mutating func insert(_ row: PageRow, footerStyleID: Int64?) throws {
            text.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            let stored = try prefixes.stored(row)
            for key in Self.keys { values.append(try row.bound(key, footerStyleID: footerStyleID, stored: stored, text: &text)) }
            let sqliteStatement = statement.sqliteStatement
            let failure = text.withUnsafeBufferPointer { buffer -> DatabaseError? in
                for (n, value) in values.enumerated() {
                    let index = CInt(n + 1)
                    switch value {
                    case .null: sqlite3_bind_null(sqliteStatement, index)
                    case .integer(let v): sqlite3_bind_int64(sqliteStatement, index, v)
                    case .text(let range):
                        // The buffer outlives the step below, after which the bindings are
                        // cleared: SQLite need not copy the text. An empty range may have no
                        // address, which SQLite would bind as NULL: SQLite copies "" instead.
                        if range.isEmpty {
                            sqlite3_bind_text(sqliteStatement, index, "", 0, SQLiteDestructor.copy)
                        } else {
                            let start = UnsafeRawPointer(buffer.baseAddress! + range.lowerBound).assumingMemoryBound(to: CChar.self)
                            sqlite3_bind_text(sqliteStatement, index, start, CInt(range.count), SQLiteDestructor.noCopy)
                        }
                    }
                }
                let code = sqlite3_step(sqliteStatement)
                let failure = code == SQLITE_DONE ? nil : stepFailure(code, statement)
                sqlite3_reset(sqliteStatement)
                sqlite3_clear_bindings(sqliteStatement)
                return failure
            }
            if let failure { throw failure }
        }
    }

    /// SQLite's destructor arguments, which C spells as casts of 0 and -1: text the caller keeps
    /// valid until the statement is done with it, or text SQLite copies at once.
    private enum SQLiteDestructor {
        static let noCopy: sqlite3_destructor_type? = nil
        static let copy = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    }

    /// The `problems` column's JSON (`decodeProblems` reads it back).
    static func encodeProblems(_ problems: [StoredProblem]) throws -> String {
        problems.isEmpty ? "[]" : String(decoding: try JSONEncoder().encode(problems), as: UTF8.self)
    }

    /// The `problems` column's JSON.
    static func decodeProblems(_ json: String) throws -> [StoredProblem] {
        json == "[]" ? [] : try JSONDecoder().decode([StoredProblem].self, from: Data(json.utf8))
    }

    /// A problem of the page, without its file (the row's path).
    struct StoredProblem: Codable, Hashable {
        var kind: Problem.Kind
        var line: Int?
        var message: String
    }

    /// The row for a parsed page. Its `footerStyleID` stays nil: the write phase finds or
    /// makes the footer style's row once per style and gives it to `Inserter.insert`.
    init(_ r: PageRecord) {
        let f = r.page.footer
        path = r.file.path.value
        category = r.file.category
        id = r.file.id
        size = r.file.size
        mtimeNs = r.file.mtimeNs
        title = r.page.title
        hasFooter = f != nil
        mirrorURL = f?.printedMirrorURL
        mirrorURLLine = f?.printedMirrorLine
        linkedMirrorURL = f?.linkedMirrorURL
        linkLine = f?.linkLine
        qrImageURL = f?.qrImageURL
        qrImageLine = f?.qrImageLine
        imageLinkTarget = r.imageLinkTarget?.value
        originalURL = f?.originalURL
        originalLine = f?.originalLine
        originalKey = f?.originalURL.map { URLText.originalKey($0) }
        date = r.date
        invalidUTF8 = r.page.invalidUTF8
        hasBOM = r.page.hasBOM
        crlf = r.page.usesCRLF
        mirrorOwner = r.mirrorOwner
        mirrorRepository = r.mirrorRepository
        mirrorBranch = r.mirrorBranch
        aliasUsed = false
        legacyImage = r.imageLinkForm == .blob
        imageForm = r.imageLinkForm
        footerStyleID = nil
        assetOutsideArchive = r.assetOutsideArchive
        problems = r.problems.map { StoredProblem(kind: $0.kind, line: $0.line, message: $0.message) }
    }

    /// The page as an article, its canonical URLs made with `config`. A path that is not a valid
    /// archive path means the index is corrupt: that throws, it is not papered over.
    consuming func article(config: ArchiveConfig) throws -> Article {
        let pagePath = try ArchivePath(path)
        return Article(
            category: category, id: id, pagePath: pagePath, title: title,
            size: size, mtimeNs: mtimeNs, hasFooter: hasFooter,
            mirrorURL: mirrorURL, canonicalMirrorURL: config.mirrorURL(path: path),
            linkedMirrorURL: linkedMirrorURL, qrImageURL: qrImageURL,
            canonicalQRImageURL: hasFooter ? config.imageURL(path: path + ".png") : nil,
            qrAsset: hasFooter ? PageAddress(page: pagePath).asset : nil,
            imageLinkTarget: try imageLinkTarget.map { try ArchivePath($0) }, originalURL: originalURL, date: date,
            mirrorURLLine: mirrorURLLine, linkLine: linkLine, qrImageLine: qrImageLine,
            originalURLLine: originalLine, invalidUTF8: invalidUTF8, aliasUsed: aliasUsed,
            otherArchive: aliasUsed ? Self.otherArchive(owner: mirrorOwner, repository: mirrorRepository, config: config) : nil,
            imageLinkForm: imageForm, assetOutsideArchive: assetOutsideArchive,
            problems: problems.map { Problem($0.kind, file: path, line: $0.line, message: $0.message) })
    }

    /// `owner/repository` when the footer names another owner than the archive's (a repository
    /// of the same owner under another name is an old name of this one).
    static func otherArchive(owner: String?, repository: String?, config: ArchiveConfig) -> String? {
        guard let owner, let repository, config.knowsRepository, owner.lowercased() != config.owner.lowercased() else { return nil }
        return "\(owner)/\(repository)"
    }
}

/// A row of the index's `assets` table: a PNG file under the pages folder.
struct AssetRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "assets"

    var path: String
    var size: Int64
    var mtimeNs: Int64

    enum CodingKeys: String, CodingKey {
        case path, size, mtimeNs = "mtime_ns"
    }

    init(_ file: AssetFile) {
        path = file.path.value
        size = file.size
        mtimeNs = file.mtimeNs
    }

    /// The file, or an error when the stored path is not a valid archive path (a corrupt index).
    func file() throws -> AssetFile {
        AssetFile(path: try ArchivePath(path), size: size, mtimeNs: mtimeNs)
    }
}

extension ImageLinkForm: DatabaseValueConvertible {}
