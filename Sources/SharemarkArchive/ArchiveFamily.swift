import Foundation

/// The archive folders directly under a folder: those with a `pages/` folder or a
/// `sharemark.toml` (an organisation keeps its sibling archives side by side).
public enum ArchiveFamily {
    public static func folders(under parent: String) throws -> [String] {
        let fm = FileManager.default
        return try fm.contentsOfDirectory(atPath: parent).sorted().filter { !$0.hasPrefix(".") }.map { parent + "/" + $0 }.filter { folder in
            var isFolder: ObjCBool = false
            guard fm.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else { return false }
            var pages: ObjCBool = false
            return (fm.fileExists(atPath: folder + "/pages", isDirectory: &pages) && pages.boolValue)
                || fm.fileExists(atPath: folder + "/" + ArchiveConfig.fileName)
        }
    }

    /// An archive's name: `owner/repository`, or its folder's name when the repository is unknown.
    public static func name(of index: ArchiveIndex) -> String {
        let config = index.config
        if config.knowsRepository { return "\(config.owner)/\(config.repository)" }
        return URL(fileURLWithPath: index.archive).standardizedFileURL.lastPathComponent
    }
}

/// A lookup over several archives of one organisation: whatever a user pastes (an id,
/// `category/id`, any archive's mirror URL under its current or an old name, a QR image URL,
/// an original URL) is looked up in each archive, and every match comes back with its archive.
public enum CrossArchiveLookup {
    /// An archive as the lookup sees it: its name (`owner/repository`, or the folder's) and
    /// its opened index.
    public struct Archive: Sendable {
        public var name: String
        public var index: ArchiveIndex
        public init(name: String, index: ArchiveIndex) { self.name = name; self.index = index }
    }

    /// A page found, with its archive and how directly the query named that archive.
    public struct Match: Sendable {
        public var archive: String
        public var article: Article
        /// 0: the query's URL names this archive's repository by its current name; 1: by an
        /// old name (an alias); 2: the query names no repository (an id, an original URL).
        public var rank: Int
        /// Whether this is the page's own archive by its current name: the first match.
        public var canonical: Bool { rank == 0 }
    }

    public struct Result: Sendable {
        /// Every page found, the archives the query's URL names first, then in the order given.
        public var matches: [Match] = []
        /// Archives in which the query names several pages (an id in several categories).
        public var ambiguous: [(archive: String, articles: [Article])] = []
        /// Why the query is no query at all (the same in every archive), when it is not.
        public var invalid: String?
    }

    public static func lookup(_ query: String, in archives: [Archive]) throws -> Result {
        var result = Result()
        var invalid: [String] = []
        for archive in archives {
            switch try archive.index.lookup(query) {
            case .found(let article):
                result.matches.append(Match(archive: archive.name, article: article, rank: rank(of: query, in: archive.index.config)))
            case .ambiguous(let articles):
                result.ambiguous.append((archive.name, articles))
            case .notFound:
                break
            case .invalid(let why):
                invalid.append(why)
            }
        }
        // Stable: archives of equal rank keep the order they were given in.
        result.matches = result.matches.enumerated().sorted { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }.map(\.element)
        if invalid.count == archives.count, let first = invalid.first { result.invalid = first }
        return result
    }

    /// How directly `query` names the archive of `config`: 0 its current repository name, 1 an
    /// old name, 2 neither (the query is no URL of the archive's forms).
    static func rank(of query: String, in config: ArchiveConfig) -> Int {
        for form in [config.mirrorForm, config.cdnForm, URLTemplate.defaultMirror, URLTemplate.defaultCDN] {
            guard let parts = form.match(query) else { continue }
            guard parts.owner.lowercased() == config.owner.lowercased() else { return 2 }
            if parts.repository == config.repository { return 0 }
            if config.aliases.contains(parts.repository) { return 1 }
            return 2
        }
        return 2
    }
}
