/// Articles as CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or
/// line break).
public enum ArticleExport {
    public static let csvColumns = [
        "category", "id", "path", "title", "date", "has_footer", "mirror_url", "canonical_mirror_url",
        "qr_image_url", "canonical_qr_image_url", "qr_asset", "original_url", "alias_used", "image_link_form",
        "asset_outside_archive", "invalid_utf8",
    ]

    public static func csv(_ articles: [Article]) -> String {
        var out = csvColumns.joined(separator: ",") + "\r\n"
        for a in articles {
            let fields: [String] = [
                a.category, a.id, a.pagePath.value, a.title ?? "", a.date ?? "", flag(a.hasFooter),
                a.mirrorURL ?? "", a.canonicalMirrorURL ?? "", a.qrImageURL ?? "", a.canonicalQRImageURL ?? "",
                a.qrAsset?.value ?? "", a.originalURL ?? "", flag(a.aliasUsed), a.imageLinkForm?.rawValue ?? "",
                flag(a.assetOutsideArchive), flag(a.invalidUTF8),
            ]
            out += fields.map(csvField).joined(separator: ",") + "\r\n"
        }
        return out
    }

    public static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func flag(_ b: Bool) -> String { b ? "true" : "false" }
}
