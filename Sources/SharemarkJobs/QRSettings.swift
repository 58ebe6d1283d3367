import SharemarkArchive
import SharemarkQR

/// The encoder and renderer an archive's QR images are made with, from its configuration
/// (default: the original loop's `qrencode -s 4`: scale 4, margin 4, level L, black on white).
public struct QRSettings: Hashable, Sendable {
    public var level: ErrorCorrectionLevel
    public var render: RenderOptions

    public init(level: ErrorCorrectionLevel = .L, render: RenderOptions = RenderOptions()) {
        self.level = level
        self.render = render
    }

    public init(_ options: ArchiveConfig.QROptions) {
        self.init(level: ErrorCorrectionLevel(name: options.level) ?? .L,
                  render: RenderOptions(scale: options.scale, margin: options.margin))
    }

    public static func == (a: QRSettings, b: QRSettings) -> Bool {
        a.level == b.level && a.render == b.render
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(level)
        hasher.combine(render.scale)
        hasher.combine(render.margin)
    }

    /// The PNG bytes for `payload`.
    public func png(for payload: String) throws(QRError) -> [UInt8] {
        let symbol = try QREncoder(level: level).encode(payload)
        return try PNGRenderer(options: render).render(symbol)
    }
}
