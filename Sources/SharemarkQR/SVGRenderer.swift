/// Draws a symbol as an SVG document: the background as one rectangle, all dark modules as one
/// `<path>` of horizontal runs, in a viewBox of one unit per module so that the geometry is
/// exact; `width`/`height` give the pixel size `scale` implies. `crispEdges` keeps viewers from
/// anti-aliasing module borders.
public struct SVGRenderer: Sendable {
    public var options: QROptions

    public init(options: QROptions = QROptions()) {
        self.options = options
    }

    public func render(_ symbol: QRSymbol) throws(QRError) -> String {
        try options.validate()
        let margin = options.margin
        let modules = symbol.size + 2 * margin
        let pixels = modules * options.scale
        var svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(pixels)\" height=\"\(pixels)\""
        svg += " viewBox=\"0 0 \(modules) \(modules)\" shape-rendering=\"crispEdges\">\n"
        svg += "<rect width=\"\(modules)\" height=\"\(modules)\"\(fill(options.background))/>\n"
        var path = ""
        for y in 0..<symbol.size {
            var x = 0
            while x < symbol.size {
                guard symbol.isDark(x: x, y: y) else { x += 1; continue }
                let start = x
                while x < symbol.size && symbol.isDark(x: x, y: y) { x += 1 }
                path += "M\(start + margin) \(y + margin)h\(x - start)v1h-\(x - start)z"
            }
        }
        svg += "<path\(fill(options.foreground)) d=\"\(path)\"/>\n"
        svg += "</svg>\n"
        return svg
    }

    private func fill(_ colour: RGBAColor) -> String {
        var attributes = " fill=\"#\(colour.rgbHex)\""
        if !colour.isOpaque {
            let opacity = Double(colour.alpha) / 255
            attributes += " fill-opacity=\"\((opacity * 10000).rounded() / 10000)\""
        }
        return attributes
    }
}
