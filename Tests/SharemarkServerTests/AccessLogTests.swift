import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing
@testable import SharemarkServer

/// What a logger was given: message, level and metadata of each line.
final class LogCapture: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])
    var lines: [Entry] { entries.withLock { $0 } }

    func logger(_ label: String = "capture") -> Logger {
        Logger(label: label) { _ in Handler(capture: self) }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }.mapValues { "\($0)" }
            capture.entries.withLock {
                $0.append(Entry(level: event.level, message: event.message.description, metadata: merged))
            }
        }
    }
}

@Suite struct AccessLog {
    @Test func eachRequestIsOneLine() async throws {
        let capture = LogCapture()
        let archive = try TestArchive.make()
        defer { archive.remove() }
        let server = try archive.server(settings: ServerSettings(accessLog: true), accessLogger: capture.logger())
        try await server.application(watchIndexAt: nil).test(.live) { client in
            let found = try await client.execute(uri: "/v1/articles/world/n10000001", method: .get)
            #expect(found.status == .ok)
            #expect(capture.lines.count == 1)
            let missing = try await client.execute(uri: "/v1/articles/world/n999?private=1", method: .get)
            #expect(missing.status == .notFound)
            let lines = capture.lines
            try #require(lines.count == 2)

            let first = lines[0]
            #expect(first.level == .info)
            let pattern = #/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) GET /v1/articles/world/n10000001 200 (\d+) (\d+\.\d\d)ms$/#
            let match = try #require(first.message.wholeMatch(of: pattern), "line: \(first.message)")
            #expect(Int(match.2) == found.body.readableBytes)
            #expect(first.metadata["method"] == "GET")
            #expect(first.metadata["path"] == "/v1/articles/world/n10000001")
            #expect(first.metadata["status"] == "200")
            #expect(first.metadata["bytes"] == String(found.body.readableBytes))
            #expect(first.metadata["time"] == String(match.1))
            #expect(first.metadata["duration_ms"] == String(match.3))

            // The problem-details answer of an error; the query is left out.
            #expect(lines[1].message.contains(" GET /v1/articles/world/n999 404 \(missing.body.readableBytes) "))
            #expect(!lines[1].message.contains("private"))
        }
    }

    @Test func offUnlessAsked() async throws {
        let capture = LogCapture()
        let archive = try TestArchive.make()
        defer { archive.remove() }
        let server = try archive.server(accessLogger: capture.logger())
        try await server.application(watchIndexAt: nil).test(.live) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
        }
        #expect(capture.lines.isEmpty)
    }
}
