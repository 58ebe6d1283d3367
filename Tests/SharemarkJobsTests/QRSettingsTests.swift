import SharemarkArchive
import SharemarkJobs
import SharemarkQR
import Testing

@Suite struct QRSettingsTests {
    @Test(arguments: [1, 2, 3, 4, 5, 8])
    func singlePassImagesHaveTheSamePixelsAsTheRenderersBest(scale: Int) throws {
        let url = "https://github.com/example-org/mirror/blob/master/pages/world/n10000001.md"
        for margin in [0, 2, 4] {
            let options = RenderOptions(scale: scale, margin: margin)
            let symbol = try QREncoder().encode(url)
            let single = try PNGImage(pngBytes: try PNGRenderer(options: options, compression: .fast).render(symbol))
            let best = try PNGImage(pngBytes: try PNGRenderer(options: options).render(symbol))
            #expect(single == best)
        }
        let translucent = RenderOptions(scale: scale, foreground: RGBAColor(red: 0, green: 0, blue: 128, alpha: 200),
                                        background: RGBAColor(red: 255, green: 255, blue: 255, alpha: 0))
        let symbol = try QREncoder(level: .H).encode(url)
        #expect(try PNGImage(pngBytes: PNGRenderer(options: translucent, compression: .fast).render(symbol))
                == PNGImage(pngBytes: PNGRenderer(options: translucent).render(symbol)))
    }

    @Test func settingsComeFromTheArchiveConfiguration() {
        let settings = QRSettings(ArchiveConfig.QROptions(scale: 6, margin: 2, level: "M"))
        #expect(settings.level == .M)
        #expect(settings.render.scale == 6 && settings.render.margin == 2)
        #expect(QRSettings(ArchiveConfig.QROptions()) == QRSettings())
    }
}
