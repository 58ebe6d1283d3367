/// An encoded QR code: a square matrix of dark and light modules, without quiet zone.
/// A plain value, independent of how it is drawn (PNG, SVG, terminal).
public struct QRSymbol: Equatable, Sendable {
    /// Symbol version, 1...40; `size == 17 + 4 * version`.
    public let version: Int
    public let level: ErrorCorrectionLevel
    /// Modules per side.
    public let size: Int
    /// Row-major, `size * size` entries, `true` for a dark module.
    public let modules: [Bool]

    public init(version: Int, level: ErrorCorrectionLevel, modules: [Bool]) {
        precondition((1...40).contains(version), "QR versions are 1...40")
        let size = 17 + 4 * version
        precondition(modules.count == size * size, "a version \(version) symbol has \(size * size) modules")
        self.version = version
        self.level = level
        self.size = size
        self.modules = modules
    }

    /// Whether the module in column `x`, row `y` (from the top left, 0-based) is dark.
    public func isDark(x: Int, y: Int) -> Bool {
        modules[y * size + x]
    }
}
