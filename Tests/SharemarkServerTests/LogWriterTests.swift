import Foundation
import Testing
@testable import SharemarkServer

/// Log lines go through one buffer and one writer thread: whole lines, none lost, a warning
/// written without waiting for the interval or a flush.
@Suite struct LogWriterTests {
    func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        try #require(Glibc.pipe(&fds) == 0)
        return (fds[0], fds[1])
    }

    /// Reads what the pipe holds within `seconds` (waiting on the pipe itself, not a sleep).
    func read(_ fd: Int32, until done: (String) -> Bool, seconds: Int32 = 10) -> String {
        var text = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while !done(String(decoding: text, as: UTF8.self)), poll(&poller, 1, seconds * 1000) > 0 {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            text += buffer[..<n]
        }
        return String(decoding: text, as: UTF8.self)
    }

    @Test func linesOfManyThreadsArriveWholeAndAll() throws {
        let (readEnd, writeEnd) = try pipe()
        defer { close(readEnd); close(writeEnd) }
        let writer = LogWriter(fd: writeEnd)
        // Under the pipe's 64 KiB, read after the flush: no reader is needed meanwhile.
        let threads = 8, lines = 100
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for n in 0..<lines { writer.append("thread \(t) line \(n) " + String(repeating: "x", count: n % 20) + "\n") }
        }
        writer.flush()
        let text = read(readEnd) { $0.split(separator: "\n").count == threads * lines }
        let received = text.split(separator: "\n")
        #expect(received.count == threads * lines)
        for t in 0..<threads {
            let own = received.filter { $0.hasPrefix("thread \(t) ") }
            // Each thread's lines whole and in its order.
            #expect(own == (0..<lines).map { n in Substring("thread \(t) line \(n) " + String(repeating: "x", count: n % 20)) })
        }
    }

    @Test func aWarningIsWrittenAtOnceAndTheRestWithinTheInterval() throws {
        let (readEnd, writeEnd) = try pipe()
        defer { close(readEnd); close(writeEnd) }
        let writer = LogWriter(fd: writeEnd)
        writer.append("urgent\n", now: true)
        #expect(read(readEnd, until: { $0.contains("urgent\n") }, seconds: 5) == "urgent\n")
        writer.append("later\n")
        #expect(read(readEnd, until: { $0.contains("later\n") }, seconds: 5) == "later\n", "written by the interval, with no flush")
    }
}
