import Foundation
import Hummingbird
import HummingbirdTesting
import SharemarkArchive
import Testing
@testable import SharemarkServer

/// One service for an organisation's archives: two sibling archives (the second a copy of the
/// first under another repository name), served by one server.
@Suite struct SeveralArchivesTests {
    static func served(_ archive: TestArchive) throws -> ServedArchive {
        let index = try ArchiveIndex(archive: archive.root)
        _ = try index.update()
        let root = archive.root
        let catalog = IndexCatalog(index: index)
        let store = try CatalogStore(initial: catalog) { try IndexCatalog.open(archive: root) }
        return ServedArchive(name: catalog.archiveName, store: store, indexPath: index.databasePath)
    }

    @Test func lookupsSearchAndShareLinksSpanTheArchives() async throws {
        let news = try TestArchive.make(), banned = try TestArchive.make()
        defer { news.remove(); banned.remove() }
        // The sibling names its own repository; its pages were copied with the first one's footers.
        try banned.write("sharemark.toml", "owner = \"example-org\"\nrepository = \"banned\"\n")
        let archives = [try Self.served(news), try Self.served(banned)]
        #expect(archives.map(\.name) == ["example-org/mirror", "example-org/banned"])
        let server = SharemarkServer(archives: archives)
        try await server.application().test(.live) { client in
            let list = try json(try await client.execute(uri: "/v1/archives", method: .get))
            let infos = try #require(list["archives"] as? [[String: Any]])
            #expect(infos.map { $0["name"] as? String } == ["example-org/mirror", "example-org/banned"])
            #expect(infos.map { $0["pages"] as? Int } == [6, 6])
            #expect(infos.map { $0["pngs"] as? Int } == [4, 4])

            // With several archives, each one's articles are under its name only.
            try expectProblem(try await client.execute(uri: "/v1/articles/world/n10000001", method: .get), 404)
            let article = try json(try await client.execute(uri: "/v1/archives/example-org/banned/articles/world/n10000004", method: .get))
            #expect(article["canonicalMirrorURL"] as? String == "https://github.com/example-org/banned/blob/master/pages/world/n10000004.md")
            let png = try await client.execute(uri: "/v1/archives/example-org/mirror/articles/world/n10000004/qr.png", method: .get)
            #expect(png.status == .ok && png.headers[.contentType] == "image/png")

            // An original URL both archives mirror: one result each, in the order served.
            let original = "https://www.example-news.com/gb/21/5/20/n10000004.htm"
            let both = try json(try await client.execute(uri: "/v1/lookup?q=\(original)", method: .get))
            let results = try #require(both["results"] as? [[String: Any]])
            #expect(both["count"] as? Int == 2)
            #expect(results.map { $0["archive"] as? String } == ["example-org/mirror", "example-org/banned"])
            #expect(results.map { $0["canonical"] as? Bool } == [false, false])
            // A mirror URL names its archive: that archive's page, canonical.
            let named = try json(try await client.execute(
                uri: "/v1/lookup?q=https://github.com/example-org/banned/blob/master/pages/world/n10000004.md", method: .get))
            let first = try #require((named["results"] as? [[String: Any]])?.first)
            #expect(named["count"] as? Int == 1 && first["archive"] as? String == "example-org/banned" && first["canonical"] as? Bool == true)
            try expectProblem(try await client.execute(uri: "/v1/lookup?q=n99999999", method: .get), 404)
            try expectProblem(try await client.execute(uri: "/v1/lookup?q=", method: .get), 400)

            // Stable share links: a redirect to the current canonical URL.
            let share = try await client.execute(uri: "/s/example-org/banned/world/n10000004", method: .get)
            #expect(share.status == .found)
            #expect(share.headers[.location] == "https://github.com/example-org/banned/blob/master/pages/world/n10000004.md")
            try expectProblem(try await client.execute(uri: "/s/example-org/nope/world/n10000004", method: .get), 404)
            try expectProblem(try await client.execute(uri: "/s/example-org/banned/world/n404", method: .get), 404)

            // Search spans the archives, each result naming its own; archive= narrows it.
            let all = try json(try await client.execute(uri: "/v1/search?q=Arctic", method: .get))
            #expect(Set((all["results"] as? [[String: Any]] ?? []).compactMap { $0["archive"] as? String })
                    == ["example-org/mirror", "example-org/banned"])
            let one = try json(try await client.execute(uri: "/v1/search?q=Arctic&archive=example-org/banned", method: .get))
            #expect((one["results"] as? [[String: Any]] ?? []).allSatisfy { $0["archive"] as? String == "example-org/banned" })
            #expect((one["results"] as? [[String: Any]])?.isEmpty == false)
            try expectProblem(try await client.execute(uri: "/v1/search?q=Arctic&archive=nope", method: .get), 400)
            let page = String(buffer: try await client.execute(uri: "/?q=Arctic", method: .get).body)
            #expect(page.contains("<select name=\"archive\""))
            #expect(page.contains("/v1/archives/example-org/banned/articles/world/n10000004/qr.png"))

            // One archive's index broken: reported, the others (and it, from what it had) serve on.
            var health = try json(try await client.execute(uri: "/healthz", method: .get))
            #expect(health["status"] as? String == "ok" && health["articles"] as? Int == 12)
            try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: archives[1].indexPath!))
            #expect(throws: (any Error).self) { try server.reload(archives[1]) }
            health = try json(try await client.execute(uri: "/healthz", method: .get))
            #expect(health["status"] as? String == "degraded")
            let states = try #require(health["archives"] as? [[String: Any]])
            #expect(states.map { $0["status"] as? String } == ["ok", "failing"])
            #expect((states[1]["error"] as? String)?.contains("reload failed") == true)
            #expect(try await client.execute(uri: "/v1/archives/example-org/banned/articles/world/n10000004", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v1/archives/example-org/mirror/articles/world/n10000004", method: .get).status == .ok)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"sharemark_index_articles{archive="example-org/banned"} 6"#), "\(metrics)")
        }
    }
}
