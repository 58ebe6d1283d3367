#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Writes files so that a reader (or a crash) never sees half of one: the bytes go to an
/// unnamed or temporary file in the same folder, which then gets the target's name by a link
/// or a rename. Both are atomic within one file system, so the target holds either the old
/// content or the new, whole.
///
/// Durability against power loss is a separate, batched step (`syncDirectories`): one fsync
/// per file would cost more than rendering it, and a killed process cannot tear a renamed file.
public enum AtomicFile {
    /// The suffix every temporary file carries, so that leftovers of a killed run can be found
    /// and removed: `<name>.sharemark-tmp-<pid>-<n>`.
    public static let temporaryMarker = ".sharemark-tmp-"

    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    private static let counter = Counter()

    /// Writes `bytes` to `path` atomically. With `sync`, the file is flushed to disk before it
    /// gets its name. `mode` sets the permissions exactly (the umask does not apply), so that a
    /// rewritten file keeps those of the file it replaces.
    public static func write(_ bytes: some Collection<UInt8>, to path: String, sync: Bool = false,
                             mode: mode_t? = nil) throws(WriteError) {
        let slash = path.utf8.lastIndex(of: UInt8(ascii: "/"))
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.utf8.index(after: $0)...]) } ?? path
        try Folder(folder).write(bytes, name: name, sync: sync, mode: mode)
    }

    /// A folder that files are written into atomically, opened once: each file is made and
    /// named relative to it, so a bulk writer does not walk the whole path again per file.
    ///
    /// On Linux the bytes go to an unnamed file in the folder (`O_TMPFILE`), which is then
    /// linked under the target's name when there is no file there yet: one directory entry
    /// made, instead of a temporary one made and renamed, and a killed process leaves nothing
    /// behind. Over an existing file, or where the file system has no unnamed files, the bytes
    /// go to a named temporary file renamed over the target.
    ///
    /// A folder of an archive is opened with `init(archive:relative:)`: one component at a time
    /// beneath the archive root, never through a symbolic link, so that no link an archive holds
    /// carries a write out of the folder the name was derived for. Over a name that is not a
    /// regular file (a symbolic link, a folder) nothing is written.
    public final class Folder: Sendable {
        public let path: String
        let descriptor: Int32
        /// Why the folder could not be opened: every write then fails with it, naming its own
        /// file.
        private let openFailure: String?

        /// A folder named by the user (an output folder): its path is followed as given.
        public init(_ path: String) {
            self.path = path
            descriptor = open(path, AtomicFile.O_PATH | O_DIRECTORY | O_CLOEXEC)
            openFailure = descriptor >= 0 ? nil : String(cString: strerror(errno))
        }

        /// The folder `relative` ("" for the root) of the archive at `archive`, opened beneath
        /// it without following symbolic links (`ConfinedPath`).
        public init(archive: String, relative: String) {
            path = relative.isEmpty ? archive : archive + "/" + relative
            switch ConfinedPath.openFolder(archive: archive, relative: relative, flags: AtomicFile.O_PATH) {
            case .success(let fd): descriptor = fd; openFailure = nil
            case .failure(let why): descriptor = -1; openFailure = why.description
            }
        }

        deinit { if descriptor >= 0 { close(descriptor) } }

        /// Writes `bytes` to the file `name` of this folder atomically (see `AtomicFile.write`).
        public func write(_ bytes: some Collection<UInt8>, name: String, sync: Bool = false,
                          mode: mode_t? = nil) throws(WriteError) {
            guard descriptor >= 0 else { throw WriteError(path: path + "/" + name, reason: openFailure ?? "cannot open the folder") }
            // A name may hold only a file: never replace a link (or a folder) that an archive
            // put where a PNG or a page belongs.
            var info = stat()
            if fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0, (info.st_mode & S_IFMT) != S_IFREG {
                throw WriteError(path: path + "/" + name, reason: ConfinedPath.Failure.notAFile(name, mode: info.st_mode).description)
            }
            let contiguous = Array(bytes)
            #if os(Linux)
            if try writeUnnamed(contiguous, name: name, sync: sync, mode: mode) { return }
            #endif
            let temporary = temporaryName(for: name)
            let fd = openat(descriptor, temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw failure(name, errno) }
            var error = fill(fd, with: contiguous, sync: sync, mode: mode)
            if close(fd) != 0 && error == nil { error = errno }
            if error == nil && renameat(descriptor, temporary, descriptor, name) != 0 { error = errno }
            if let error {
                unlinkat(descriptor, temporary, 0)
                throw failure(name, error)
            }
        }

        /// Removes the regular file `name` of this folder (a link or a folder there is left):
        /// nil when it is gone (or was not there), else why not.
        public func remove(name: String) -> String? {
            guard descriptor >= 0 else { return openFailure ?? "cannot open the folder" }
            var info = stat()
            guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                return errno == ENOENT ? nil : String(cString: strerror(errno))
            }
            guard (info.st_mode & S_IFMT) == S_IFREG else {
                return ConfinedPath.Failure.notAFile(name, mode: info.st_mode).description
            }
            guard unlinkat(descriptor, name, 0) == 0 || errno == ENOENT else { return String(cString: strerror(errno)) }
            return nil
        }

        /// Reads the regular file `name` of this folder (no link followed), at most `limit`
        /// bytes, with its permission bits.
        public func read(name: String, limit: Int) -> Result<(bytes: [UInt8], mode: mode_t), ConfinedPath.Failure> {
            guard descriptor >= 0 else { return .failure(.notAFile(path, kind: openFailure ?? "not a folder")) }
            let fd = openat(descriptor, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { return .failure(errno == ELOOP ? .symbolicLink(path + "/" + name) : .system(path + "/" + name, errno: errno)) }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { return .failure(.system(path + "/" + name, errno: errno)) }
            return ConfinedPath.read(fd, path: path + "/" + name, limit: limit).map { ($0, info.st_mode & 0o7777) }
        }

        /// The names in this folder (nil when it cannot be listed).
        public func names() -> [String]? {
            guard descriptor >= 0 else { return nil }
            let fd = openat(descriptor, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0, let dir = fdopendir(fd) else { return nil }
            defer { closedir(dir) }
            var names: [String] = []
            while let entry = readdir(dir) {
                // Read in place: the record may be shorter than `struct dirent` (see ArchiveScanner).
                let name = String(cString: UnsafeRawPointer(entry).advanced(by: ConfinedPath.direntNameOffset)
                    .assumingMemoryBound(to: CChar.self))
                if name != "." && name != ".." { names.append(name) }
            }
            return names
        }

        private func failure(_ name: String, _ error: Int32) -> WriteError {
            WriteError(path: path + "/" + name, reason: String(cString: strerror(error)))
        }

        #if os(Linux)
        /// The `O_TMPFILE` path of `write`: false when the folder's file system cannot make
        /// unnamed files (or they cannot be linked), and nothing was written.
        private func writeUnnamed(_ bytes: [UInt8], name: String, sync: Bool, mode: mode_t?) throws(WriteError) -> Bool {
            let fd = openat(descriptor, ".", AtomicFile.O_TMPFILE | O_WRONLY | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            if let error = fill(fd, with: bytes, sync: sync, mode: mode) { throw failure(name, error) }
            switch link(fd, as: name) {
            case 0:
                return true
            case EEXIST:
                // A file is there: link under a temporary name and rename that over it.
                let temporary = temporaryName(for: name)
                let error = link(fd, as: temporary)
                guard error == 0 else { throw failure(name, error) }
                guard renameat(descriptor, temporary, descriptor, name) == 0 else {
                    let error = errno
                    unlinkat(descriptor, temporary, 0)
                    throw failure(name, error)
                }
                return true
            case ENOENT where access("/proc/self/fd", F_OK) != 0:
                return false
            case let error:
                throw failure(name, error)
            }
        }

        /// Gives the unnamed file `fd` the name `name` in this folder: 0, or the errno.
        ///
        /// `linkat` of the descriptor itself (`AT_EMPTY_PATH`) needs Linux 6.10 for a process
        /// without CAP_DAC_READ_SEARCH; before, it fails with ENOENT, and the file is linked
        /// through its /proc/self/fd entry instead, which costs a path lookup in /proc. The
        /// first such failure that the /proc link then proves spurious turns the direct link off.
        private func link(_ fd: Int32, as name: String) -> Int32 {
            if AtomicFile.directLinks.load(ordering: .relaxed) {
                if linkat(fd, "", descriptor, name, AtomicFile.AT_EMPTY_PATH) == 0 { return 0 }
                guard errno == ENOENT else { return errno }
            }
            guard linkat(AT_FDCWD, "/proc/self/fd/\(fd)", descriptor, name, AT_SYMLINK_FOLLOW) == 0 else { return errno }
            AtomicFile.directLinks.store(false, ordering: .relaxed)
            return 0
        }
        #endif
    }

    /// Whether `linkat(fd, "", …, AT_EMPTY_PATH)` is tried (see `Folder.link`; tests turn it
    /// off to take the /proc path).
    static let directLinks = Atomic<Bool>(true)

    private static func temporaryName(for name: String) -> String {
        name + temporaryMarker + "\(getpid())-\(counter.next())"
    }

    /// Writes all of `bytes` to `fd`, sets `mode`, and with `sync` flushes it: nil, or the errno
    /// of the step that failed.
    private static func fill(_ fd: Int32, with bytes: [UInt8], sync: Bool, mode: mode_t?) -> Int32? {
        if let mode, fchmod(fd, mode) != 0 { return errno }
        if let error = writeAll(fd, bytes) { return error }
        if sync && fsync(fd) != 0 { return errno }
        return nil
    }

    #if os(Linux)
    /// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), `O_PATH` and `AT_EMPTY_PATH`, which the Glibc
    /// module leaves out (they are GNU extensions).
    private static let O_TMPFILE: Int32 = 0o20_000_000 | O_DIRECTORY
    private static let O_PATH: Int32 = 0o10_000_000
    private static let AT_EMPTY_PATH: Int32 = 0x1000
    #else
    /// A folder opened only to name files relative to it.
    private static let O_PATH: Int32 = O_RDONLY
    #endif

    /// Makes a batch of writes durable at the end, as git's `core.fsyncMethod=batch` does: one
    /// `syncfs` flushes the file system holding the folders (the files' data and the renames),
    /// then each folder is fsynced for file systems where `syncfs` alone is not enough.
    public static func syncDirectories(_ directories: some Sequence<String>) {
        var fileSystemSynced = false
        for directory in Set(directories) {
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            #if os(Linux)
            if !fileSystemSynced { fileSystemSynced = syncfs(fd) == 0 }
            #endif
            fsync(fd)
            close(fd)
        }
    }

    /// Whether a file name is a temporary file left by an interrupted write.
    public static func isTemporary(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            bytes.count > 0 && findBytes(bytes.baseAddress!, bytes.count, ".sharemark-tmp-") != nil
        }
    }
}

/// Writes all of `bytes` to `fd`, again after an interrupted or short write: nil, or the errno
/// of the write that failed.
public func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            // write(2) taking nothing from a non-empty buffer, without an error, could be
            // asked again for ever: reported as an I/O error instead.
            if n == 0 { return EIO }
            offset += n
        }
        return nil
    }
}

/// A process-wide counter for unique temporary names across threads.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock(); defer { lock.unlock() }
        value += 1
        return value
    }
}

#if os(Linux)
/// glibc declares `syncfs` only under _GNU_SOURCE, which the Glibc module does not set.
@_silgen_name("syncfs")
private func syncfs(_ fd: Int32) -> Int32
#endif

/// Writes a file system back to disk every `interval` (`syncfs` on a thread of its own) while
/// a batch of writes goes on, so that the batch's closing `AtomicFile.syncDirectories` waits
/// only for the last writes: the disk works while the batch renders, not after it. Durability
/// still comes from that closing call; this only moves the work earlier.
public final class PeriodicSync: Sendable {
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)
    private let count = Atomic<Int>(0)
    private let ended = Atomic<Bool>(false)

    /// Starts flushing the file system that holds `folder`. `afterFlush` is called on the
    /// flushing thread after each flush, with the count so far (for tests to wait on).
    public init(folder: String, every interval: Duration = .milliseconds(250),
                afterFlush: (@Sendable (Int) -> Void)? = nil) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        let nanoseconds = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        Thread.detachNewThread { [self] in
            defer {
                if fd >= 0 { close(fd) }
                ended.store(true, ordering: .releasing)
                finished.signal()
            }
            guard fd >= 0 else { return }
            while wake.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .timedOut, !stopping.load(ordering: .relaxed) {
                #if os(Linux)
                _ = syncfs(fd)  // best effort: a failed early flush leaves the final fsync to do it
                #else
                fsync(fd)
                #endif
                let flushes = count.add(1, ordering: .relaxed).newValue
                afterFlush?(flushes)
            }
        }
    }

    /// How many flushes have run.
    public var flushes: Int { count.load(ordering: .relaxed) }

    /// Whether the flushing thread has finished its work for good (no flush can follow).
    var threadEnded: Bool { ended.load(ordering: .acquiring) }

    /// Stops flushing; returns when the thread has ended (after the flush under way, if any).
    public func stop() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        wake.signal()
        finished.wait()
    }
}
