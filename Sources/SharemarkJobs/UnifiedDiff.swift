import SharemarkArchive

/// A page repair as a unified diff (`--- a/PATH`, `+++ b/PATH`, `@@` hunks with three lines
/// of context), made from the repair's own edits rather than by comparing texts. Lines are
/// shown without their endings; bytes that are not UTF-8 are shown as U+FFFD.
public enum UnifiedDiff {
    public static func render(_ repair: PageRepair, color: Bool = false, context: Int = 3) -> String {
        let old = LineTable(repair.before)
        // Edits of adjacent lines show as one block: their old lines, then their new lines.
        var edits: [PageRepair.Edit] = []
        for edit in repair.edits.sorted(by: { $0.oldLines.lowerBound < $1.oldLines.lowerBound }) {
            if let last = edits.last, !last.oldLines.isEmpty, !edit.oldLines.isEmpty, last.oldLines.upperBound == edit.oldLines.lowerBound {
                edits[edits.count - 1] = .init(oldLines: last.oldLines.lowerBound..<edit.oldLines.upperBound,
                                               newLines: last.newLines + edit.newLines)
            } else {
                edits.append(edit)
            }
        }
        // Hunks: edits closer than twice the context share one.
        var groups: [[PageRepair.Edit]] = []
        for edit in edits {
            if let last = groups.last?.last, edit.oldLines.lowerBound - last.oldLines.upperBound <= 2 * context {
                groups[groups.count - 1].append(edit)
            } else {
                groups.append([edit])
            }
        }
        func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        var out = [paint("--- a/\(repair.page.value)", "1"), paint("+++ b/\(repair.page.value)", "1")]
        var shift = 0  // new line index minus old line index, before the current hunk
        for group in groups {
            let start = max(0, group[0].oldLines.lowerBound - context)
            let end = min(old.count, group[group.count - 1].oldLines.upperBound + context)
            var body: [String] = []
            var oldCount = 0, newCount = 0
            var cursor = start
            var hunkShift = 0
            for edit in group {
                while cursor < edit.oldLines.lowerBound {
                    body.append(" " + old.text(cursor + 1)); cursor += 1; oldCount += 1; newCount += 1
                }
                for n in edit.oldLines { body.append(paint("-" + old.text(n + 1), "31")); oldCount += 1 }
                for line in edit.newLines { body.append(paint("+" + line, "32")); newCount += 1 }
                cursor = edit.oldLines.upperBound
                hunkShift += edit.newLines.count - edit.oldLines.count
            }
            while cursor < end { body.append(" " + old.text(cursor + 1)); cursor += 1; oldCount += 1; newCount += 1 }
            let oldStart = oldCount == 0 ? start : start + 1
            let newStart = newCount == 0 ? start + shift : start + shift + 1
            out.append(paint("@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@", "36"))
            out += body
            shift += hunkShift
        }
        return out.joined(separator: "\n")
    }
}
