import Dispatch
import Foundation
import GRDB
internal import GRDBSQLite
import Synchronization

/// The configuration learned from the indexed footers (owner, repository, branch, old names,
/// image link form, footer style), and the pages that use an old name.
extension ArchiveIndex {
    static func inferConfig(_ db: Database) throws -> ArchiveConfig {
        // One pass over the pages, grouped by everything inference counts: an archive has few
        // such groups, and a query per count read the whole table once each.
        var counts = InferenceCounts()
        let groups = try Row.fetchCursor(db, sql: """
            SELECT mirror_owner, mirror_repository, mirror_branch, image_form, footer_style_id, COUNT(*), MIN(path)
            FROM pages GROUP BY 1, 2, 3, 4, 5
            """)
        while let group = try groups.next() {
            counts.add(owner: group[0], repository: group[1], branch: group[2],
                       imageForm: (group[3] as String?).flatMap(ImageLinkForm.init(rawValue:)), styleID: group[4],
                       path: group[6], pages: group[5])
        }
        return try counts.config(db)
    }

    /// What inference counts: pages by mirror owner, repository and branch, by image link form,
    /// and by footer style with the first page (in path order) of each style. Added to by groups
    /// of pages (`inferConfig`) or page by page (an index built from nothing).
    struct InferenceCounts {
        private struct Mirror: Hashable { var owner: String, repository: String, branch: String }
        private var mirrors: [Mirror: Int] = [:]
        private var imageLinks: [ImageLinkForm: Int] = [:]
        private var styles: [Int64: (count: Int, firstPath: String)] = [:]

        mutating func add(owner: String?, repository: String?, branch: String?, imageForm: ImageLinkForm?,
                          styleID: Int64?, path: String, pages: Int) {
            if let owner, let repository {
                mirrors[Mirror(owner: owner, repository: repository, branch: branch ?? "master"), default: 0] += pages
            }
            if let imageForm { imageLinks[imageForm, default: 0] += pages }
            if let styleID {
                if let seen = styles[styleID] {
                    // By bytes, as SQLite's MIN compares.
                    styles[styleID] = (seen.count + pages, path.utf8.lexicographicallyPrecedes(seen.firstPath.utf8) ? path : seen.firstPath)
                } else {
                    styles[styleID] = (pages, path)
                }
            }
        }

        /// The configuration these counts show (the styles' texts read from `footer_styles`).
        func config(_ db: Database) throws -> ArchiveConfig {
            // Ties between styles go to the style of the first page in path order.
            let keys = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, key FROM footer_styles").map {
                ($0[0] as Int64, $0[1] as String)
            })
            let orderedStyles = styles.sorted { $0.value.firstPath.utf8.lexicographicallyPrecedes($1.value.firstPath.utf8) }
                .compactMap { id, seen in keys[id].flatMap(FooterStyle.init(key:)).map { (style: $0, count: seen.count) } }
            return ArchiveConfig.inferred(from: mirrors.map { ($0.key.owner, $0.key.repository, $0.key.branch, $0.value) },
                                          imageLinks: imageLinks, styles: orderedStyles)
        }
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
}
