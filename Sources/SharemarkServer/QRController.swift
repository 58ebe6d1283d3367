import Hummingbird
import NIOCore
import SharemarkQR

/// Bounds of `GET /v1/qr`.
public enum AdHocQRLimits {
    public static let scales = 1...20
    public static let margins = 0...20
    /// Largest image side, in pixels (SVG: user units).
    public static let maxSide = 4096

    /// Most bytes of `data` encoded at `level`: what fits a version 40 symbol in 8-bit mode,
    /// as the encoder gives it (2,953 at L down to 1,273 at H).
    public static func maxDataBytes(level: ErrorCorrectionLevel) -> Int {
        QREncoder.maximumByteCount(level: level)
    }
}

/// `/v1/qr`: a QR code of any data, as PNG or SVG.
struct QRController<Context: RequestContext>: Sendable {
    let metrics: ServerMetrics
    /// Bounds the renders running and waiting (503 beyond).
    let gate: RenderGate

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: render)
    }

    /// The parameters of one request, checked.
    struct Parameters {
        var data: String
        var format = ImageFormat.png
        var level = ErrorCorrectionLevel.L
        var scale = 4
        var margin = 4
        var foreground = RGBAColor.black
        var background = RGBAColor.white

        init(query: String?) throws {
            let fields = RequestInput.query(query)
            func value(_ name: String) throws -> String? {
                guard let entry = fields[name] else { return nil }
                guard let text = entry else { throw APIProblem.badParameter(name, "not valid percent-encoded UTF-8") }
                return text
            }
            func integer(_ name: String, _ range: ClosedRange<Int>, default fallback: Int) throws -> Int {
                guard let text = try value(name) else { return fallback }
                guard let number = Int(text), range.contains(number) else {
                    throw APIProblem.badParameter(name, "'\(text.prefix(20))' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
                }
                return number
            }
            func colour(_ name: String, default fallback: RGBAColor) throws -> RGBAColor {
                guard let text = try value(name) else { return fallback }
                do { return try RGBAColor(hex: text) } catch {
                    throw APIProblem.badParameter(name, "'\(text.prefix(20))' is not a colour: use RRGGBB or RRGGBBAA in hexadecimal")
                }
            }
            guard let data = try value("data") else { throw APIProblem.badParameter("data", "missing: give the text to encode") }
            guard !data.isEmpty else { throw APIProblem.badParameter("data", "empty: there is nothing to encode") }
            self.data = data
            if let text = try value("format") {
                guard let chosen = ImageFormat(rawValue: text) else { throw APIProblem.badParameter("format", "use png or svg") }
                format = chosen
            }
            if let text = try value("level") {
                guard let chosen = ErrorCorrectionLevel(name: text) else { throw APIProblem.badParameter("level", "use L, M, Q or H") }
                level = chosen
            }
            scale = try integer("scale", AdHocQRLimits.scales, default: scale)
            margin = try integer("margin", AdHocQRLimits.margins, default: margin)
            foreground = try colour("fg", default: foreground)
            background = try colour("bg", default: background)
            let maximum = AdHocQRLimits.maxDataBytes(level: level)
            guard data.utf8.count <= maximum else {
                throw APIProblem.badParameter("data", "\(data.utf8.count) bytes; at most \(maximum) bytes fit a QR code at level \(level.rawValue)")
            }
        }
    }

    @Sendable func render(_ request: Request, context: Context) async throws -> Response {
        let parameters = try Parameters(query: request.uri.query)
        // The entity tag (a hash of every byte) and the buffer are made on the render thread
        // too: all the work that grows with the image stays off the event loops.
        let (image, format) = try await gate.run {
            let (bytes, format) = try Self.image(parameters)
            return (CachedImage(bytes: bytes, fromAsset: false), format)
        }
        metrics.rendered(format)
        return ImageResponse.make(image, format: format, request: request, cacheControl: "public, max-age=86400")
    }

    /// The image the parameters ask for: encoded, checked against the size limit, drawn.
    static func image(_ parameters: Parameters) throws -> ([UInt8], ImageFormat) {
        let symbol: QRSymbol
        do {
            symbol = try QREncoder(level: parameters.level).encode(parameters.data)
        } catch {
            throw APIProblem.badParameter("data", error.description)
        }
        let side = (symbol.size + 2 * parameters.margin) * parameters.scale
        guard side <= AdHocQRLimits.maxSide else {
            throw APIProblem.badParameter("scale", "the image would be \(side) pixels wide, more than \(AdHocQRLimits.maxSide); use a smaller scale or margin")
        }
        let options = QROptions(level: parameters.level, scale: parameters.scale, margin: parameters.margin,
                                foreground: parameters.foreground, background: parameters.background)
        let bytes: [UInt8]
        do {
            switch parameters.format {
            case .png: bytes = try PNGRenderer(options: options, compression: .fast).render(symbol)
            case .svg: bytes = Array(try SVGRenderer(options: options).render(symbol).utf8)
            }
        } catch {
            throw APIProblem(.badRequest, error.description)
        }
        return (bytes, parameters.format)
    }
}

/// An image answer with its strong `ETag`, or 304 when `If-None-Match` names it.
enum ImageResponse {
    static func make(_ image: CachedImage, format: ImageFormat, request: Request, cacheControl: String) -> Response {
        make(ShareImage(image: image, format: format, asset: nil, cacheControl: cacheControl), request: request)
    }

    /// A share image, with the headers it was prepared with.
    static func make(_ image: ShareImage, request: Request) -> Response {
        if ETag.matches(request.headers[.ifNoneMatch], image.image.etag) {
            return Response(status: .notModified, headers: image.notModifiedHeaders)
        }
        return Response(status: .ok, headers: image.headers, body: ResponseBody(byteBuffer: image.image.bytes))
    }
}
