/// Every indexed page as JSON or CSV, written a batch of pages at a time: the memory of one
/// batch whatever the archive's size (the whole list of 300,000 pages, encoded at once, took
/// 2 GB for JSON and 650 MB for CSV).
public enum ArticleExport {
    public enum Format: String, Sendable, CaseIterable {
        /// An array of `Article` objects, indented, keys sorted: what `JSONCoding.prettyEncoder`
        /// makes of the whole list, byte for byte.
        case json
        /// RFC 4180: a header row, CRLF line ends, fields quoted when they hold a comma, quote or
        /// line break.
        case csv
    }

    public static let csvColumns = [
        "category", "id", "path", "title", "date", "has_footer", "mirror_url", "canonical_mirror_url",
        "qr_image_url", "canonical_qr_image_url", "qr_asset", "original_url", "alias_used", "image_link_form",
        "asset_outside_archive", "invalid_utf8",
    ]

    /// Writes every page of `index`, ordered by path, in `format`: `output` gets the text in
    /// pieces (one per batch of `batchSize` pages, read in one pass of the index), in order.
    public static func write(_ index: ArchiveIndex, format: Format, batchSize: Int = 2048,
                             to output: ([UInt8]) throws -> Void) throws {
        switch format {
        case .json:
            let encoder = JSONCoding.prettyEncoder
            try output(Array("[\n".utf8))
            _ = try index.pass(size: batchSize, start: { _ in true }) { isFirst, articles in
                var out: [UInt8] = []
                for article in articles {
                    if !isFirst { out += ",\n".utf8 }
                    isFirst = false
                    // An element of the array: one level deeper than alone, so two spaces more
                    // before every line with text (the encoder leaves empty lines empty).
                    var lineStart = true
                    for byte in try encoder.encode(article) {
                        if lineStart && byte != 0x0A { out += [0x20, 0x20] }
                        out.append(byte)
                        lineStart = byte == 0x0A
                    }
                }
                try output(out)
            }
            // The encoder's empty array is "[\n\n]": the same bytes.
            try output(Array("\n]\n".utf8))
        case .csv:
            try output(Array((csvColumns.joined(separator: ",") + "\r\n").utf8))
            _ = try index.pass(size: batchSize, start: { _ in () }) { _, articles in
                var out = ""
                for article in articles { out += csvRow(article) }
                try output(Array(out.utf8))
            }
        }
    }

    /// One page's CSV row, with its CRLF.
    static func csvRow(_ a: Article) -> String {
        let fields: [String] = [
            a.category, a.id, a.pagePath.value, a.title ?? "", a.date ?? "", flag(a.hasFooter),
            a.mirrorURL ?? "", a.canonicalMirrorURL ?? "", a.qrImageURL ?? "", a.canonicalQRImageURL ?? "",
            a.qrAsset?.value ?? "", a.originalURL ?? "", flag(a.aliasUsed), a.imageLinkForm?.rawValue ?? "",
            flag(a.assetOutsideArchive), flag(a.invalidUTF8),
        ]
        return fields.map(csvField).joined(separator: ",") + "\r\n"
    }

    public static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func flag(_ b: Bool) -> String { b ? "true" : "false" }
}
