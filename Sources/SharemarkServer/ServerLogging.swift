#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Logging
import SharemarkArchive
import Synchronization

/// Process-wide logging for the server command: lines to standard error at `level`.
public enum ServerLogging {
    public static func bootstrap(level: Logger.Level = .info) {
        LoggingSystem.bootstrap { label in
            var handler = ServerLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
    }

    public static func logger(_ label: String = "sharemark.serve") -> Logger { Logger(label: label) }

    /// Writes every line logged so far; the server calls it when it stops.
    public static func flush() { LogWriter.standardError.flush() }
}

/// Log lines buffered in memory and written to a file descriptor by one thread of its own:
/// whenever 64 KiB have gathered, when a warning or error comes (at once), and at least every
/// 100 ms otherwise, so that a line reaches the log within a tenth of a second. Lines are
/// appended whole under a lock, so lines of several threads never interleave. A write that
/// fails drops what it held: logging has nowhere to report that.
final class LogWriter: Sendable {
    static let standardError = LogWriter(fd: STDERR_FILENO)

    private let fd: Int32
    private let pending = Mutex<[UInt8]>([])
    /// Serialises the writes of the flusher and of `flush()`, in order.
    private let writing = Mutex<Void>(())
    private let wake = DispatchSemaphore(value: 0)
    static let threshold = 64 << 10
    static let interval = DispatchTimeInterval.milliseconds(100)

    init(fd: Int32) {
        self.fd = fd
        Thread.detachNewThread { [self] in
            while true {
                _ = wake.wait(timeout: .now() + Self.interval)
                flush()
            }
        }
    }

    func append(_ line: String, now: Bool = false) {
        let size = pending.withLock { buffer in
            buffer.append(contentsOf: line.utf8)
            return buffer.count
        }
        if now || size >= Self.threshold { wake.signal() }
    }

    /// Writes what has gathered, before returning.
    func flush() {
        writing.withLock { _ in
            let bytes = pending.withLock { buffer in
                defer { buffer.removeAll(keepingCapacity: true) }
                return buffer
            }
            if !bytes.isEmpty { _ = writeAll(fd, bytes) }
        }
    }
}

/// Lines to standard error in swift-log's `StreamLogHandler` format
/// (`2026-11-29T05:10:00+0000 info label: key=value [source] message`), with the metadata
/// rendered when a line is written rather than whenever it is set: Hummingbird sets a request
/// id on every request's logger, and most requests log nothing.
public struct ServerLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, new in new }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit) { _, new in new }
        }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let rendered = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
        let line = "\(Self.timestamp()) \(event.level)\(label.isEmpty ? "" : " ")\(label):\(rendered) [\(event.source)] \(event.message)\n"
        // Whole lines into one buffer, written by its own thread: a request's access line
        // costs a copy, not a system call on the event loop.
        LogWriter.standardError.append(line, now: event.level >= .warning)
    }

    private static func timestamp() -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return "<unknown>" }
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
