#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A plain TCP connection to the server under test, for what `TestClient` cannot show: how many
/// connections are open, and when the server closes one.
final class RawConnection: @unchecked Sendable {
    private(set) var fd: Int32

    /// Connects to 127.0.0.1:`port`; reads wait at most `timeout`.
    init(port: Int, timeout: Duration = .seconds(30)) throws {
        // Held in a local until connected: `deinit` runs for an initializer that throws once
        // every property is set, and a second close of a failed connection's socket could close
        // a descriptor another test has opened since.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let failure = errno
            close(fd)
            throw TestFailure("connect: errno \(failure)")
        }
        var wait = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
    }

    deinit { shut() }

    /// Closes the connection now.
    func shut() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    /// Ends what this side sends (`shutdown(SHUT_WR)`), keeping the connection open to read
    /// what the server does about it.
    func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw TestFailure("send: \(sent), errno \(errno)") }
    }

    /// Of `connections`, those on which something arrived within `duration` (bytes, or the
    /// server's close), waiting on all of them at once: it returns as soon as one has. Empty when
    /// all stayed quiet for the whole time.
    static func eventful(_ connections: [RawConnection], within duration: Duration) -> [RawConnection] {
        var polled = connections.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        let (seconds, attoseconds) = duration.components
        let milliseconds = Int32(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        guard !polled.isEmpty, poll(&polled, nfds_t(polled.count), milliseconds) > 0 else { return [] }
        return zip(connections, polled).filter { $0.1.revents != 0 }.map(\.0)
    }

    /// What `recv` gives next: bytes, `.closed` (end of stream or reset) or `.timedOut`.
    enum Received: Equatable {
        case bytes([UInt8])
        case closed
        case timedOut
    }

    func receive() -> Received {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 { return .bytes(Array(buffer[0..<count])) }
        if count == 0 { return .closed }
        switch errno {
        case EAGAIN, EWOULDBLOCK: return .timedOut
        default: return .closed
        }
    }

    /// Reads whole responses (head and `Content-Length` body) until `count` have come; their
    /// status lines. Fails if the connection closes or a read times out first.
    func responses(_ count: Int) throws -> [String] {
        var data: [UInt8] = []
        var statuses: [String] = []
        while statuses.count < count {
            if let headEnd = Self.find(Array("\r\n\r\n".utf8), in: data) {
                let head = String(decoding: data[..<headEnd], as: UTF8.self)
                let lines = head.components(separatedBy: "\r\n")
                let length = lines.compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
                if data.count >= headEnd + 4 + length {
                    statuses.append(lines[0])
                    data.removeFirst(headEnd + 4 + length)
                    continue
                }
            }
            switch receive() {
            case .bytes(let more): data += more
            case .closed: throw TestFailure("closed after \(statuses.count) of \(count) responses")
            case .timedOut: throw TestFailure("timed out after \(statuses.count) of \(count) responses")
            }
        }
        return statuses
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }

    static func get(_ path: String) -> String { "GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n" }
}

/// Runs blocking socket calls on a thread of their own, not on one of the few threads that run
/// the server's (and every other test's) tasks.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}

/// Raises this process's soft limit of open files towards `wanted` (no higher than the hard
/// limit); the limit now in force.
func raiseOpenFileLimit(to wanted: Int) -> Int {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
    if limit.rlim_cur < rlim_t(wanted) {
        limit.rlim_cur = min(rlim_t(wanted), limit.rlim_max)
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
    }
    return Int(limit.rlim_cur)
}
