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
    ///
    /// On Linux the bytes go to an unnamed file in the target's folder (`O_TMPFILE`), which is
    /// then linked under the target's name when there is no file there yet: one directory entry
    /// made, instead of a temporary one made and renamed, and a killed process leaves nothing
    /// behind. Over an existing file, or where the file system has no unnamed files, the bytes
    /// go to a named temporary file renamed over the target.
    public static func write(_ bytes: some Collection<UInt8>, to path: String, sync: Bool = false,
                             mode: mode_t? = nil) throws(WriteError) {
        let contiguous = Array(bytes)
        #if os(Linux)
        if try writeUnnamed(contiguous, to: path, sync: sync, mode: mode) { return }
        #endif
        let temporary = temporaryName(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
        var failure = fill(fd, with: contiguous, sync: sync, mode: mode)
        if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
        if failure == nil && rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw WriteError(path: path, reason: failure)
        }
    }

    private static func temporaryName(for path: String) -> String {
        path + temporaryMarker + "\(getpid())-\(counter.next())"
    }

    /// Writes all of `bytes` to `fd`, sets `mode`, and with `sync` flushes it: nil, or why not.
    private static func fill(_ fd: Int32, with bytes: [UInt8], sync: Bool, mode: mode_t?) -> String? {
        if let mode, fchmod(fd, mode) != 0 { return String(cString: strerror(errno)) }
        if let error = writeAll(fd, bytes) { return String(cString: strerror(error)) }
        if sync && fsync(fd) != 0 { return String(cString: strerror(errno)) }
        return nil
    }

    #if os(Linux)
    /// The `O_TMPFILE` path of `write`: false when the folder's file system cannot make unnamed
    /// files (or /proc is missing), and nothing was written.
    private static func writeUnnamed(_ bytes: [UInt8], to path: String, sync: Bool, mode: mode_t?) throws(WriteError) -> Bool {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let fd = open(folder, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if let failure = fill(fd, with: bytes, sync: sync, mode: mode) { throw WriteError(path: path, reason: failure) }
        let handle = "/proc/self/fd/\(fd)"
        if linkat(AT_FDCWD, handle, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 { return true }
        switch errno {
        case EEXIST:
            // A file is there: link under a temporary name and rename that over it.
            let temporary = temporaryName(for: path)
            guard linkat(AT_FDCWD, handle, AT_FDCWD, temporary, AT_SYMLINK_FOLLOW) == 0 else {
                throw WriteError(path: path, reason: String(cString: strerror(errno)))
            }
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw WriteError(path: path, reason: reason)
            }
            return true
        case ENOENT where access("/proc/self/fd", F_OK) != 0:
            return false
        default:
            throw WriteError(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), which the Glibc module leaves out.
    private static let O_TMPFILE: Int32 = 0o20_000_000 | O_DIRECTORY
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
        name.contains(temporaryMarker)
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

    /// Starts flushing the file system that holds `folder`.
    public init(folder: String, every interval: Duration = .milliseconds(250)) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        let nanoseconds = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        Thread.detachNewThread { [self] in
            defer {
                if fd >= 0 { close(fd) }
                finished.signal()
            }
            guard fd >= 0 else { return }
            while wake.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .timedOut, !stopping.load(ordering: .relaxed) {
                #if os(Linux)
                syncfs(fd)
                #else
                fsync(fd)
                #endif
                count.add(1, ordering: .relaxed)
            }
        }
    }

    /// How many flushes have run.
    public var flushes: Int { count.load(ordering: .relaxed) }

    /// Stops flushing; returns when the thread has ended (after the flush under way, if any).
    public func stop() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        wake.signal()
        finished.wait()
    }
}
