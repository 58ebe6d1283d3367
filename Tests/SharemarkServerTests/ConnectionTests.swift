import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SharemarkServer

@Suite struct ConnectionLimits {
    @Test func connectionsBeyondTheLimitAreClosedAtOnce() async throws {
        try await withServer(settings: ServerSettings(maxConnections: 3)) { client, _, _ in
            // The test client's own connection is one of the three.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let port = try #require(client.port)
            let statuses = try await offPool { () -> [String] in
                let first = try RawConnection(port: port)
                let second = try RawConnection(port: port)
                var seen: [String] = []
                for connection in [first, second] {
                    try connection.send(RawConnection.get("/healthz"))
                    seen += try connection.responses(1)
                }
                // The fourth is closed without an answer, whether or not its request got out.
                let refused = try RawConnection(port: port, timeout: .seconds(20))
                try? refused.send(RawConnection.get("/healthz"))
                seen.append(refused.receive() == .closed ? "closed" : "not closed")
                // Those admitted are served as before.
                try first.send(RawConnection.get("/healthz"))
                seen += try first.responses(1)
                // A place given up is taken again: once the server has closed the connection
                // given up (the end of its requests seen), a new one is served. Its place may be
                // handed back just after the close: each try waits for the server's answer or
                // its close, no clock.
                second.finishSending()
                seen.append(second.receive() == .closed ? "closed" : "not closed")
                second.shut()
                var retaken = "not served"
                for _ in 0..<100 {
                    let next = try RawConnection(port: port, timeout: .seconds(20))
                    try? next.send(RawConnection.get("/healthz"))
                    if let answer = try? next.responses(1) {
                        retaken = answer[0]
                        break
                    }
                }
                seen.append(retaken)
                return seen
            }
            #expect(statuses == ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "closed", "HTTP/1.1 200 OK", "closed", "HTTP/1.1 200 OK"])
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }
}

/// The idle timeout (1 s here), with generous bounds for a loaded machine.
@Suite struct IdleTimeouts {
    static let settings = ServerSettings(idleTimeout: .seconds(1))

    @Test func idleConnectionsAreClosed() async throws {
        try await withServer(settings: Self.settings) { client, _, _ in
            let port = try #require(client.port)
            let outcome = try await offPool { () -> [String] in
                let start = ContinuousClock.now
                // One that had a request answered, and one that never finished its request head.
                let keptAlive = try RawConnection(port: port, timeout: .seconds(30))
                try keptAlive.send(RawConnection.get("/healthz"))
                var seen = try keptAlive.responses(1)
                let slow = try RawConnection(port: port, timeout: .seconds(30))
                try slow.send("GET /healthz HTTP/1.1\r\nHost: loc")
                seen.append(keptAlive.receive() == .closed ? "closed" : "open")
                seen.append(slow.receive() == .closed ? "closed" : "open")
                seen.append(ContinuousClock.now - start < .seconds(20) ? "in time" : "late")
                return seen
            }
            #expect(outcome == ["HTTP/1.1 200 OK", "closed", "closed", "in time"])
        }
    }

    @Test func activeAndPipelinedConnectionsStayOpen() async throws {
        // A 2 s timeout here: a request every 300 ms must not come 1 s late on a loaded machine
        // for the test to hold.
        try await withServer(settings: ServerSettings(idleTimeout: .seconds(2))) { client, _, _ in
            let port = try #require(client.port)
            let statuses = try await offPool { () -> [String] in
                let connection = try RawConnection(port: port, timeout: .seconds(30))
                // Two requests in one write, then one every 300 ms for 6 s: three timeouts' worth.
                try connection.send(RawConnection.get("/healthz") + RawConnection.get("/v1/articles/world/n10000001"))
                var seen = try connection.responses(2)
                for _ in 0..<20 {
                    // 300 ms waited on the connection itself: nothing may come, not even a close.
                    if !RawConnection.eventful([connection], within: .milliseconds(300)).isEmpty { seen.append("not quiet") }
                    try connection.send(RawConnection.get("/healthz"))
                    seen += try connection.responses(1)
                }
                return seen
            }
            #expect(statuses == Array(repeating: "HTTP/1.1 200 OK", count: 22))
        }
    }

    /// 500 connections that send nothing, opened at once, and new ones while they are open and
    /// while the timeout closes them: each new one is answered well before a client would give up.
    @Test func newConnectionsAreAnsweredWhileManyIdleOnesAreOpen() async throws {
        // Room for both ends of 500 connections in this one process, as the abuse script makes.
        try #require(raiseOpenFileLimit(to: 4096) >= 1500, "too low a limit of open files for 500 connections")
        try await withServer(settings: Self.settings) { client, _, _ in
            let port = try #require(client.port)
            let outcome = try await offPool { () -> (answered: Int, slowest: Duration, idleClosed: Int) in
                let idle = try (0..<500).map { _ in try RawConnection(port: port, timeout: .seconds(30)) }
                var open = idle
                var answered = 0
                var slowest = Duration.zero
                for _ in 0..<12 {
                    let start = ContinuousClock.now
                    let fresh = try RawConnection(port: port, timeout: .seconds(10))
                    try fresh.send(RawConnection.get("/healthz"))
                    if (try? fresh.responses(1)) == ["HTTP/1.1 200 OK"] { answered += 1 }
                    slowest = max(slowest, ContinuousClock.now - start)
                    // The next one once more idle connections are closed, or after 250 ms: new
                    // connections come while the idle ones are open and while they are closed.
                    let closed = Set(RawConnection.eventful(open, within: .milliseconds(250)).map(ObjectIdentifier.init))
                    open.removeAll { closed.contains(ObjectIdentifier($0)) }
                }
                let idleClosed = idle.filter { $0.receive() == .closed }.count
                return (answered, slowest, idleClosed)
            }
            #expect(outcome.answered == 12)
            #expect(outcome.slowest < .seconds(10))
            #expect(outcome.idleClosed == 500)
        }
    }
}

/// No route reads a request body: a request that declares one is answered with
/// `Connection: close` and its connection closed, instead of reading the body it announced.
@Suite struct DeclaredBodies {
    /// Everything the server sends until it closes the connection, or `nil` if a read timed out
    /// first (the connection was left open).
    static func untilClosed(_ connection: RawConnection) -> String? {
        var data: [UInt8] = []
        while true {
            switch connection.receive() {
            case .bytes(let more): data += more
            case .closed: return String(decoding: data, as: UTF8.self)
            case .timedOut: return nil
            }
        }
    }

    @Test func aRequestDeclaringABodyIsAnsweredAndClosed() async throws {
        try await withServer { client, _, _ in
            let port = try #require(client.port)
            let answers = try await offPool { () -> [String?] in
                // 100 GB announced, three bytes sent: not read through.
                let huge = try RawConnection(port: port, timeout: .seconds(20))
                try huge.send("POST /nothing HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000000000\r\n\r\nabc")
                // A chunked body on an article's route, never finished.
                let chunked = try RawConnection(port: port, timeout: .seconds(20))
                try chunked.send("GET /v1/articles/world/n10000004 HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")
                return [Self.untilClosed(huge), Self.untilClosed(chunked)]
            }
            let huge = try #require(answers[0], "the connection announcing 100 GB was left open")
            #expect(huge.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
            #expect(huge.lowercased().contains("\r\nconnection: close\r\n"))
            #expect(huge.contains("application/problem+json"))
            let chunked = try #require(answers[1], "the connection sending a chunked body was left open")
            #expect(chunked.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(chunked.lowercased().contains("\r\nconnection: close\r\n"))
            #expect(chunked.contains("\"id\":\"n10000004\""))
        }
    }

    @Test func requestsWithoutABodyKeepTheirConnection() async throws {
        try await withServer { client, _, _ in
            let port = try #require(client.port)
            let statuses = try await offPool { () -> [String] in
                let connection = try RawConnection(port: port, timeout: .seconds(20))
                try connection.send(RawConnection.get("/healthz"))
                try connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")
                try connection.send(RawConnection.get("/v1/articles/world/n10000004"))
                return try connection.responses(3)
            }
            #expect(statuses == ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"])
        }
    }
}
