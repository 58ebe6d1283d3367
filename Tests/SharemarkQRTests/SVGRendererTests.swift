import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import SharemarkQR

@Suite struct SVGRendererTests {
    /// Collects the attributes of every element.
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(String, [String: String])] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String]) {
            elements.append((name, attributes))
        }
    }

    @Test(arguments: [(4, 4), (1, 0), (3, 7)])
    func svgIsValidXMLWithTheSymbolsGeometry(scale: Int, margin: Int) throws {
        let symbol = try QREncoder(level: .M).encode(Payloads.archiveURL(5))
        let options = QROptions(scale: scale, margin: margin, foreground: try RGBAColor(hex: "112233"),
                                    background: try RGBAColor(hex: "ffffff80"))
        let svg = try SVGRenderer(options: options).render(symbol)
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        #expect(parser.parse(), "\(String(describing: parser.parserError))")
        let side = symbol.size + 2 * margin
        let root = try #require(collector.elements.first)
        #expect(root.0 == "svg" && root.1["width"] == "\(side * scale)" && root.1["viewBox"] == "0 0 \(side) \(side)")
        #expect(root.1["shape-rendering"] == "crispEdges")
        let paths = collector.elements.filter { $0.0 == "path" }
        #expect(paths.count == 1)
        #expect(paths.first?.1["fill"] == "#112233")
        #expect(collector.elements.first { $0.0 == "rect" }?.1["fill-opacity"] == "0.502")

        // Rasterise the path (runs "Mx yhNv1h-Nz") and compare with the symbol.
        var dark = [Bool](repeating: false, count: side * side)
        let d = try #require(paths.first?.1["d"])
        for run in d.split(separator: "z") {
            let numbers = run.split(whereSeparator: { "Mhv -".contains($0) }).compactMap { Int($0) }
            #expect(numbers.count == 5 && numbers[3] == 1 && numbers[4] == numbers[2])
            for x in numbers[0]..<(numbers[0] + numbers[2]) { dark[numbers[1] * side + x] = true }
        }
        for y in 0..<side {
            for x in 0..<side {
                let inside = (margin..<(margin + symbol.size)).contains(x) && (margin..<(margin + symbol.size)).contains(y)
                #expect(dark[y * side + x] == (inside && symbol.isDark(x: x - margin, y: y - margin)))
            }
        }
    }
}
