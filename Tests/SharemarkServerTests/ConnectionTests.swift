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
                // A place given up is taken again (once the server has seen the close).
                second.shut()
                var retaken = "not served"
                for _ in 0..<100 {
                    let next = try RawConnection(port: port, timeout: .seconds(20))
                    try? next.send(RawConnection.get("/healthz"))
                    if let answer = try? next.responses(1) {
                        retaken = answer[0]
                        break
                    }
                    Thread.sleep(forTimeInterval: 0.1)
                }
                seen.append(retaken)
                return seen
            }
            #expect(statuses == ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "closed", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"])
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }
}
