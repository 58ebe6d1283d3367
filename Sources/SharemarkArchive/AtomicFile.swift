#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes files so that a reader (or a crash) never sees half of one: the bytes go to a
/// temporary file in the same folder, which is then renamed over the target. A rename within
/// one file system is atomic, so the target holds either the old or the new content.
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

    /// Writes `bytes` to `path` atomically. With `sync`, the file is flushed to disk before the
    /// rename. `mode` sets the permissions exactly (the umask does not apply), so that a
    /// rewritten file keeps those of the file it replaces.
    public static func write(_ bytes: some Collection<UInt8>, to path: String, sync: Bool = false,
                             mode: mode_t? = nil) throws(WriteError) {
        let temporary = path + temporaryMarker + "\(getpid())-\(counter.next())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
        var failure: String?
        if let mode, fchmod(fd, mode) != 0 { failure = String(cString: strerror(errno)) }
        let written: Bool = failure == nil && {
            let contiguous = Array(bytes)
            return contiguous.withUnsafeBytes { buffer -> Bool in
                var offset = 0
                while offset < buffer.count {
                    let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = String(cString: strerror(errno))
                        return false
                    }
                    offset += n
                }
                return true
            }
        }()
        if written && sync && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
        if failure == nil && rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw WriteError(path: path, reason: failure)
        }
    }

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
