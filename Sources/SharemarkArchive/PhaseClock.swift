import Foundation

/// Times the phases of a long command on standard error when `SHAREMARK_TIMING` is set: each
/// mark prints the seconds since the clock started and the process's resident memory, now and
/// at its peak (Linux's VmRSS and VmHWM). For finding where time and memory go; silent otherwise.
public struct PhaseClock {
    let started = ContinuousClock.now
    let enabled = ProcessInfo.processInfo.environment["SHAREMARK_TIMING"] != nil

    public init() {}

    public var seconds: Double { (ContinuousClock.now - started).seconds }

    public func mark(_ what: String) {
        guard enabled else { return }
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let rss = status.split(separator: "\n").filter { $0.hasPrefix("VmRSS") || $0.hasPrefix("VmHWM") }.joined(separator: " ")
        FileHandle.standardError.write(Data("[\(String(format: "%.3f", seconds)) s] \(what) \(rss)\n".utf8))
    }
}

extension Duration {
    /// The duration in seconds, for reports.
    public var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
