/// How a QR code is made: the error-correction level it is encoded with and how its symbol is
/// drawn. The same knobs, with the same meaning, as qrencode's `-l`, `-s`, `-m`,
/// `--foreground`, `--background` and `-d`. The one model of these options: `sharemark.toml`'s
/// `[qr]` table, `regen`, `fix`, `qr` and the service all use it. A module of its own, with the
/// colours, levels and errors it names, and no C library: the archive's configuration holds these
/// options without linking libqrencode, libpng or zbar (`SharemarkQR` draws with them).
public struct QROptions: Hashable, Sendable, Codable {
    /// Allowed ranges; generous for real use, small enough that an image stays a few
    /// thousand pixels wide (a version 40 symbol at scale 40 with margin 40 is 10,280 pixels).
    public static let scales = 1...40
    public static let margins = 0...40
    public static let dpis = 1...1_000_000

    /// Error-correction level (qrencode `-l`; the archives use L).
    public var level: ErrorCorrectionLevel
    /// Pixels per module side (qrencode `-s`; the archives use 4).
    public var scale: Int
    /// Quiet zone width in modules (qrencode `-m`; 4 is the standard's minimum).
    public var margin: Int
    public var foreground: RGBAColor
    public var background: RGBAColor
    /// Written as a pHYs chunk when set. qrencode always writes one (72 DPI by default);
    /// leaving it out saves 21 bytes and changes no pixel.
    public var dpi: Int?
    /// Which bytes the PNG is written as; the pixels are the same either way.
    public var pngStyle: PNGStyle

    /// The bytes of a PNG for the same pixels.
    public enum PNGStyle: String, CaseIterable, Sendable, Codable {
        /// The smallest file Sharemark can write: no chunk that changes no pixel, image data
        /// compressed for QR images (PNGRenderer.Compression).
        case compact
        /// The very bytes `qrencode -o FILE` writes with the same options (the same chunks:
        /// tRNS always, pHYs at 72 DPI unless another is given; libpng's default zlib
        /// settings), with the libpng and zlib Sharemark links: archives made by the
        /// `qrencode` loop keep every byte when their PNGs are written again.
        case qrencode
    }

    /// The defaults are the archives' original loop, `qrencode -s 4`: level L, scale 4,
    /// margin 4, black on white.
    public init(level: ErrorCorrectionLevel = .L, scale: Int = 4, margin: Int = 4, foreground: RGBAColor = .black,
                background: RGBAColor = .white, dpi: Int? = nil, pngStyle: PNGStyle = .compact) {
        self.level = level
        self.scale = scale
        self.margin = margin
        self.foreground = foreground
        self.background = background
        self.dpi = dpi
        self.pngStyle = pngStyle
    }

    /// Throws the first option that is out of range.
    public func validate() throws(QRError) {
        guard Self.scales.contains(scale) else { throw .scaleOutOfRange(scale) }
        guard Self.margins.contains(margin) else { throw .marginOutOfRange(margin) }
        if let dpi, !Self.dpis.contains(dpi) { throw .dpiOutOfRange(dpi) }
    }

}
