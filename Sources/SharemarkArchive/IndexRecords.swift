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
    /// `FooterStyle.key`.
    var footerStyle: String?
    var assetOutsideArchive: Bool
    /// Stored as JSON.
    var problems: [StoredProblem]

    enum CodingKeys: String, CodingKey {
        case path, category, id, size, mtimeNs = "mtime_ns", title, hasFooter = "has_footer"
        case mirrorURL = "mirror_url", mirrorURLLine = "mirror_url_line", linkedMirrorURL = "linked_mirror_url"
        case linkLine = "link_line", qrImageURL = "qr_image_url", qrImageLine = "qr_image_line", qrAsset = "qr_asset"
        case originalURL = "original_url", originalLine = "original_line", originalKey = "original_key", date
        case invalidUTF8 = "invalid_utf8", hasBOM = "has_bom", crlf
        case mirrorOwner = "mirror_owner", mirrorRepository = "mirror_repository", mirrorBranch = "mirror_branch"
        case aliasUsed = "alias_used", legacyImage = "legacy_image", imageForm = "image_form", footerStyle = "footer_style"
        case assetOutsideArchive = "asset_outside_archive", problems
    }

    /// Reads the row by column name (the coding keys' names), without going through Decodable:
    /// lookups decode a row per call, and GRDB's generic decoding was most of their time.
    init(row: Row) throws {
        typealias K = CodingKeys
        path = row[K.path.rawValue]
        category = row[K.category.rawValue]
        id = row[K.id.rawValue]
        size = row[K.size.rawValue]
        mtimeNs = row[K.mtimeNs.rawValue]
        title = row[K.title.rawValue]
        hasFooter = row[K.hasFooter.rawValue]
        mirrorURL = row[K.mirrorURL.rawValue]
        mirrorURLLine = row[K.mirrorURLLine.rawValue]
        linkedMirrorURL = row[K.linkedMirrorURL.rawValue]
        linkLine = row[K.linkLine.rawValue]
        qrImageURL = row[K.qrImageURL.rawValue]
        qrImageLine = row[K.qrImageLine.rawValue]
        qrAsset = row[K.qrAsset.rawValue]
        originalURL = row[K.originalURL.rawValue]
        originalLine = row[K.originalLine.rawValue]
        originalKey = row[K.originalKey.rawValue]
        date = row[K.date.rawValue]
        invalidUTF8 = row[K.invalidUTF8.rawValue]
        hasBOM = row[K.hasBOM.rawValue]
        crlf = row[K.crlf.rawValue]
        mirrorOwner = row[K.mirrorOwner.rawValue]
        mirrorRepository = row[K.mirrorRepository.rawValue]
        mirrorBranch = row[K.mirrorBranch.rawValue]
        aliasUsed = row[K.aliasUsed.rawValue]
        legacyImage = row[K.legacyImage.rawValue]
        imageForm = row[K.imageForm.rawValue]
        footerStyle = row[K.footerStyle.rawValue]
        assetOutsideArchive = row[K.assetOutsideArchive.rawValue]
        problems = try Self.decodeProblems(row[K.problems.rawValue])
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
        footerStyle = r.page.footerStyle?.key
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
