#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SharemarkArchive

/// One regeneration per archive at a time: an exclusive `flock` on
/// `<archive>/.sharemark/regen.lock`, whose content names the holder (pid, host, start time).
/// The kernel releases the lock when the holder exits, even when it is killed, so a stale lock
/// file never blocks anyone; its content only serves the message.
public final class RegenLock: @unchecked Sendable {
    public static let relativePath = ".sharemark/regen.lock"
    static let folder = ArchiveIndex.folderName
    static let fileName = "regen.lock"

    public struct Held: Error, CustomStringConvertible, Sendable {
        /// The holder as its lock file describes it (`pid 123 on host since …`).
        public let holder: String
        public let pid: Int32?
        public var description: String {
            "another sharemark regen or fix is running on this archive (\(holder)); wait for it, or run with --wait"
        }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    private var fd: Int32
    public let path: String

    /// Takes the lock. Without `wait`, throws `Held` at once when another process holds it;
    /// with `wait`, blocks until it is free.
    public init(archive: String, wait: Bool) throws {
        path = archive + "/" + Self.relativePath
        // The folder and the file are made beneath the archive root, no link followed: a
        // `.sharemark` link that a pull request added leads nowhere.
        let folder: Int32
        switch ConfinedPath.openFolder(archive: archive, relative: Self.folder, creating: true) {
        case .success(let opened): folder = opened
        case .failure(let why): throw Failure(description: "cannot open \(path): \(why)")
        }
        // Held in a local until the lock is taken: `deinit` runs for an initializer that throws
        // once every property is set, and it released the descriptor a refused lock had closed
        // already, truncating and closing whatever file another thread had opened under that
        // number since.
        let fd = openat(folder, Self.fileName, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        let code = errno
        close(folder)
        guard fd >= 0 else {
            let why = code == ELOOP ? "it is a symbolic link; remove it" : String(cString: strerror(code))
            throw Failure(description: "cannot open \(path): \(why)")
        }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            let code = errno
            let content = Self.read(fd)
            close(fd)
            if code == EWOULDBLOCK {
                let pid = content.split(separator: " ").dropFirst().first.flatMap { Int32($0) }
                throw Held(holder: content.isEmpty ? "holder unknown" : content, pid: pid)
            }
            throw Failure(description: "cannot lock \(path): \(String(cString: strerror(code)))")
        }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        let started = ISO8601DateFormatter().string(from: Date())
        let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let text = "pid \(getpid()) on \(hostName) since \(started)\n"
        ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        self.fd = fd
    }

    /// Releases the lock (also done when the process ends).
    public func release() {
        guard fd >= 0 else { return }
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }

    private static func read(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return "" }
        return String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
