import Foundation
import Synchronization

/// One line of progress on standard error, redrawn in place at most ten times a second; silent
/// when standard error is not a terminal, so logs and pipes stay machine-readable.
final class TerminalProgress: Sendable {
    let enabled: Bool
    private let lastDrawn = Mutex<UInt64>(0)

    init(enabled: Bool = isatty(2) == 1) { self.enabled = enabled }

    /// Shows `text`; `force` draws it even within the rate limit (phase changes, the last step).
    func show(_ text: @autoclosure () -> String, force: Bool = false) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let draw = lastDrawn.withLock { last -> Bool in
            guard force || now - last > 100_000_000 else { return false }
            last = now
            return true
        }
        if draw { FileHandle.standardError.write(Data("\r\u{1B}[K\(text())".utf8)) }
    }

    /// Shows a bar: `label [#####-----] done/total percent%`.
    func bar(_ label: String, done: Int, total: Int) {
        show({
            let width = 30
            let filled = total > 0 ? min(width, done * width / total) : width
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            return "\(label) [\(bar)] \(done)/\(total) \(total > 0 ? done * 100 / total : 100)%"
        }(), force: done == total)
    }

    /// Clears the line, so that what is printed next starts on a clean one.
    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
