import SharemarkArchive

/// The server-rendered search page: one form, results with their share link, QR image and
/// original link. No scripts, no external resources; every text is escaped.
enum HTMLPage {
    /// A path segment as it appears in a link to this server.
    static func pathSegment(_ text: String) -> String {
        var allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~".utf8.map { $0 }
        allowed.sort()
        var out = ""
        for byte in text.utf8 {
            if allowed.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// Only http(s) URLs become links; anything else is shown as text.
    static func isWebURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://")
    }

    static let style = """
        body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
        header{background:#1d2330;color:#fff;padding:1rem 1.5rem}header h1{margin:0;font-size:1.3rem}
        header p{margin:.2rem 0 0;color:#b8c0cf;font-size:.9rem}
        main{max-width:56rem;margin:0 auto;padding:1.5rem}
        form{display:flex;gap:.5rem;margin-bottom:1.2rem}
        select{font:inherit;padding:.5rem;border:1px solid #b8c0cf;border-radius:6px;background:#fff}
        input[type=search]{flex:1;font:inherit;padding:.5rem .7rem;border:1px solid #b8c0cf;border-radius:6px}
        button{font:inherit;padding:.5rem 1.1rem;border:0;border-radius:6px;background:#2f6fde;color:#fff;cursor:pointer}
        .count{color:#5b6475;margin:.5rem 0 1rem}
        ol{list-style:none;padding:0;margin:0}
        li{display:flex;gap:1rem;background:#fff;border:1px solid #e1e5ec;border-radius:8px;padding:1rem;margin-bottom:.8rem}
        li img{width:120px;height:120px;image-rendering:pixelated;flex:none;border:1px solid #eef0f4}
        li div{min-width:0}h2{font-size:1.05rem;margin:0 0 .3rem}
        .meta{color:#5b6475;font-size:.85rem;margin:0 0 .4rem}
        .link{font-size:.85rem;overflow-wrap:anywhere;margin:.15rem 0}
        a{color:#2f6fde;text-decoration:none}a:hover{text-decoration:underline}
        """

    /// The page. With several archives served (`archives`), a choice narrows the search to one
    /// (`selected`), and each result names its archive.
    static func render(query: String, results: [ArticleSummary], articleCount: Int, limit: Int,
                       archives: [String] = [], selected: String? = nil) -> String {
        var choice = ""
        if !archives.isEmpty {
            choice = "<select name=\"archive\" aria-label=\"Archive\"><option value=\"\">All archives</option>"
            for name in archives {
                choice += "<option value=\"\(markupEscaped(name))\"\(name == selected ? " selected" : "")>\(markupEscaped(name))</option>"
            }
            choice += "</select>\n"
        }
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(query.isEmpty ? "Sharemark" : markupEscaped(query) + " – Sharemark")</title>
            <style>\(style)</style></head>
            <body><header><h1>Sharemark</h1><p>Share links and QR codes for \(articleCount) archived articles</p></header>
            <main><form method="get" action="/" role="search">
            <input type="search" name="q" value="\(markupEscaped(query))" placeholder="Search titles and text" aria-label="Search">
            \(choice)<button type="submit">Search</button></form>

            """
        if !query.isEmpty {
            let more = results.count >= limit ? " (first \(limit))" : ""
            html += "<p class=\"count\">\(results.count) result\(results.count == 1 ? "" : "s")\(more) for “\(markupEscaped(query))”</p>\n<ol>\n"
            for article in results {
                let base = article.archive.map { "/" + SharemarkServer.articlesPath($0) } ?? "/v1/articles"
                let qr = "\(base)/\(pathSegment(article.category))/\(pathSegment(article.id))/qr.png"
                let title = markupEscaped(article.title ?? article.id)
                var meta = (article.archive.map { markupEscaped($0) + " · " } ?? "") + markupEscaped(article.category) + " / " + markupEscaped(article.id)
                if let date = article.date { meta += " · " + markupEscaped(date) }
                if let share = article.shareURL {
                    html += "<li><a href=\"\(markupEscaped(share))\"><img src=\"\(markupEscaped(qr))\" alt=\"QR code of the share link\" width=\"120\" height=\"120\"></a><div>"
                    html += "<h2><a href=\"\(markupEscaped(share))\">\(title)</a></h2><p class=\"meta\">\(meta)</p>"
                    html += "<p class=\"link\">Share: <a href=\"\(markupEscaped(share))\">\(markupEscaped(share))</a></p>"
                } else {
                    // No share link is known (the archive's repository is unknown): no QR either.
                    html += "<li><div><h2>\(title)</h2><p class=\"meta\">\(meta)</p>"
                }
                if let original = article.originalURL {
                    if isWebURL(original) {
                        html += "<p class=\"link\">Original: <a href=\"\(markupEscaped(original))\" rel=\"noreferrer\">\(markupEscaped(original))</a></p>"
                    } else {
                        html += "<p class=\"link\">Original: \(markupEscaped(original))</p>"
                    }
                }
                html += "</div></li>\n"
            }
            html += "</ol>\n"
        }
        html += "</main></body></html>\n"
        return html
    }
}
