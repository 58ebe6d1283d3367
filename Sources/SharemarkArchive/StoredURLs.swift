import GRDB
internal import GRDBSQLite

/// How a row of `pages` stores its URLs. Most of a row's bytes were four URLs that repeat what
/// the row holds anyway: the mirror link is a prefix shared by every page of the repository and
/// the page's encoded path, the image link the same with the asset's path, the original URL a
/// scheme and `www.` before its key, the printed mirror URL the linked one again. Such a URL is
/// stored as the id of its prefix (a row of `url_prefixes`, each text once) or as a flag, and
/// made again when the row is read: a URL is stored this way only when prefix and suffix give
/// back its exact bytes, so what is read is what the page says. The prefixes come from the
/// URLs themselves, not from the configuration: a row reads the same whatever the
/// configuration in force, and a URL of any host or form is stored whole when it does not
/// split.
struct StoredURLs {
    /// The URLs stored as a prefix and a suffix the row holds.
    enum Prefixed: Int, CaseIterable {
        case linkedMirrorURL, qrImageURL, originalURL

        /// The column holding the prefix's id.
        var column: PageRow.Columns {
            switch self {
            case .linkedMirrorURL: .linkedPrefix
            case .qrImageURL: .qrImagePrefix
            case .originalURL: .originalPrefix
            }
        }

        /// The alias of `url_prefixes` joined for this URL (`PageRow.select(from:)`).
        var alias: String {
            switch self {
            case .linkedMirrorURL: "linked_prefix_text"
            case .qrImageURL: "image_prefix_text"
            case .originalURL: "original_prefix_text"
            }
        }

        /// What the URL ends in when stored as a prefix: the page's path as URLs carry it
        /// (`PageAddress.encoded`), the asset's (the same and `.png`), the original URL's key.
        func suffix(encodedPath: String, originalKey: String?) -> String? {
            switch self {
            case .linkedMirrorURL: encodedPath
            case .qrImageURL: encodedPath + ".png"
            case .originalURL: originalKey
            }
        }
    }

    /// URLs stored as a flag.
    struct Flags: OptionSet, Equatable {
        let rawValue: Int64
        /// The printed mirror URL is the linked one.
        static let mirrorURLIsLinked = Flags(rawValue: 1)
        /// The image link names the page's own asset (`qr_asset` is the page's path and `.png`).
        static let imageNamesOwnAsset = Flags(rawValue: 2)
    }

    /// The id of each prefixed URL's prefix, by `Prefixed.rawValue`; nil where the URL is stored
    /// whole (or there is none). Inline: one is made for every row written.
    var prefixIDs = InlineArray<3, Int64?>(repeating: nil)
    var flags: Flags = []

    func prefixID(_ url: Prefixed) -> Int64? { prefixIDs[url.rawValue] }

    /// The length of `url`'s prefix before what it ends in when stored as a prefix
    /// (`Prefixed.suffix(encodedPath:originalKey:)`), when it ends in exactly those bytes: a URL
    /// stored this way must come back byte for byte. Found on the bytes, without making the
    /// suffix: this runs for every row written.
    static func prefixLength(of url: UnsafeBufferPointer<UInt8>, _ prefixed: Prefixed,
                             encodedPath: UnsafeBufferPointer<UInt8>, originalKey: String?) -> Int? {
        switch prefixed {
        case .linkedMirrorURL:
            return url.hasSuffixBytes(encodedPath) ? url.count - encodedPath.count : nil
        case .qrImageURL:
            let suffix = png.bytes
            guard url.hasSuffixBytes(suffix) else { return nil }
            let rest = UnsafeBufferPointer(rebasing: url[..<(url.count - suffix.count)])
            return rest.hasSuffixBytes(encodedPath) ? rest.count - encodedPath.count : nil
        case .originalURL:
            return originalKey?.withUTF8Bytes { key in url.hasSuffixBytes(key) ? url.count - key.count : nil }
        }
    }

    /// What an asset's path adds to its page's.
    static let png: StaticString = ".png"

    /// The URL of prefix text `prefix` (its bytes, as SQLite holds them) and `suffix`, made in
    /// one allocation.
    static func joined(_ prefix: UnsafeBufferPointer<UInt8>, _ suffix: String) -> String {
        var suffix = suffix
        return suffix.withUTF8 { s in
            String(unsafeUninitializedCapacity: prefix.count + s.count) { buffer in
                _ = buffer.initialize(fromContentsOf: prefix)
                _ = UnsafeMutableBufferPointer(rebasing: buffer[prefix.count...]).initialize(fromContentsOf: s)
                return prefix.count + s.count
            }
        }
    }
}

extension StoredURLs {
    /// Finds or makes the rows of `url_prefixes` for one write transaction. Most pages of an
    /// archive share one prefix for each URL: the last one of each is compared first, as
    /// bytes, which costs no allocation and no hashing.
    struct Finder {
        private let insertPrefix: Statement
        private let selectPrefix: Statement
        /// By the prefix's bytes: a `String` key would take two spellings of one character
        /// (`é` as one code point or as `e` and an accent) for the same prefix.
        private var ids: [[UInt8]: Int64] = [:]
        private var last: [(bytes: [UInt8], id: Int64)?] = Array(repeating: nil, count: Prefixed.allCases.count)

        init(_ db: Database) throws {
            insertPrefix = try db.makeStatement(sql: "INSERT OR IGNORE INTO url_prefixes (text) VALUES (?)")
            selectPrefix = try db.makeStatement(sql: "SELECT id FROM url_prefixes WHERE text = ?")
        }

        /// How `row`'s URLs are stored.
        mutating func stored(_ row: PageRow) throws -> StoredURLs {
            var stored = StoredURLs()
            if let printed = row.mirrorURL, let linked = row.linkedMirrorURL, printed.hasSameBytes(as: linked) {
                stored.flags.insert(.mirrorURLIsLinked)
            }
            if let target = row.imageLinkTarget, target.utf8.count == row.path.utf8.count + 4,
               target.withUTF8Bytes({ target in
                   row.path.withUTF8Bytes { path in
                       UnsafeBufferPointer(rebasing: target[..<path.count]).elementsEqualBytes(path)
                           && UnsafeBufferPointer(rebasing: target[path.count...]).elementsEqualBytes(StoredURLs.png.bytes)
                   }
               }) {
                stored.flags.insert(.imageNamesOwnAsset)
            }
            guard row.linkedMirrorURL != nil || row.qrImageURL != nil || row.originalURL != nil else { return stored }
            try PageAddress.encoded(row.path).withUTF8Bytes { encodedPath in
                for url in Prefixed.allCases {
                    guard let whole = row[url] else { continue }
                    try whole.withUTF8Bytes { whole in
                        guard let length = StoredURLs.prefixLength(of: whole, url, encodedPath: encodedPath, originalKey: row.originalKey)
                        else { return }
                        stored.prefixIDs[url.rawValue] = try id(ofPrefix: UnsafeBufferPointer(rebasing: whole[..<length]), for: url)
                    }
                }
            }
            return stored
        }

        private mutating func id(ofPrefix prefix: UnsafeBufferPointer<UInt8>, for url: Prefixed) throws -> Int64 {
            if let last = last[url.rawValue], last.bytes.withUnsafeBufferPointer({ $0.elementsEqualBytes(prefix) }) { return last.id }
            let bytes = Array(prefix)
            let id: Int64
            if let known = ids[bytes] {
                id = known
            } else {
                // SQLite compares text as bytes: the UNIQUE text and this SELECT keep the two
                // spellings apart too.
                let text = String(decoding: bytes, as: UTF8.self)
                try insertPrefix.execute(arguments: [text])
                id = try Int64.fetchOne(selectPrefix, arguments: [text])!
                ids[bytes] = id
            }
            last[url.rawValue] = (bytes, id)
            return id
        }
    }
}

extension PageRow {
    /// The whole URL a `StoredURLs.Prefixed` stands for.
    subscript(url: StoredURLs.Prefixed) -> String? {
        get {
            switch url {
            case .linkedMirrorURL: linkedMirrorURL
            case .qrImageURL: qrImageURL
            case .originalURL: originalURL
            }
        }
        set {
            switch url {
            case .linkedMirrorURL: linkedMirrorURL = newValue
            case .qrImageURL: qrImageURL = newValue
            case .originalURL: originalURL = newValue
            }
        }
    }
}
