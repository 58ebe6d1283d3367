import Foundation
import Hummingbird
import HummingbirdTesting
import SharemarkArchive
import SharemarkJobs
import SharemarkQR
import SharemarkTestSupport
import Testing
@testable import SharemarkServer

/// Runs `body` against a live server (ephemeral loopback port) over a fresh test archive.
func withServer(settings: ServerSettings = ServerSettings(), watch: Bool = false,
                _ body: @Sendable (any TestClientProtocol, TestArchive, SharemarkServer) async throws -> Void) async throws {
    let archive = try TestArchive.make()
    defer { archive.remove() }
    let server = try archive.server(settings: settings)
    let app = server.application(watchIndexAt: watch ? ArchiveIndex.defaultPath(archive: archive.root) : nil)
    try await app.test(.live) { client in try await body(client, archive, server) }
}

func json(_ response: TestResponse) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
}

/// Checks a problem-details answer: status, content type and the four members.
func expectProblem(_ response: TestResponse, _ status: Int, mentioning word: String? = nil,
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(response.status.code == status, sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
    let body = try json(response)
    #expect(body["status"] as? Int == status, sourceLocation: sourceLocation)
    #expect(body["type"] is String && body["title"] is String, sourceLocation: sourceLocation)
    let detail = try #require(body["detail"] as? String, sourceLocation: sourceLocation)
    if let word { #expect(detail.contains(word), "detail: \(detail)", sourceLocation: sourceLocation) }
}

@Suite struct ArticleEndpoints {
    @Test func articleByCategoryAndID() async throws {
        try await withServer { client, _, _ in
            let response = try await client.execute(uri: "/v1/articles/world/n10000001", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let body = try json(response)
            #expect(Set(body.keys) == ["title", "category", "id", "mirrorURL", "canonicalMirrorURL", "shareURL", "qrImageURL", "originalURL", "date"])
            #expect(body["title"] as? String == "北极理事会外长会议在雷克雅未克开幕")
            #expect(body["category"] as? String == "world")
            #expect(body["id"] as? String == "n10000001")
            #expect(body["mirrorURL"] as? String == TestArchive.mirrorURL("world", "n10000001"))
            #expect(body["canonicalMirrorURL"] as? String == TestArchive.mirrorURL("world", "n10000001"))
            #expect(body["qrImageURL"] as? String == "https://cdn.jsdelivr.net/gh/example-org/mirror/pages/world/n10000001.md.png")
            #expect(body["originalURL"] as? String == "https://www.example-news.com/gb/21/5/20/n10000001.htm")
            #expect(body["date"] as? String == "2021-05-20")
        }
    }

    @Test func articleByUniqueID() async throws {
        try await withServer { client, _, _ in
            let response = try await client.execute(uri: "/v1/articles/n10000004", method: .get)
            #expect(response.status == .ok)
            #expect(try json(response)["category"] as? String == "world")
        }
    }

    @Test func ambiguousIDIsAConflictListingTheCandidates() async throws {
        try await withServer { client, _, _ in
            let response = try await client.execute(uri: "/v1/articles/n10000001", method: .get)
            try expectProblem(response, 409, mentioning: "culture/n10000001")
            let candidates = try #require(try json(response)["candidates"] as? [[String: Any]])
            #expect(Set(candidates.compactMap { $0["category"] as? String }) == ["world", "culture"])
        }
    }

    @Test func unknownArticlesAre404() async throws {
        try await withServer { client, _, _ in
            try expectProblem(try await client.execute(uri: "/v1/articles/world/n999", method: .get), 404, mentioning: "world/n999")
            try expectProblem(try await client.execute(uri: "/v1/articles/n999", method: .get), 404)
            try expectProblem(try await client.execute(uri: "/v1/articles/nowhere/n10000001/qr.png", method: .get), 404)
            try expectProblem(try await client.execute(uri: "/v1/nothing-here", method: .get), 404)
        }
    }

    @Test func pageWithoutFooterHasACanonicalLinkOnly() async throws {
        try await withServer { client, _, _ in
            let response = try await client.execute(uri: "/v1/articles/culture/painting", method: .get)
            #expect(response.status == .ok)
            let body = try json(response)
            #expect(body["mirrorURL"] == nil || body["mirrorURL"] is NSNull)
            #expect(body["canonicalMirrorURL"] as? String == TestArchive.mirrorURL("culture", "painting"))
        }
    }

    @Test(arguments: [
        "/v1/articles/..%2f..%2fetc/passwd",
        "/v1/articles/%2e%2e/%2e%2e/qr.png",
        "/v1/articles/world/..%2fn10000001/qr.png",
        "/v1/articles/world/n10000001%00/qr.png",
        "/v1/articles/%2fetc/passwd/qr.png",
        "/v1/articles/world/%2e%2e",
        "/v1/articles/../../etc/passwd",
        "/v1/articles/world/..%5c..%5cetc/qr.svg",
        "/v1/articles/%2Fetc%2Fpasswd",
        "/v1/articles/world/n10000001.md.png",
    ])
    func traversalAttemptsAre404(uri: String) async throws {
        try await withServer { client, _, _ in
            let response = try await client.execute(uri: uri, method: .get)
            try expectProblem(response, 404)
        }
    }
}

@Suite struct ShareQREndpoints {
    @Test func validAssetIsServedAsItIsWithCachingHeaders() async throws {
        try await withServer { client, archive, _ in
            let response = try await client.execute(uri: "/v1/articles/world/n10000001/qr.png", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "image/png")
            #expect(response.headers[.cacheControl] == "public, max-age=300")
            let etag = try #require(response.headers[.eTag])
            #expect(etag.hasPrefix("\"") && etag.hasSuffix("\""))
            let asset = try Data(contentsOf: URL(fileURLWithPath: archive.root + "/pages/world/n10000001.md.png"))
            #expect(Data(buffer: response.body) == asset)
            #expect(try zbarDecode(Array(buffer: response.body)) == TestArchive.mirrorURL("world", "n10000001"))

            let again = try await client.execute(uri: "/v1/articles/world/n10000001/qr.png", method: .get,
                                                 headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            #expect(again.headers[.eTag] == etag)
            let other = try await client.execute(uri: "/v1/articles/world/n10000001/qr.png", method: .get,
                                                 headers: [.ifNoneMatch: "\"something-else\""])
            #expect(other.status == .ok)
            let head = try await client.execute(uri: "/v1/articles/world/n10000001/qr.png", method: .head)
            #expect(head.status == .ok)
            #expect(head.headers[.eTag] == etag)
            #expect(head.body.readableBytes == 0)
        }
    }

    @Test func missingAssetIsRenderedFromTheMirrorURL() async throws {
        try await withServer { client, _, server in
            let response = try await client.execute(uri: "/v1/articles/world/n10000002/qr.png", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.eTag] != nil)
            #expect(try zbarDecode(Array(buffer: response.body)) == TestArchive.mirrorURL("world", "n10000002"))
            let image = try PNGImage(pngBytes: Array(buffer: response.body))
            #expect(image.width == 164)  // version 4, 41 modules at scale 4: the archive's style
            let metrics = String(decoding: server.metrics.exposition(), as: UTF8.self)
            #expect(metrics.contains(#"sharemark_qr_renders_total{format="png"} 1"#))
        }
    }

    @Test func assetOfAnotherURLIsReplacedByARenderedOne() async throws {
        try await withServer { client, archive, _ in
            let response = try await client.execute(uri: "/v1/articles/world/n10000003/qr.png", method: .get)
            #expect(response.status == .ok)
            let asset = try Data(contentsOf: URL(fileURLWithPath: archive.root + "/pages/world/n10000003.md.png"))
            #expect(Data(buffer: response.body) != asset)
            #expect(try zbarDecode(Array(buffer: response.body)) == TestArchive.mirrorURL("world", "n10000003"))
        }
    }

    @Test func pageWithoutFooterGetsARenderedQR() async throws {
        try await withServer { client, _, _ in
            let response = try await client.execute(uri: "/v1/articles/culture/painting/qr.png", method: .get)
            #expect(response.status == .ok)
            #expect(try zbarDecode(Array(buffer: response.body)) == TestArchive.mirrorURL("culture", "painting"))
        }
    }

    @Test func svgOfTheShareQR() async throws {
        try await withServer { client, _, _ in
            let response = try await client.execute(uri: "/v1/articles/culture/n10000001/qr.svg", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "image/svg+xml")
            let etag = try #require(response.headers[.eTag])
            #expect(String(buffer: response.body).contains("<svg"))
            let again = try await client.execute(uri: "/v1/articles/culture/n10000001/qr.svg", method: .get,
                                                 headers: [.ifNoneMatch: "W/\"x\", \(etag)"])
            #expect(again.status == .notModified)
        }
    }

    /// The service takes the archive's PNG exactly when `verify` does (one check, AssetCheck):
    /// a PNG of another geometry that zbar reads is served as it is; a symbolic link where the
    /// PNG belongs is not followed, and a rendered image is served instead.
    @Test func anAssetVerifyAcceptsIsServedAndALinkIsNot() async throws {
        try await withServer { client, archive, _ in
            // qrencode's image on a canvas two pixels wider than high: not our grid's geometry.
            let path = archive.root + "/pages/world/n10000004.md.png"
            let padded = try Run.bash("""
                qrencode -o - -s 4 '\(TestArchive.mirrorURL("world", "n10000004"))' | pngtopnm | pnmpad -white -right 2 | pnmtopng > '\(path)'
                """)
            try #require(padded.status == 0, "\(padded.err)")
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(AssetCheck.check(pngBytes: bytes, payload: TestArchive.mirrorURL("world", "n10000004")) == .matches(.zbar))
            let served = try await client.execute(uri: "/v1/articles/world/n10000004/qr.png", method: .get)
            #expect(served.status == .ok && Array(buffer: served.body) == bytes)

            // A PNG of n10000002's own URL elsewhere in the archive, linked from where its PNG
            // belongs: a correct image, but through a link, which verify reports and the
            // service does not follow.
            try FileManager.default.createDirectory(atPath: archive.root + "/elsewhere", withIntermediateDirectories: true)
            try archive.qrencode(TestArchive.mirrorURL("world", "n10000002"), to: "elsewhere/n2.png")
            let target = Array(try Data(contentsOf: URL(fileURLWithPath: archive.root + "/elsewhere/n2.png")))
            try FileManager.default.createSymbolicLink(atPath: archive.root + "/pages/world/n10000002.md.png",
                                                       withDestinationPath: "../../elsewhere/n2.png")
            let linked = try await client.execute(uri: "/v1/articles/world/n10000002/qr.png", method: .get)
            #expect(linked.status == .ok)
            #expect(Array(buffer: linked.body) != target)
            #expect(try zbarDecode(Array(buffer: linked.body)) == TestArchive.mirrorURL("world", "n10000002"))
        }
    }

    @Test func changedAssetFileIsReadAgain() async throws {
        try await withServer(settings: ServerSettings(assetRecheck: .zero)) { client, archive, _ in
            let first = try await client.execute(uri: "/v1/articles/world/n10000004/qr.png", method: .get)
            // Same payload, another module size: a new file, still valid, served as it is.
            let path = archive.root + "/pages/world/n10000004.md.png"
            #expect(try Run.run(["qrencode", "-o", path, "-s", "6", TestArchive.mirrorURL("world", "n10000004")]).status == 0)
            let second = try await client.execute(uri: "/v1/articles/world/n10000004/qr.png", method: .get)
            #expect(first.headers[.eTag] != second.headers[.eTag])
            #expect(Data(buffer: second.body) == (try Data(contentsOf: URL(fileURLWithPath: path))))
        }
    }

    /// Within `assetRecheck` of the last look, the file is not looked at again: the answer held
    /// is sent, even for a file changed meanwhile.
    @Test func assetSeenUnchangedIsNotLookedAtAgainWithinTheRecheck() async throws {
        try await withServer(settings: ServerSettings(assetRecheck: .seconds(3600))) { client, archive, _ in
            let uri = "/v1/articles/world/n10000004/qr.png"
            let path = archive.root + "/pages/world/n10000004.md.png"
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let first = try await client.execute(uri: uri, method: .get)
            #expect(Data(buffer: first.body) == before)
            #expect(try Run.run(["qrencode", "-o", path, "-s", "6", TestArchive.mirrorURL("world", "n10000004")]).status == 0)
            try #require(try Data(contentsOf: URL(fileURLWithPath: path)) != before)
            let second = try await client.execute(uri: uri, method: .get)
            #expect(second.headers[.eTag] == first.headers[.eTag])
            #expect(Data(buffer: second.body) == before)
        }
    }
}

@Suite struct AdHocQREndpoint {
    @Test func pngOfAnyData() async throws {
        try await withServer { client, _, _ in
            let response = try await client.execute(uri: "/v1/qr?data=hello+world%21&scale=3&margin=2&level=M", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "image/png")
            #expect(response.headers[.eTag] != nil)
            #expect(try zbarDecode(Array(buffer: response.body)) == "hello world!")
            let image = try PNGImage(pngBytes: Array(buffer: response.body))
            #expect(image.width == (21 + 4) * 3)  // 12 bytes fit version 1 at level M
        }
    }

    @Test func coloursAndSVG() async throws {
        try await withServer { client, _, _ in
            let png = try await client.execute(uri: "/v1/qr?data=abc&fg=112233&bg=ffeeddff", method: .get)
            #expect(png.status == .ok)
            let image = try PNGImage(pngBytes: Array(buffer: png.body))
            #expect(image.pixel(x: 0, y: 0) == RGBAColor(red: 0xff, green: 0xee, blue: 0xdd))
            #expect(try zbarDecode(Array(buffer: png.body)) == "abc")
            let svg = try await client.execute(uri: "/v1/qr?data=abc&format=svg", method: .get)
            #expect(svg.status == .ok)
            #expect(svg.headers[.contentType] == "image/svg+xml")
            #expect(String(buffer: svg.body).contains("<svg"))
        }
    }

    /// The most data a level takes comes from the encoder (8-bit mode, version 40): a payload
    /// of exactly that many bytes is served and scans back to itself; one byte more (a two-byte
    /// character in place of the last letter) is a 400 that names both numbers.
    @Test(arguments: [(ErrorCorrectionLevel.L, 2953), (ErrorCorrectionLevel.H, 1273)])
    func dataLimitIsTheEncodersForTheLevel(level: ErrorCorrectionLevel, limit: Int) async throws {
        #expect(AdHocQRLimits.maxDataBytes(level: level) == limit)
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let fitting = String((0..<limit).map { letters[($0 * 7 + $0 / 26) % 26] })
        try await withServer { client, _, _ in
            let response = try await client.execute(uri: "/v1/qr?level=\(level.rawValue)&data=\(fitting)", method: .get)
            #expect(response.status == .ok)
            let image = try PNGImage(pngBytes: Array(buffer: response.body))
            #expect(image.width == (177 + 2 * 4) * 4)  // version 40 at the default margin and scale
            #expect(try zbarDecode(Array(buffer: response.body)) == fitting)

            let over = String(fitting.dropLast()) + "%C3%A9"
            let refused = try await client.execute(uri: "/v1/qr?level=\(level.rawValue)&data=\(over)", method: .get)
            try expectProblem(refused, 400, mentioning: "'data': \(limit + 1) bytes; at most \(limit) bytes fit a QR code at level \(level.rawValue)")
        }
    }

    @Test(arguments: [
        ("/v1/qr", "data"),
        ("/v1/qr?data=", "data"),
        ("/v1/qr?data=%ZZ", "data"),
        ("/v1/qr?data=" + String(repeating: "x", count: 3000), "data"),
        ("/v1/qr?data=a&format=gif", "format"),
        ("/v1/qr?data=a&scale=0", "scale"),
        ("/v1/qr?data=a&scale=21", "scale"),
        ("/v1/qr?data=a&scale=four", "scale"),
        ("/v1/qr?data=a&margin=-1", "margin"),
        ("/v1/qr?data=a&margin=21", "margin"),
        ("/v1/qr?data=a&level=X", "level"),
        ("/v1/qr?data=a&fg=red", "fg"),
        ("/v1/qr?data=a&bg=12345", "bg"),
        ("/v1/qr?data=" + String(repeating: "y", count: 2800) + "&scale=20&margin=20", "scale"),
        ("/v1/search", "q"),
        ("/v1/search?q=", "q"),
        ("/v1/search?q=arctic&limit=0", "limit"),
        ("/v1/search?q=" + String(repeating: "z", count: 300), "q"),
    ])
    func badParametersAre400NamingThem(uri: String, parameter: String) async throws {
        try await withServer { client, _, _ in
            let response = try await client.execute(uri: uri, method: .get)
            try expectProblem(response, 400, mentioning: "'\(parameter)'")
        }
    }
}

@Suite struct SearchPageHealthMetrics {
    @Test func searchFindsArticles() async throws {
        try await withServer { client, _, _ in
            let response = try await client.execute(uri: "/v1/search?q=Arctic", method: .get)
            #expect(response.status == .ok)
            let body = try json(response)
            let results = try #require(body["results"] as? [[String: Any]])
            #expect(Set(results.compactMap { $0["id"] as? String }) == ["n10000002", "n10000004"])
            #expect(body["count"] as? Int == 2)
            let chinese = try await client.execute(uri: "/v1/search?q=%E7%90%86%E4%BA%8B%E4%BC%9A", method: .get)
            let found = try #require(try json(chinese)["results"] as? [[String: Any]])
            #expect(found.first?["id"] as? String == "n10000001")
        }
    }

    @Test func htmlPageEscapesAndLinksQRImages() async throws {
        try await withServer { client, _, _ in
            let empty = try await client.execute(uri: "/", method: .get)
            #expect(empty.status == .ok)
            #expect(empty.headers[.contentType] == "text/html; charset=utf-8")
            #expect(String(buffer: empty.body).contains("<form method=\"get\" action=\"/\""))

            let response = try await client.execute(uri: "/?q=arctic+council", method: .get)
            let html = String(buffer: response.body)
            #expect(html.contains("Arctic &lt;b&gt;council&lt;/b&gt; &amp; &quot;friends&quot; meet"))
            #expect(!html.contains("<b>council</b>"))
            #expect(html.contains("<img src=\"/v1/articles/world/n10000002/qr.png\""))
            #expect(html.contains("https://www.example-news.com/gb/21/5/20/n10000002.htm"))
            #expect(html.contains("value=\"arctic council\""))
            #expect(!html.contains("<script"))

            let hostile = try await client.execute(uri: "/?q=%3Cscript%3Ealert(1)%3C/script%3E", method: .get)
            #expect(!String(buffer: hostile.body).contains("<script>"))
        }
    }

    @Test func healthAndMetrics() async throws {
        try await withServer { client, _, _ in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(try json(health)["articles"] as? Int == 6)
            _ = try await client.execute(uri: "/v1/articles/world/n10000001/qr.png", method: .get)
            _ = try await client.execute(uri: "/v1/articles/world/n10000001/qr.png", method: .get)
            _ = try await client.execute(uri: "/v1/qr?data=x", method: .get)
            _ = try await client.execute(uri: "/v1/articles/n10000004", method: .get)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: metrics.body)
            #expect(text.contains(#"sharemark_index_articles{archive="example-org/mirror"} 6"#), "\(text)")
            #expect(text.contains(#"sharemark_http_requests_total{route="/v1/articles/{category}/{id}/qr.png",method="GET",status="200"} 2"#))
            #expect(text.contains(#"sharemark_http_request_duration_seconds_bucket{route="/v1/qr""#))
            #expect(text.contains(#"sharemark_http_requests_total{route="/v1/articles/{id}",method="GET",status="200"} 1"#))
            #expect(text.contains(#"sharemark_qr_renders_total{format="png"} 1"#))
            #expect(text.contains("sharemark_qr_cache_hits_total 1"))
            #expect(text.contains("# TYPE sharemark_http_requests_total counter"))
        }
    }
}

@Suite struct IndexReload {
    @Test func rebuiltIndexIsPickedUp() async throws {
        let settings = ServerSettings(reloadInterval: .milliseconds(100))
        try await withServer(settings: settings, watch: true) { client, archive, _ in
            try expectProblem(try await client.execute(uri: "/v1/articles/world/n20000001", method: .get), 404)
            try archive.addPage(category: "world", id: "n20000001", title: "A page added later", png: .valid)
            _ = try ArchiveIndex(archive: archive.root).update()
            // A reload may land while the update is still writing (the files changed, then held
            // still for an interval): the page is served by the snapshot that counts it.
            var status = 0
            var health: [String: Any] = [:]
            for _ in 0..<100 {
                status = Int(try await client.execute(uri: "/v1/articles/world/n20000001", method: .get).status.code)
                health = try json(try await client.execute(uri: "/healthz", method: .get))
                if status == 200 && health["articles"] as? Int == 7 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(status == 200)
            #expect(health["articles"] as? Int == 7)
            #expect((health["generation"] as? Int ?? 0) >= 2)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"sharemark_index_articles{archive="example-org/mirror"} 7"#), "\(metrics)")
        }
    }

    @Test func sighupReloadsAtOnce() async throws {
        // Polling is off (an hour); only the signal can reload. Ignored up front, so that a
        // signal sent before the watcher listens does not end the test process.
        _ = IndexWatcher.ignoreHangup
        let settings = ServerSettings(reloadInterval: .seconds(3600))
        try await withServer(settings: settings, watch: true) { client, _, server in
            let before = server.store.snapshot.generation
            for _ in 0..<50 where server.store.snapshot.generation == before {
                kill(getpid(), SIGHUP)
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(server.store.snapshot.generation > before)
            let health = try json(try await client.execute(uri: "/healthz", method: .get))
            #expect((health["generation"] as? Int ?? 0) > before)
        }
    }

    @Test func requestsDuringReloadsAllSucceed() async throws {
        try await withServer { client, _, server in
            // The reloads are paced by the requests, not by a clock: one after every seventh
            // answer, while the next requests are already on their way.
            let (answered, answer) = AsyncStream.makeStream(of: Int.self)
            let generationsSeen = try await withThrowingTaskGroup(of: ([Int], Set<Int>).self) { group in
                group.addTask {
                    var reloads = 0
                    for await count in answered where count % 7 == 0 && reloads < 20 {
                        try server.reload()
                        reloads += 1
                    }
                    while reloads < 20 {
                        try server.reload()
                        reloads += 1
                    }
                    return ([], [])
                }
                group.addTask {
                    defer { answer.finish() }
                    var statuses: [Int] = []
                    var generations: Set<Int> = []
                    for i in 0..<150 {
                        let uri = i % 2 == 0 ? "/v1/articles/world/n10000004/qr.png" : "/v1/articles/world/n10000004"
                        statuses.append(Int(try await client.execute(uri: uri, method: .get).status.code))
                        generations.insert(server.store.snapshot.generation)
                        answer.yield(i + 1)
                    }
                    return (statuses, generations)
                }
                var all: [Int] = []
                var generations: Set<Int> = []
                for try await (statuses, seen) in group {
                    all += statuses
                    generations.formUnion(seen)
                }
                #expect(all.count == 150)
                #expect(all.allSatisfy { $0 == 200 })
                return generations
            }
            // Reloads landed while the requests were being answered.
            #expect(generationsSeen.count >= 2, "\(generationsSeen)")
            #expect(server.store.snapshot.generation == 21)
        }
    }

    @Test func reloadReplacesAnArticlesCachedAnswers() async throws {
        try await withServer { client, archive, server in
            let uri = "/v1/articles/world/n10000004"
            let first = try await client.execute(uri: uri, method: .get)
            let firstPNG = try await client.execute(uri: uri + "/qr.png", method: .get)
            let firstTag = try #require(firstPNG.headers[.eTag])
            #expect(try zbarDecode(Array(buffer: firstPNG.body)) == TestArchive.mirrorURL("world", "n10000004"))
            // Asked again, the same bytes (from the snapshot's record).
            #expect(Data(buffer: try await client.execute(uri: uri, method: .get).body) == Data(buffer: first.body))
            #expect(try await client.execute(uri: uri + "/qr.png", method: .get).headers[.eTag] == firstTag)

            // The page gets a new title and is shared from another mirror; its PNG file stays as it
            // was, and no longer encodes the share URL.
            let moved = "https://github.com/example-org/mirror-2/blob/master/pages/world/n10000004.md"
            let text = TestArchive.page(category: "world", id: "n10000004", title: "Arctic shipping lanes, updated",
                                        original: "https://www.example-news.com/gb/21/5/20/n10000004.htm")
                .replacingOccurrences(of: TestArchive.mirrorURL("world", "n10000004"), with: moved)
            try archive.write("pages/world/n10000004.md", text)
            _ = try ArchiveIndex(archive: archive.root).update()
            // Until the index is reloaded, the snapshot answers as before.
            #expect(Data(buffer: try await client.execute(uri: uri, method: .get).body) == Data(buffer: first.body))
            try server.reload()

            let second = try json(try await client.execute(uri: uri, method: .get))
            #expect(second["title"] as? String == "Arctic shipping lanes, updated")
            #expect(second["mirrorURL"] as? String == moved)
            let secondPNG = try await client.execute(uri: uri + "/qr.png", method: .get)
            #expect(secondPNG.status == .ok)
            let secondTag = try #require(secondPNG.headers[.eTag])
            #expect(secondTag != firstTag)
            #expect(try zbarDecode(Array(buffer: secondPNG.body)) == moved)
            // The old tag is no longer current; the new one is.
            let old = try await client.execute(uri: uri + "/qr.png", method: .get, headers: [.ifNoneMatch: firstTag])
            #expect(old.status == .ok)
            let current = try await client.execute(uri: uri + "/qr.png", method: .get, headers: [.ifNoneMatch: secondTag])
            #expect(current.status == .notModified)
            let byID = try json(try await client.execute(uri: "/v1/articles/n10000004", method: .get))
            #expect(byID["title"] as? String == "Arctic shipping lanes, updated")
        }
    }

    @Test func newPagesAndUnknownIDsAfterAReload() async throws {
        try await withServer { client, archive, server in
            // A miss is remembered by the snapshot; a reload forgets it.
            try expectProblem(try await client.execute(uri: "/v1/articles/world/n20000003", method: .get), 404)
            try expectProblem(try await client.execute(uri: "/v1/articles/world/n20000003/qr.png", method: .get), 404)
            try archive.addPage(category: "world", id: "n20000003", title: "Added", png: .valid)
            _ = try ArchiveIndex(archive: archive.root).update()
            try server.reload()
            let response = try await client.execute(uri: "/v1/articles/world/n20000003", method: .get)
            #expect(response.status == .ok)
            #expect(try json(response)["title"] as? String == "Added")
            let png = try await client.execute(uri: "/v1/articles/world/n20000003/qr.png", method: .get)
            #expect(png.status == .ok)
            #expect(try zbarDecode(Array(buffer: png.body)) == TestArchive.mirrorURL("world", "n20000003"))
        }
    }

    @Test func snapshotTakenBeforeAReloadStaysUsable() async throws {
        let archive = try TestArchive.make()
        defer { archive.remove() }
        let server = try archive.server()
        let before = server.store.snapshot
        try archive.addPage(category: "world", id: "n20000002", title: "Later", png: .missing)
        _ = try ArchiveIndex(archive: archive.root).update()
        try server.reload()
        #expect(server.store.snapshot.generation == before.generation + 1)
        #expect(try before.article(category: "world", id: "n10000001") != nil)
        #expect(try server.store.snapshot.article(category: "world", id: "n20000002") != nil)
    }
}
