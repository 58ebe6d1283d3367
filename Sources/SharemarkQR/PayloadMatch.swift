/// The answer to "does this image encode that payload?", from the module-grid comparison.
public enum PayloadMatch: Equatable, Sendable {
    /// The image's modules are exactly those of the payload's encoding.
    case matches
    /// The image is a QR symbol of the recognised geometry, but of another payload (or of the
    /// same payload encoded differently, e.g. by another encoder; a scanner can tell those apart).
    case differs
    /// The image is not of the geometry the grid reader knows; the reason says what failed.
    case notRecognised(String)
}
