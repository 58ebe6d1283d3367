import Foundation
import SharemarkArchive
import SharemarkQR

/// An `ArticleCatalog` over an opened `ArchiveIndex`.
public struct IndexCatalog: ArticleCatalog {
    public let index: ArchiveIndex
    public let style: QROptions

    public init(index: ArchiveIndex) {
        self.index = index
        let qr = index.config.qr
        self.style = qr
    }

    /// Opens the index of `archive` (at `indexPath`, or the archive's default place).
    /// An index being built from nothing (its file is new and its first update not committed)
    /// is refused, so that a reload keeps serving the previous index instead of answering 404.
    public static func open(archive: String, indexPath: String? = nil) throws -> IndexCatalog {
        let index = try ArchiveIndex(archive: archive, indexPath: indexPath)
        guard try index.hasBeenUpdated() else { throw IndexNotBuilt(path: index.databasePath) }
        return IndexCatalog(index: index)
    }

    public struct IndexNotBuilt: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "the index \(path) is being built and has no pages yet" }
    }

    public var archiveRoot: String { index.archive }

    public var archiveName: String { ArchiveFamily.name(of: index) }

    public func article(category: String, id: String) throws -> CatalogEntry? {
        try index.article(category: category, id: id).map(Self.entry)
    }

    public func articles(id: String) throws -> [CatalogEntry] {
        try index.articles(id: id).map(Self.entry)
    }

    public func search(_ query: String, limit: Int) throws -> [CatalogEntry] {
        try index.search(query, limit: limit).map(Self.entry)
    }

    public func articleCount() throws -> Int { try index.counts().pages }

    static func entry(_ article: Article) -> CatalogEntry {
        CatalogEntry(
            summary: ArticleSummary(
                title: article.title, category: article.category, id: article.id, mirrorURL: article.mirrorURL,
                canonicalMirrorURL: article.canonicalMirrorURL, qrImageURL: article.qrImageURL,
                originalURL: article.originalURL, date: article.date, shareURL: article.shareURL),
            qrAsset: article.qrAsset)
    }
}
