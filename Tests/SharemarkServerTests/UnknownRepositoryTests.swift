import Foundation
import Hummingbird
import HummingbirdTesting
import SharemarkArchive
import Testing
@testable import SharemarkServer

/// An archive whose pages have no share footer and no sharemark.toml: nothing names the
/// repository, so the service shows what it knows (title, category, id, original URL) and no
/// mirror or share URL, and refuses the share QR rather than draw one of an invented URL.
@Suite struct UnknownRepositoryTests {
    @Test func noURLIsServedThatNothingNames() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sharemark-norepo-\(UUID().uuidString)").path
        let archive = TestArchive(root: root)
        defer { archive.remove() }
        try archive.write("pages/culture/painting.md", "### 手写的页面\n------\n\nNo share footer here.\n")
        try archive.write("pages/world/n1.md", "### 北极理事会\n------\n\n<p>正文</p>\n")
        let server = try archive.server()
        try await server.application(watchIndexAt: nil).test(.live) { client in
            let response = try await client.execute(uri: "/v1/articles/world/n1", method: .get)
            #expect(response.status == .ok)
            let body = try json(response)
            #expect(Set(body.keys) == ["title", "category", "id"])
            #expect(body["title"] as? String == "北极理事会")
            try expectProblem(try await client.execute(uri: "/v1/articles/world/n1/qr.png", method: .get), 404,
                              mentioning: "repository is unknown")
            try expectProblem(try await client.execute(uri: "/v1/articles/world/n1/qr.svg", method: .get), 404,
                              mentioning: "repository is unknown")
            let page = try await client.execute(uri: "/?q=%E5%8C%97%E6%9E%81", method: .get)
            let html = String(buffer: page.body)
            #expect(html.contains("北极理事会"))
            #expect(!html.contains("github.com") && !html.contains("jsdelivr") && !html.contains("qr.png"))
        }
    }
}
