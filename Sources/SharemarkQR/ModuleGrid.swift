/// The module grid recovered from an image of a QR symbol drawn with whole pixels per module
/// and a plain quiet zone (the geometry `PNGRenderer` and `qrencode` produce).
public struct ModuleGrid: Equatable, Sendable {
    public let version: Int
    /// Modules per side, without the quiet zone.
    public let size: Int
    /// Row-major, `true` for dark.
    public let modules: [Bool]
    /// Pixels per module side.
    public let scale: Int
    /// Quiet zone in modules.
    public let margin: Int
    public let foreground: RGBAColor
    public let background: RGBAColor
    /// The error-correction level read from the symbol's format information, if it is valid.
    public let level: ErrorCorrectionLevel?

    public init(version: Int, modules: [Bool], scale: Int, margin: Int, foreground: RGBAColor,
                background: RGBAColor, level: ErrorCorrectionLevel?) {
        self.version = version
        self.size = 17 + 4 * version
        self.modules = modules
        self.scale = scale
        self.margin = margin
        self.foreground = foreground
        self.background = background
        self.level = level
    }

    public func isDark(x: Int, y: Int) -> Bool {
        modules[y * size + x]
    }

    /// Whether this grid has exactly the modules of `symbol`.
    public func matches(_ symbol: QRSymbol) -> Bool {
        symbol.size == size && symbol.modules == modules
    }
}
