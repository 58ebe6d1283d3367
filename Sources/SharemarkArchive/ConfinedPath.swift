#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files of an archive opened beneath its root, one path component at a time, never through a
/// symbolic link (`openat` with `O_NOFOLLOW` on each component), and read with a bound.
///
/// An archive is untrusted input: a pull request can put a link where a folder, a page or a PNG
/// belongs, to `.git` or out of the archive. Every file Sharemark writes, replaces or removes
/// in an archive goes through a folder opened here (`AtomicFile.Folder(archive:relative:)`),
/// so such a link is an error naming it, never a way out. The archive root itself is the
/// user's choice and is followed as given.
public enum ConfinedPath {
    public enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// The relative path has a `..`, `.` or empty component, or is absolute.
        case leavesArchive(String)
        /// A component of the path is a symbolic link.
        case symbolicLink(String)
        /// The path names something that is not a regular file (a link, a folder, a FIFO …).
        case notAFile(String, kind: String)
        /// The file does not exist (or a folder on its way does not).
        public var isMissing: Bool {
            if case .system(_, let code) = self { return code == ENOENT || code == ENOTDIR }
            return false
        }

        /// The file is larger than the cap.
        case tooLarge(String, size: Int64, limit: Int)
        /// A system call failed with this errno.
        case system(String, errno: Int32)

        public var description: String {
            switch self {
            case .leavesArchive(let p): return "\(p) is not a path beneath the archive root"
            case .symbolicLink(let p): return "\(p) is a symbolic link; Sharemark neither follows nor replaces it"
            case .notAFile(let p, let kind): return "\(p) is \(kind), not a regular file; Sharemark neither follows nor replaces it"
            case .tooLarge(let p, let size, let limit):
                return "\(p) has \(size) bytes, more than the limit of \(limit); it is not read"
            case .system(let p, let code): return "\(p): \(String(cString: strerror(code)))"
            }
        }

        /// `notAFile` for a file of mode `mode` (from `lstat`).
        public static func notAFile(_ path: String, mode: mode_t) -> Failure {
            switch mode & S_IFMT {
            case S_IFLNK: return .symbolicLink(path)
            case S_IFDIR: return .notAFile(path, kind: "a folder")
            case S_IFIFO: return .notAFile(path, kind: "a FIFO")
            case S_IFSOCK: return .notAFile(path, kind: "a socket")
            default: return .notAFile(path, kind: "a device")
            }
        }
    }

    /// Opens the folder `relative` ("" for the root) beneath `archive`, each component without
    /// following a link; with `creating`, missing components are made (mode 0755). `flags` are
    /// added to `O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC` for the last component. The caller
    /// closes the descriptor.
    public static func openFolder(archive: String, relative: String, flags: Int32 = O_RDONLY,
                                  creating: Bool = false) -> Result<Int32, Failure> {
        var fd = open(archive, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(.system(archive, errno: errno)) }
        let components = relative.split(separator: "/", omittingEmptySubsequences: false)
        if relative.isEmpty {
            if flags == O_RDONLY { return .success(fd) }
            let reopened = openat(fd, ".", flags | O_DIRECTORY | O_CLOEXEC)
            close(fd)
            return reopened >= 0 ? .success(reopened) : .failure(.system(archive, errno: errno))
        }
        var walked = ""
        for (n, component) in components.enumerated() {
            walked += (walked.isEmpty ? "" : "/") + component
            guard !component.isEmpty, component != ".", component != ".." else {
                close(fd)
                return .failure(.leavesArchive(relative))
            }
            let name = String(component)
            let last = n == components.count - 1
            var next = openat(fd, name, (last ? flags : O_RDONLY) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT && creating {
                if mkdirat(fd, name, 0o755) != 0 && errno != EEXIST {
                    let code = errno
                    close(fd)
                    return .failure(.system(walked, errno: code))
                }
                next = openat(fd, name, (last ? flags : O_RDONLY) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if next < 0 {
                let code = errno
                // Say what is there instead of a folder: a link is the case that matters.
                var info = stat()
                let failure: Failure = fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && (info.st_mode & S_IFMT) != S_IFDIR
                    ? .notAFile(walked, mode: info.st_mode) : .system(walked, errno: code)
                close(fd)
                return .failure(failure)
            }
            close(fd)
            fd = next
        }
        return .success(fd)
    }

    /// Reads the regular file `relative` beneath `archive` (no link followed on the way or at
    /// the end), at most `limit` bytes: a larger file is `tooLarge`, read no further.
    public static func read(archive: String, relative: String, limit: Int) -> Result<[UInt8], Failure> {
        FolderReader(archive: archive).read(relative: relative, limit: limit)
    }

    /// Reads files beneath an archive as `read(archive:relative:limit:)` does, keeping the
    /// folder of the last one open: pages read in path order come a folder at a time, so each
    /// costs one `openat` of its name instead of a walk from the root, one component at a time.
    /// One reader per thread.
    public final class FolderReader {
        public let archive: String
        private var folder: (relative: Substring, fd: Int32)?
        /// The size and modification time (nanoseconds since 1970) of the file last opened, as
        /// `fstat` gave them before it was read; nil when it could not be opened or stat'ed.
        public private(set) var stamp: (size: Int64, mtimeNs: Int64)?

        public init(archive: String) {
            self.archive = archive
        }

        deinit {
            if let folder { close(folder.fd) }
        }

        public func read(relative: String, limit: Int) -> Result<[UInt8], Failure> {
            stamp = nil
            let slash = relative.utf8.lastIndex(of: UInt8(ascii: "/"))
            let folderPath = slash.map { relative[..<$0] } ?? ""
            let name = slash.map { String(relative[relative.utf8.index(after: $0)...]) } ?? relative
            let dir: Int32
            if let folder, folder.relative == folderPath {
                dir = folder.fd
            } else {
                if let folder { close(folder.fd) }
                folder = nil
                switch openFolder(archive: archive, relative: String(folderPath)) {
                case .success(let fd): dir = fd
                case .failure(let why): return .failure(why)
                }
                folder = (folderPath, dir)
            }
            // O_NONBLOCK: a FIFO named like a page must not wait for a writer forever.
            let fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else {
                let code = errno
                var info = stat()
                if code == ELOOP, fstatat(dir, name, &info, AT_SYMLINK_NOFOLLOW) == 0 { return .failure(.notAFile(relative, mode: info.st_mode)) }
                return .failure(.system(relative, errno: code))
            }
            defer { close(fd) }
            var info = stat()
            let read = ConfinedPath.read(fd, path: relative, limit: limit, info: &info)
            // A file's stat always has a type: a zero mode is the fstat that failed.
            if info.st_mode != 0 {
                stamp = (Int64(info.st_size), Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
            }
            return read
        }
    }

    /// Reads the regular file open as `fd`, at most `limit` bytes.
    public static func read(_ fd: Int32, path: String, limit: Int) -> Result<[UInt8], Failure> {
        var info = stat()
        return read(fd, path: path, limit: limit, info: &info)
    }

    /// `read(_:path:limit:)`, leaving the file's `fstat` in `info`.
    static func read(_ fd: Int32, path: String, limit: Int, info: inout stat) -> Result<[UInt8], Failure> {
        guard fstat(fd, &info) == 0 else { return .failure(.system(path, errno: errno)) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .failure(.notAFile(path, mode: info.st_mode)) }
        if info.st_size > limit { return .failure(.tooLarge(path, size: Int64(info.st_size), limit: limit)) }
        // Sized from fstat; a file that grows while read stops at the limit all the same.
        var bytes = [UInt8](repeating: 0, count: min(limit, Int(info.st_size)) + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count <= limit else {
                    return .failure(.tooLarge(path, size: Int64(filled), limit: limit))
                }
                bytes.append(contentsOf: repeatElement(0, count: min(bytes.count, limit + 1 - bytes.count)))
            }
            let asked = bytes.count - filled
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, asked) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(.system(path, errno: errno))
            }
            if n == 0 { break }
            filled += n
            // A regular file gives less than asked only at its end: no second read to see 0.
            if n < asked { break }
        }
        if filled > limit { return .failure(.tooLarge(path, size: Int64(filled), limit: limit)) }
        bytes.removeSubrange(filled...)
        return .success(bytes)
    }

    /// Where `d_name` lies in a `readdir` record.
    static let direntNameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
}

/// How much of an archive's files Sharemark reads: a page or a PNG over its cap is a finding,
/// read no further, so no input makes a command allocate without bound.
public struct ReadLimits: Hashable, Sendable, Codable {
    /// Bytes of one page (16 MiB by default).
    public var pageBytes: Int
    /// Bytes of one PNG (4 MiB by default).
    public var pngBytes: Int

    public init(pageBytes: Int = 16 << 20, pngBytes: Int = 4 << 20) {
        self.pageBytes = pageBytes
        self.pngBytes = pngBytes
    }

    public static let standard = ReadLimits()
}
