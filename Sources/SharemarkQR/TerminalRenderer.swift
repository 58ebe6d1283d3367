/// Draws a symbol as text for a terminal, two module rows per line with Unicode half blocks,
/// byte for byte as `qrencode -t UTF8` (`.utf8`) and `-t ANSIUTF8` (`.ansiUTF8`) do.
///
/// Like qrencode, it draws the *light* modules (full block █ = both light) because terminals
/// usually show light text on a dark background; `.ansiUTF8` forces white on black so that the
/// code scans on any terminal. The quiet zone is `margin` modules at the sides and
/// `margin / 2` lines (2 modules each) above and below.
public struct TerminalRenderer: Sendable {
    public enum Style: Sendable {
        case utf8
        case ansiUTF8
    }

    public var style: Style
    public var margin: Int

    public init(style: Style = .utf8, margin: Int = 4) {
        self.style = style
        self.margin = margin
    }

    public func render(_ symbol: QRSymbol) throws(QRError) -> String {
        guard QROptions.margins.contains(margin) else { throw .marginOutOfRange(margin) }
        let (white, reset) = style == .ansiUTF8 ? ("\u{1B}[40;37;1m", "\u{1B}[0m") : ("", "")
        let full = "\u{2588}", upper = "\u{2580}", lower = "\u{2584}"
        let width = symbol.size + 2 * margin
        var text = ""
        let marginLine = white + String(repeating: full, count: width) + reset + "\n"
        for _ in 0..<(margin / 2) { text += marginLine }
        let side = String(repeating: full, count: margin)
        var y = 0
        while y < symbol.size {
            text += white + side
            for x in 0..<symbol.size {
                let top = symbol.isDark(x: x, y: y)
                let bottom = y + 1 < symbol.size && symbol.isDark(x: x, y: y + 1)
                switch (top, bottom) {
                case (true, true): text += " "
                case (true, false): text += lower
                case (false, true): text += upper
                case (false, false): text += full
                }
            }
            text += side + reset + "\n"
            y += 2
        }
        for _ in 0..<(margin / 2) { text += marginLine }
        return text
    }
}
