import Foundation

/// Times the phases of a long command on standard error when `SHAREMARK_TIMING` is set: each
/// mark prints the seconds since the clock started. For finding where time goes; silent
/// otherwise.
public struct PhaseClock {
    let started = ContinuousClock.now
    let enabled = ProcessInfo.processInfo.environment["SHAREMARK_TIMING"] != nil

    public init() {}

    public var seconds: Double { (ContinuousClock.now - started).seconds }

    public func mark(_ what: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("[\(String(format: "%.3f", seconds)) s] \(what)\n".utf8))
    }
}

extension Duration {
    /// The duration in seconds, for reports.
    public var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
