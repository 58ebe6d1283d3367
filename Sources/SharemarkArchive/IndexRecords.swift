import Foundation
import GRDB

/// A row of the index's `pages` table: what reading a page left to keep (GRDB record; its
/// coding keys are the table's columns, the one list of them).
struct PageRow: Codable, FetchableRecord, PersistableRecord {
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
    var qrAsset: String?
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

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, category, id, size, mtimeNs = "mtime_ns", title, hasFooter = "has_footer"
        case mirrorURL = "mirror_url", mirrorURLLine = "mirror_url_line", linkedMirrorURL = "linked_mirror_url"
        case linkLine = "link_line", qrImageURL = "qr_image_url", qrImageLine = "qr_image_line", qrAsset = "qr_asset"
        case originalURL = "original_url", originalLine = "original_line", originalKey = "original_key", date
        case invalidUTF8 = "invalid_utf8", hasBOM = "has_bom", crlf
        case mirrorOwner = "mirror_owner", mirrorRepository = "mirror_repository", mirrorBranch = "mirror_branch"
        case aliasUsed = "alias_used", legacyImage = "legacy_image", imageForm = "image_form", footerStyleID = "footer_style_id"
        case assetOutsideArchive = "asset_outside_archive", problems
    }

    /// The SELECT list `init(row:)` reads, in `CodingKeys` order, each column prefixed with
    /// `table.` when given (for joins). Every query that fetches whole rows selects this list.
    static func columns(of table: String? = nil) -> String {
        CodingKeys.allCases.map { key in table.map { "\($0).\(key.rawValue)" } ?? key.rawValue }.joined(separator: ", ")
    }
    /// `columns()`, made once: lookups build their SQL from it on every call.
    static let columnList = columns()
    /// The same list for GRDB's query interface, which would otherwise select `*` (the table's
    /// order, which migrations that add columns make differ from `CodingKeys`).
    static var databaseSelection: [any SQLSelectable] { CodingKeys.allCases.map { Column($0.rawValue) } }

    /// Reads the row by position (the `columns(of:)` list), without going through Decodable
    /// or looking columns up by name: lookups decode a row per call, and GRDB's generic
    /// decoding, then its case-insensitive name lookup, were most of their time.
    init(row: Row) throws {
        typealias K = CodingKeys
        func value<V: DatabaseValueConvertible>(_ key: K) -> V { row[Self.position[key]!] }
        // Strings, integers and booleans (optional or not) straight from the SQLite statement,
        // without a DatabaseValue in between.
        func value<V: DatabaseValueConvertible & StatementColumnConvertible>(_ key: K) -> V { row[Self.position[key]!] }
        path = value(.path)
        category = value(.category)
        id = value(.id)
        size = value(.size)
        mtimeNs = value(.mtimeNs)
        title = value(.title)
        hasFooter = value(.hasFooter)
        mirrorURL = value(.mirrorURL)
        mirrorURLLine = value(.mirrorURLLine)
        linkedMirrorURL = value(.linkedMirrorURL)
        linkLine = value(.linkLine)
        qrImageURL = value(.qrImageURL)
        qrImageLine = value(.qrImageLine)
        qrAsset = value(.qrAsset)
        originalURL = value(.originalURL)
        originalLine = value(.originalLine)
        originalKey = value(.originalKey)
        date = value(.date)
        invalidUTF8 = value(.invalidUTF8)
        hasBOM = value(.hasBOM)
        crlf = value(.crlf)
        mirrorOwner = value(.mirrorOwner)
        mirrorRepository = value(.mirrorRepository)
        mirrorBranch = value(.mirrorBranch)
        aliasUsed = value(.aliasUsed)
        legacyImage = value(.legacyImage)
        let form: String? = value(.imageForm)
        imageForm = try form.map { name in
            guard let form = ImageLinkForm(rawValue: name) else {
                // What GRDB's decoding would have refused: the index is corrupt.
                throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "image_form '\(name)' in a row of pages")
            }
            return form
        }
        footerStyleID = value(.footerStyleID)
        assetOutsideArchive = value(.assetOutsideArchive)
        problems = try Self.decodeProblems(value(.problems))
    }

    private static let position = Dictionary(uniqueKeysWithValues: CodingKeys.allCases.enumerated().map { ($1, $0) })

    /// The row's value for a column. Inserts bind these in `CodingKeys` order to one prepared
    /// statement (`insert(into:)`): GRDB's Encodable persistence cost more per row than SQLite's
    /// own work, and `sharemark index` writes every page.
    private func value(for key: CodingKeys) throws -> (any DatabaseValueConvertible)? {
        switch key {
        case .path: path
        case .category: category
        case .id: id
        case .size: size
        case .mtimeNs: mtimeNs
        case .title: title
        case .hasFooter: hasFooter
        case .mirrorURL: mirrorURL
        case .mirrorURLLine: mirrorURLLine
        case .linkedMirrorURL: linkedMirrorURL
        case .linkLine: linkLine
        case .qrImageURL: qrImageURL
        case .qrImageLine: qrImageLine
        case .qrAsset: qrAsset
        case .originalURL: originalURL
        case .originalLine: originalLine
        case .originalKey: originalKey
        case .date: date
        case .invalidUTF8: invalidUTF8
        case .hasBOM: hasBOM
        case .crlf: crlf
        case .mirrorOwner: mirrorOwner
        case .mirrorRepository: mirrorRepository
        case .mirrorBranch: mirrorBranch
        case .aliasUsed: aliasUsed
        case .legacyImage: legacyImage
        case .imageForm: imageForm
        case .footerStyleID: footerStyleID
        case .assetOutsideArchive: assetOutsideArchive
        case .problems: try Self.encodeProblems(problems)
        }
    }

    /// Inserts the row through `statement`, made by `insertStatement(_:)` for the transaction.
    func insert(with statement: Statement) throws {
        let values: [(any DatabaseValueConvertible)?] = try CodingKeys.allCases.map { try value(for: $0) }
        try statement.execute(arguments: StatementArguments(values))
    }

    /// The prepared INSERT of a whole row, for `insert(with:)`.
    static func insertStatement(_ db: Database) throws -> Statement {
        let placeholders = Array(repeating: "?", count: CodingKeys.allCases.count).joined(separator: ", ")
        return try db.cachedStatement(sql: "INSERT INTO \(databaseTableName) (\(columnList)) VALUES (\(placeholders))")
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

    /// The row for a parsed page; `footerStyleID` is its footer style's row, which the caller
    /// finds or makes once per style.
    init(_ r: PageRecord, footerStyleID: Int64?) {
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
        qrAsset = r.qrAsset?.value
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
        self.footerStyleID = footerStyleID
        assetOutsideArchive = r.assetOutsideArchive
        problems = r.problems.map { StoredProblem(kind: $0.kind, line: $0.line, message: $0.message) }
    }

    /// The page as an article, its canonical URLs made with `config`. A path that is not a valid
    /// archive path means the index is corrupt: that throws, it is not papered over.
    func article(config: ArchiveConfig) throws -> Article {
        let pagePath = try ArchivePath(path)
        return Article(
            category: category, id: id, pagePath: pagePath, title: title,
            size: size, mtimeNs: mtimeNs, hasFooter: hasFooter,
            mirrorURL: mirrorURL, canonicalMirrorURL: config.mirrorURL(path: path),
            linkedMirrorURL: linkedMirrorURL, qrImageURL: qrImageURL,
            canonicalQRImageURL: hasFooter ? config.imageURL(path: path + ".png") : nil,
            qrAsset: try qrAsset.map { try ArchivePath($0) }, originalURL: originalURL, date: date,
            mirrorURLLine: mirrorURLLine, linkLine: linkLine, qrImageLine: qrImageLine,
            originalURLLine: originalLine, invalidUTF8: invalidUTF8, aliasUsed: aliasUsed,
            imageLinkForm: imageForm, assetOutsideArchive: assetOutsideArchive,
            problems: problems.map { Problem($0.kind, file: path, line: $0.line, message: $0.message) })
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
