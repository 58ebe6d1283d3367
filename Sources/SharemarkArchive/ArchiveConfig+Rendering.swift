import Foundation
import SharemarkQROptions

extension ArchiveConfig {
    /// The configuration as `sharemark.toml` text (every key, so it documents itself).
    public func render() -> String {
        let q = ConfigFile.quoted
        return """
        # Sharemark archive configuration.
        # URL forms take {owner} {repository} {branch} {path}; {path} is relative to the archive root.
        owner = \(q(owner))
        repository = \(q(repository))
        branch = \(q(branch))
        # Old names of the repository: pages written under them are valid but not canonical.
        aliases = [\(aliases.map(q).joined(separator: ", "))]
        mirror_url = \(q(mirrorForm.text))
        cdn_url = \(q(cdnForm.text))
        # How footers link their QR image: "cdn" (cdn_url) or "blob" (mirror_url).
        \(imageLinkForm.map { "image_url = \(q($0.rawValue))" } ?? "# image_url: the footers use both forms equally; choose one")
        pages = \(q(pagesFolder))

        [qr]
        scale = \(qr.scale)
        margin = \(qr.margin)
        level = \(q(qr.level.rawValue))
        # PNG bytes: "compact" (smallest) or "qrencode" (the bytes `qrencode -o` writes).
        png_style = \(q(qr.pngStyle.rawValue))

        [limits]
        # The most bytes read of one page and of one PNG; a larger file is a finding, not read.
        page_bytes = \(limits.pageBytes)
        png_bytes = \(limits.pngBytes)

        """
    }
}
