import SharemarkArchive
import SharemarkQR

/// An article as the API shows it: identity, share links, original link and date.
public struct ArticleSummary: Codable, Sendable, Equatable {
    public var title: String?
    public var category: String
    public var id: String
    public var mirrorURL: String?
    /// nil when the archive's repository is unknown (no URL is ever invented).
    public var canonicalMirrorURL: String?
    public var qrImageURL: String?
    public var originalURL: String?
    public var date: String?
    /// The archive the article is in, when the service serves several (nil: left out).
    public var archive: String?

    /// The link readers are given, and that the share QR encodes (`Article.shareURL`): the
    /// printed mirror URL when it reaches the page, else the canonical one; nil when neither
    /// is known.
    public var shareURL: String?

    public init(title: String?, category: String, id: String, mirrorURL: String?, canonicalMirrorURL: String?,
                qrImageURL: String?, originalURL: String?, date: String?, shareURL: String?? = nil) {
        self.shareURL = shareURL ?? (mirrorURL ?? canonicalMirrorURL)
        self.title = title
        self.category = category
        self.id = id
        self.mirrorURL = mirrorURL
        self.canonicalMirrorURL = canonicalMirrorURL
        self.qrImageURL = qrImageURL
        self.originalURL = originalURL
        self.date = date
    }
}

/// What the server knows of one article: what it shows, and where the QR asset lies.
public struct CatalogEntry: Sendable, Equatable {
    public var summary: ArticleSummary
    /// The archive-relative PNG the page references, when it has one.
    public var qrAsset: ArchivePath?

    public init(summary: ArticleSummary, qrAsset: ArchivePath?) {
        self.summary = summary
        self.qrAsset = qrAsset
    }
}

/// The read side of an archive index, as the server uses it. One value is one opened index; a
/// rebuilt index is opened as a new value and swapped in (see `CatalogStore`).
public protocol ArticleCatalog: Sendable {
    /// The archive root directory; QR assets are relative to it.
    var archiveRoot: String { get }
    /// The archive's name: `owner/repository`, or its folder's name when the repository is unknown.
    var archiveName: String { get }
    /// How share QR codes are drawn when the asset has to be rendered (the archive's `[qr]`).
    var style: QROptions { get }
    func article(category: String, id: String) throws -> CatalogEntry?
    /// Every article with this id, in any category.
    func articles(id: String) throws -> [CatalogEntry]
    func search(_ query: String, limit: Int) throws -> [CatalogEntry]
    func articleCount() throws -> Int
}
