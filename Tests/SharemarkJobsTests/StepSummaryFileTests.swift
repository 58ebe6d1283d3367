import Foundation
import SharemarkJobs
import Testing

/// GitHub names the job summary file; it may not exist yet, and a write that fails is said.
@Suite struct StepSummaryFileTests {
    @Test func madeWhenMissingThenAppendedTo() throws {
        let folder = NSTemporaryDirectory() + "sharemark-summary-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/step_summary.md"
        #expect(StepSummaryFile.append("### one\n", to: path) == nil)
        #expect(StepSummaryFile.append("### two ✓\n", to: path) == nil)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "### one\n### two ✓\n")
    }

    @Test func aFailedWriteNamesTheFileAndWhy() throws {
        let missing = NSTemporaryDirectory() + "sharemark-none-\(UUID().uuidString)/s.md"
        #expect(StepSummaryFile.append("x", to: missing) == "cannot write the job summary to \(missing): No such file or directory")
        #expect(StepSummaryFile.append("x", to: "/dev/full") == "cannot write the job summary to /dev/full: No space left on device")
    }
}
