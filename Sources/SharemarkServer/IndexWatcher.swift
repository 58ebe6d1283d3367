#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Logging
import ServiceLifecycle

/// Watches the index file (and its write-ahead log) and reloads the server's catalog when either
/// changes — checked every `interval` — or when the process gets SIGHUP.
struct IndexWatcher: Service {
    let path: String
    let interval: Duration
    let archive: ServedArchive
    let server: SharemarkServer

    struct Stamp: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var mtimeNs: Int64
    }

    static func stamp(_ path: String) -> Stamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Stamp(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                     mtimeNs: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    /// SIGHUP's default action ends the process; it is set to "ignore" once per process, before
    /// the first signal source is made (libdispatch then installs its own handler: setting SIG_IGN
    /// again later would silence the sources of watchers already running).
    static let ignoreHangup: Void = { signal(SIGHUP, SIG_IGN) }()

    func stamps() -> [Stamp?] { [Self.stamp(path), Self.stamp(path + "-wal")] }

    func run() async throws {
        let hangups = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        _ = Self.ignoreHangup
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { hangups.continuation.yield() }
        source.resume()
        defer { source.cancel() }

        let logger = server.logger
        let initial = stamps()
        await withTaskGroup(of: Void.self) { group in
            // SIGHUP: reload now.
            group.addTask {
                for await _ in hangups.stream {
                    logger.info("SIGHUP: reloading the index", metadata: ["archive": "\(archive.name)"])
                    do { try server.reload(archive) } catch {
                        logger.error("reload failed; serving the previous index", metadata: ["archive": "\(archive.name)", "error": "\(error)"])
                    }
                }
            }
            // Polling: reload when the file changed and then held still for one interval.
            group.addTask {
                var last = initial
                var pending: [Stamp?]? = nil
                while !Task.isCancelled {
                    do { try await Task.sleep(for: interval) } catch { break }
                    let now = stamps()
                    if now == last { pending = nil; continue }
                    if now != pending { pending = now; continue }
                    guard now[0] != nil else {
                        // Deleted: the archive serves what it had opened, and says so.
                        if archive.failed("the index \(path) is missing; serving the index opened before") {
                            logger.error("index missing; serving the previous index", metadata: ["archive": "\(archive.name)", "path": "\(path)"])
                        }
                        last = now
                        pending = nil
                        continue
                    }
                    do {
                        try server.reload(archive)
                    } catch {
                        logger.error("reload failed; serving the previous index", metadata: ["archive": "\(archive.name)", "error": "\(error)"])
                    }
                    // Opening the index may touch its files; count that as seen.
                    last = stamps()
                    pending = nil
                }
            }
            try? await gracefulShutdown()
            hangups.continuation.finish()
            group.cancelAll()
        }
    }
}
