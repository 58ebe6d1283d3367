/// QR error-correction level, as `qrencode --level` names it.
public enum ErrorCorrectionLevel: String, CaseIterable, Sendable, Codable {
    case L, M, Q, H

    /// Parses `L`, `M`, `Q` or `H`, in either case.
    public init?(name: String) {
        self.init(rawValue: name.uppercased())
    }
}
