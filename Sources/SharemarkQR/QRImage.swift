/// A QR symbol as `QRImageReader` found it drawn in an image: the symbol, and how it was drawn.
public struct QRImage: Equatable, Sendable {
    public let symbol: QRSymbol
    /// Pixels per module side.
    public let scale: Int
    /// Quiet zone in modules.
    public let margin: Int
    public let foreground: RGBAColor
    public let background: RGBAColor

    public init(symbol: QRSymbol, scale: Int, margin: Int, foreground: RGBAColor, background: RGBAColor) {
        self.symbol = symbol
        self.scale = scale
        self.margin = margin
        self.foreground = foreground
        self.background = background
    }
}
