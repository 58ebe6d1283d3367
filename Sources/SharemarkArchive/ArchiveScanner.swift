#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A page file found on disk: `pages/<category>/<id>.md`, with the size and modification time
/// that decide whether it must be read again.
public struct PageFile: Hashable, Sendable, Codable {
    public var path: ArchivePath
    public var category: String
    public var id: String
    public var size: Int64
    /// Modification time in nanoseconds since 1970.
    public var mtimeNs: Int64

    /// The size and time of a page listed without them (`ArchiveScanner.scan(statPages:)`),
    /// until it is read. An index row that keeps them (its page could not be read) differs
    /// from any file on disk, so the page is read again by the next update, as migrations
    /// that set `size = -1` intend.
    public static let unknown: Int64 = -1
}

/// A file under the pages folder whose name ends in `.png`.
public struct AssetFile: Hashable, Sendable, Codable {
    public var path: ArchivePath
    public var size: Int64
    public var mtimeNs: Int64
}

/// Lists the pages folder with opendir/readdir and fstatat, without following symbolic links.
public enum ArchiveScanner {
    public struct Result: Sendable {
        public var pages: [PageFile] = []
        public var assets: [AssetFile] = []
        public var problems: [Problem] = []
    }

    /// Scans `<archive>/<pagesFolder>`. Pages are `<category>/<id>.md` exactly two levels down;
    /// assets are `*.png` at any depth. Temporary files of interrupted writes are skipped.
    /// The lists are in directory order (unsorted).
    ///
    /// Without `statPages`, a page the directory lists as a regular file is not stat'ed: its
    /// size and time are `PageFile.unknown`, for a caller that reads every page anyway and
    /// takes them from the open file (an index built from nothing: the stat of each of 100,000
    /// pages was most of a tenth of a second, for values the read gives again).
    public static func scan(archive: String, pagesFolder: String, statPages: Bool = true) -> Result {
        var result = Result()
        let root = archive.hasSuffix("/") ? archive : archive + "/"
        walk(root: root, relative: pagesFolder, depth: 0, statPages: statPages, into: &result)
        return result
    }

    private static func walk(root: String, relative: String, depth: Int, statPages: Bool, into result: inout Result) {
        guard let dir = opendir(root + relative) else {
            if depth > 0 || errno != ENOENT {
                result.problems.append(Problem(.folderUnreadable, file: relative, message: "cannot list folder: \(String(cString: strerror(errno)))"))
            }
            return
        }
        defer { closedir(dir) }
        let category = depth == 1 ? String(relative.split(separator: "/").last ?? "") : ""
        let folderPrefix = relative + "/"
        var subfolders: [String] = []
        var st = stat()
        while let entry = readdir(dir) {
            // The name is read in place: readdir's record may be shorter than `struct dirent`,
            // and copying the struct (or its 256-byte `d_name`) can read past the end of the
            // kernel's buffer and fault.
            let record = UnsafeRawPointer(entry)
            var type = record.load(fromByteOffset: Self.typeOffset, as: UInt8.self)
            let namePointer = record.advanced(by: Self.nameOffset).assumingMemoryBound(to: UInt8.self)
            let found: (name: String, isPNG: Bool, isPage: Bool)? = {
                let p = namePointer
                let length = strlen(namePointer)
                if length == 0 || p[0] == UInt8(ascii: ".") { return nil }  // ., .., hidden
                let bytes = UnsafeBufferPointer(start: p, count: length)
                func hasSuffix(_ suffix: StaticString) -> Bool {
                    let n = suffix.utf8CodeUnitCount
                    return length > n && memcmp(p + (length - n), suffix.utf8Start, n) == 0
                }
                let isPNG = hasSuffix(".png")
                let isPage = depth == 1 && hasSuffix(".md")
                let categoryLink = depth == 0 && type == UInt8(DT_LNK)
                if type != UInt8(DT_DIR) && type != UInt8(DT_UNKNOWN) && !categoryLink && !isPNG && !isPage { return nil }
                if findBytes(p, length, ".sharemark-tmp-") != nil { return nil }  // AtomicFile.temporaryMarker
                let name = String(decoding: bytes, as: UTF8.self)
                return (name, isPNG, isPage)
            }()
            guard let found else { continue }
            if type == UInt8(DT_DIR) {
                if found.isPage || found.isPNG { result.problems.append(Self.notAFile(folderPrefix + found.name, "a folder")) }
                subfolders.append(folderPrefix + found.name)
                continue
            }
            if type == UInt8(DT_LNK) {
                // Not followed: a link could lead out of the archive or into a loop. Named when
                // it stands where a category folder, a page or a PNG would.
                if depth == 0 || found.isPage || found.isPNG {
                    result.problems.append(Self.notAFile(folderPrefix + found.name, "a symbolic link (not followed)"))
                }
                continue
            }
            // A page the folder lists as a regular file needs no stat when it is not wanted.
            let stamped = !(found.isPage && !statPages && type == UInt8(DT_REG))
            if stamped {
                let statResult = namePointer.withMemoryRebound(to: CChar.self, capacity: 1) {
                    fstatat(dirfd(dir), $0, &st, AT_SYMLINK_NOFOLLOW)
                }
                guard statResult == 0 else {
                    result.problems.append(Problem(.fileUnreadable, file: folderPrefix + found.name, message: "cannot stat: \(String(cString: strerror(errno)))"))
                    continue
                }
                let mode = st.st_mode & S_IFMT
                if type == UInt8(DT_UNKNOWN) {
                    if mode == S_IFDIR { subfolders.append(folderPrefix + found.name); continue }
                    type = UInt8(DT_REG)
                }
                guard found.isPNG || found.isPage else { continue }
                guard mode == S_IFREG else {
                    let what = mode == S_IFLNK ? "a symbolic link (not followed)" : mode == S_IFIFO ? "a FIFO"
                        : mode == S_IFSOCK ? "a socket" : mode == S_IFDIR ? "a folder" : "a device"
                    result.problems.append(Self.notAFile(folderPrefix + found.name, what))
                    continue
                }
            }
            let size = stamped ? Int64(st.st_size) : PageFile.unknown
            let mtime = stamped ? Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec) : PageFile.unknown
            guard let path = try? ArchivePath(folderPrefix + found.name) else {
                result.problems.append(Problem(.fileNameInvalid, file: folderPrefix + found.name, message: "file name is not a valid archive path"))
                continue
            }
            if found.isPNG {
                result.assets.append(AssetFile(path: path, size: size, mtimeNs: mtime))
            } else {
                result.pages.append(PageFile(path: path, category: category, id: String(found.name.utf8.dropLast(3))!,
                                             size: size, mtimeNs: mtime))
            }
        }
        // The category folders are listed in parallel (each file costs an fstatat, a quarter of
        // a second for 100,000 pages on one thread), their results joined in folder order, as
        // one walk would have found them.
        if depth == 0 && subfolders.count > 1 {
            let parts = parallelMap(count: subfolders.count, jobs: availableProcessors, chunk: 1) { [subfolders] i in
                var part = Result()
                walk(root: root, relative: subfolders[i], depth: 1, statPages: statPages, into: &part)
                return part
            }
            for part in parts {
                result.pages += part.pages
                result.assets += part.assets
                result.problems += part.problems
            }
            return
        }
        for folder in subfolders {
            walk(root: root, relative: folder, depth: depth + 1, statPages: statPages, into: &result)
        }
    }

    private static func notAFile(_ path: String, _ what: String) -> Problem {
        Problem(.notAFile, file: path, message: "is \(what), not a regular file; left out")
    }

    private static let typeOffset = MemoryLayout<dirent>.offset(of: \dirent.d_type)!
    private static let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
}
