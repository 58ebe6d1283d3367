import SharemarkArchive
import SharemarkJobs
import SharemarkQR
import SharemarkTestSupport
import Testing

@Suite struct QROptionsTests {
    @Test(arguments: [1, 2, 3, 4, 5, 8])
    func singlePassImagesHaveTheSamePixelsAsTheRenderersBest(scale: Int) throws {
        let url = "https://github.com/example-org/mirror/blob/master/pages/world/n10000001.md"
        for margin in [0, 2, 4] {
            let options = QROptions(scale: scale, margin: margin)
            let symbol = try QREncoder().encode(url)
            let single = try PNGImage(pngBytes: try PNGRenderer(options: options, compression: .fast).render(symbol))
            let best = try PNGImage(pngBytes: try PNGRenderer(options: options).render(symbol))
            #expect(single == best)
        }
        let translucent = QROptions(scale: scale, foreground: RGBAColor(red: 0, green: 0, blue: 128, alpha: 200),
                                        background: RGBAColor(red: 255, green: 255, blue: 255, alpha: 0))
        let symbol = try QREncoder(level: .H).encode(url)
        #expect(try PNGImage(pngBytes: PNGRenderer(options: translucent, compression: .fast).render(symbol))
                == PNGImage(pngBytes: PNGRenderer(options: translucent).render(symbol)))
    }

    /// `[qr]` in sharemark.toml gives the options regen and fix draw with; a value the renderer
    /// would refuse is refused when the file is read, naming the key.
    @Test func optionsComeFromTheArchiveConfiguration() throws {
        let fallback = ArchiveConfig(owner: "o", repository: "r")
        let config = try ArchiveConfig(parsing: "[qr]\nscale = 6\nmargin = 2\nlevel = \"M\"\n", fallback: fallback)
        #expect(config.qr == QROptions(level: .M, scale: 6, margin: 2))
        #expect(ArchiveConfig(owner: "o", repository: "r").qr == QROptions())
        // The image those options draw has the pixels of qrencode run with the same options.
        let url = "https://example.org/"
        let reference = try Run.run(["qrencode", "-o", "-", "-s", "6", "-m", "2", "-l", "M", url])
        try #require(reference.status == 0)
        let image = try PNGImage(pngBytes: config.qr.png(for: url))
        #expect(image == (try PNGImage(pngBytes: Array(reference.stdout))))
        #expect(image.width == (25 + 2 * 2) * 6, "20 bytes at M: a version 2 symbol, margin 2, 6 pixels a module")
        let error = #expect(throws: ConfigFile.Error.self) {
            try ArchiveConfig(parsing: "[qr]\nscale = 41\n", file: "sharemark.toml", fallback: fallback)
        }
        #expect(error?.line == 2 && error?.key == "qr.scale")
    }

    /// `png_style` picks the PNG bytes; it survives `render()` (what `init` writes) and a wrong
    /// value names the key.
    @Test func pngStyleIsReadWrittenAndChecked() throws {
        let fallback = ArchiveConfig(owner: "o", repository: "r")
        let config = try ArchiveConfig(parsing: "[qr]\npng_style = \"qrencode\"\n", fallback: fallback)
        #expect(config.qr.pngStyle == .qrencode)
        #expect(try ArchiveConfig(parsing: config.render(), fallback: fallback).qr == config.qr)
        #expect(ArchiveConfig(owner: "o", repository: "r").qr.pngStyle == .compact)
        let error = #expect(throws: ConfigFile.Error.self) {
            try ArchiveConfig(parsing: "\n[qr]\npng_style = \"tiny\"\n", file: "sharemark.toml", fallback: fallback)
        }
        #expect(error?.line == 3 && error?.key == "qr.png_style")
        // The two styles draw the same pixels.
        var qrencode = QROptions()
        qrencode.pngStyle = .qrencode
        let url = "https://github.com/example-org/mirror/blob/master/pages/world/n10000001.md"
        #expect(try PNGImage(pngBytes: qrencode.png(for: url)) == PNGImage(pngBytes: QROptions().png(for: url)))
        #expect(try qrencode.png(for: url) != QROptions().png(for: url))
    }
}
