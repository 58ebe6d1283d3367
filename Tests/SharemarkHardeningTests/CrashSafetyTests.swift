import Foundation
import GRDB
import Testing
@testable import SharemarkArchive
@testable import SharemarkQR

/// SIGKILL at random points of `sharemark index` and `sharemark regen`, and while `sharemark fix`
/// rewrites pages, on a 5,000-page archive: whatever was written is whole (every PNG decodes
/// and encodes its page's URL; every page is its old or its new self; the SQLite index passes
/// integrity_check), and a re-run finishes the work with no temporary file left.
@Suite(.serialized)
struct CrashSafetyTests {
    let sharemark = Run.sharemark ?? ""
    static let pages = 5_000

    /// A synthetic archive with footers and no PNG at all.
    static func makeArchive() throws -> String {
        let root = try Hardening.temporaryFolder("crash")
        let script = Hardening.repository.appendingPathComponent("Scripts/make-archive.py").path
        let output = try Run.run(["python3", script, root, "--pages", "\(pages)", "--seed", "7", "--png", "none", "--force"])
        #expect(output.status == 0, "\(output.err)")
        return root
    }

    /// Starts the command, kills it with SIGKILL after `delay`, and says whether it was still
    /// running then (false: it had finished first).
    func killed(_ arguments: [String], after delay: Duration) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sharemark)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) / 1e18 + Double(delay.components.seconds))
        let running = process.isRunning
        if running { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return running
    }

    /// Runs the command to its end and returns how long it took, in milliseconds: kills are
    /// then timed inside a run of the same length, however fast or loaded the machine is.
    func timedRun(_ arguments: [String]) throws -> Int {
        let clock = ContinuousClock()
        var status: Int32 = -1
        let elapsed = try clock.measure { status = try Run.run([sharemark] + arguments).status }
        #expect(status == 0, "\(arguments) failed")
        return max(40, Int(elapsed / .milliseconds(1)))
    }

    /// A random point in the first half of a run (a later run may be faster on a machine
    /// whose load changes).
    static func pointInside(_ milliseconds: Int) -> Duration {
        .milliseconds(Int.random(in: (milliseconds / 20)...(milliseconds / 2)))
    }

    /// Gives every page a new modification time, so the next `index` reads them all again.
    static func touchPages(_ root: String) {
        let names = FileManager.default.enumerator(atPath: root + "/pages")?.compactMap { $0 as? String } ?? []
        let now = Date()
        for name in names where name.hasSuffix(".md") {
            try? FileManager.default.setAttributes([.modificationDate: now], ofItemAtPath: "\(root)/pages/\(name)")
        }
    }

    static func integrityCheck(_ root: String) throws -> String {
        let path = root + "/.sharemark/index.sqlite"
        guard FileManager.default.fileExists(atPath: path) else { return "ok" }
        let queue = try DatabaseQueue(path: path)
        return try queue.read { try String.fetchAll($0, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    static func temporaryFiles(_ root: String) -> [String] {
        let names = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return names.filter { AtomicFile.isTemporary(($0 as NSString).lastPathComponent) || $0.contains(".sharemark-tmp-") }
    }

    /// Every PNG under pages/ modified since `since` (all when nil) is a whole image of its
    /// page's mirror URL (as linked in the footer, or canonical). Returns how many PNGs there are.
    static func checkPNGs(_ root: String, since: Date? = nil) throws -> Int {
        let parser = PageParser()
        var count = 0
        let names = FileManager.default.enumerator(atPath: root + "/pages")?.compactMap { $0 as? String } ?? []
        for name in names where name.hasSuffix(".md.png") {
            count += 1
            if let since {
                let attributes = try FileManager.default.attributesOfItem(atPath: "\(root)/pages/\(name)")
                guard let modified = attributes[.modificationDate] as? Date, modified >= since.addingTimeInterval(-1) else { continue }
            }
            let png = try Data(contentsOf: URL(fileURLWithPath: "\(root)/pages/\(name)"))
            let pagePath = "pages/" + name.dropLast(4)
            let canonical = "https://github.com/example-org/mirror/blob/master/\(pagePath)"
            var expected = [canonical]
            if let page = try? Data(contentsOf: URL(fileURLWithPath: "\(root)/\(pagePath)")),
               let linked = parser.parse(Array(page)).footer?.linkedMirrorURL { expected.append(linked) }
            let results = expected.map { QRImageReader.check(pngBytes: png, expected: $0) }
            #expect(results.contains(.matches), "\(name): \(results)")
        }
        return count
    }

    @Test func killedIndexLeavesAConsistentIndex() throws {
        let root = try Self.makeArchive()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Every round reads all pages again (new mtimes) and rewrites their rows, so a kill
        // lands in the scan, the parse or the write transaction.
        let run = try timedRun(["index", root])
        var kills = 0
        for round in 0..<6 {
            Self.touchPages(root)
            let delay = Self.pointInside(run)
            if try killed(["index", root], after: delay) { kills += 1 }
            #expect(try Self.integrityCheck(root) == "ok", "after a kill at \(delay)")
            if round == 3 {
                // A page changes between kills: the next complete run must see it.
                try Hardening.write(Hardening.page("pages/world/late.md", title: "晚到的页面"), to: "\(root)/pages/world/late.md")
            }
        }
        #expect(kills >= 1, "no run was still going when the kill came")
        let output = try Run.run([sharemark, "index", root, "--json"])
        #expect(output.status == 0, "\(output.err)")
        #expect(output.out.contains("\"scanned\" : \(Self.pages + 1)"), "\(output.out)")
        #expect(try Self.integrityCheck(root) == "ok")
        let index = try ArchiveIndex(archive: root)
        #expect(try index.allArticles().count == Self.pages + 1)
        #expect(try index.search("晚到的").count == 1)
        #expect(Self.temporaryFiles(root).isEmpty, "\(Self.temporaryFiles(root))")
    }

    @Test
    func killedRegenLeavesOnlyWholePNGs() throws {
        let root = try Self.makeArchive()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let first = try Run.run([sharemark, "index", root])
        #expect(first.status == 0, "\(first.err)")
        // One whole run first, to learn how long a run takes on this machine: the kills below
        // land inside a run of `--all` (which rewrites every PNG), wherever that is.
        let run = try timedRun(["regen", "--all", root])
        var kills = 0, previous = try Self.checkPNGs(root, since: nil)
        for _ in 0..<5 {
            // Only what this round wrote can be torn: that is checked image by image.
            let started = Date()
            let delay = Self.pointInside(run)
            if try killed(["regen", "--all", root], after: delay) { kills += 1 }
            #expect(try Self.integrityCheck(root) == "ok")
            let count = try Self.checkPNGs(root, since: started)
            #expect(count >= previous, "PNGs went missing: \(previous) → \(count)")
            previous = count
        }
        #expect(kills >= 1, "no run was still going when the kill came")
        let output = try Run.run([sharemark, "regen", root])
        #expect(output.status == 0, "\(output.out)\(output.err)")
        // verify reads every PNG back and compares it with its page's URL.
        let verify = try Run.run([sharemark, "verify", root])
        #expect(verify.status == 0, "\(verify.out.suffix(3000))\(verify.err)")
        #expect(try Self.integrityCheck(root) == "ok")
        #expect(Self.temporaryFiles(root).isEmpty, "\(Self.temporaryFiles(root))")
    }

    /// Pages (archive-relative path → bytes).
    static func pages(_ root: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        let names = FileManager.default.enumerator(atPath: root + "/pages")?.compactMap { $0 as? String } ?? []
        for name in names where name.hasSuffix(".md") {
            out["pages/" + name] = Array(try Data(contentsOf: URL(fileURLWithPath: "\(root)/pages/\(name)")))
        }
        return out
    }

    /// Starts the command and kills it with SIGKILL as soon as `watched` changes (its write
    /// phase has visibly started); false when it finished or did not get there within a minute.
    func killedOnceWritten(_ arguments: [String], watched: String) throws -> Bool {
        func mtime() -> Int64 {
            var info = stat()
            guard stat(watched, &info) == 0 else { return -1 }
            return Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        }
        let before = mtime()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sharemark)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        var killed = false
        while process.isRunning && ContinuousClock.now < deadline {
            if mtime() != before { kill(process.processIdentifier, SIGKILL); killed = true; break }
            usleep(200)
        }
        if !killed && process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return killed
    }

    @Test
    func killedFixLeavesEachPageWholeAndARerunFinishes() throws {
        let root = try Self.makeArchive()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Moving every footer to the blob form rewrites nine pages in ten.
        try Hardening.write("image_url = \"blob\"\n", to: root + "/sharemark.toml")
        let original = try Self.pages(root)
        // The expected end state, from a whole run on a copy.
        let reference = root + "-reference"
        try FileManager.default.copyItem(atPath: root, toPath: reference)
        defer { try? FileManager.default.removeItem(atPath: reference) }
        let whole = try Run.run([sharemark, "fix", reference])
        #expect(whole.status == 0, "\(whole.out.suffix(2000))\(whole.err)")
        let fixed = try Self.pages(reference)
        let changing = fixed.keys.filter { fixed[$0] != original[$0] }.sorted()
        #expect(changing.count > Self.pages * 8 / 10, "\(changing.count) pages change")

        var midWrite = 0
        for _ in 0..<3 {
            let now = try Self.pages(root)
            // The first page still to be written (threads start at the front of the list).
            guard let next = changing.first(where: { now[$0] != fixed[$0] }) else { break }
            let wasKilled = try killedOnceWritten(["fix", root], watched: root + "/" + next)
            let after = try Self.pages(root)
            var new = 0
            for (path, bytes) in after {
                #expect(bytes == original[path] || bytes == fixed[path], "\(path) is neither its old nor its new self")
                if bytes == fixed[path] && bytes != original[path] { new += 1 }
            }
            if wasKilled && new > 0 && new < changing.count { midWrite += 1 }
            #expect(try Self.integrityCheck(root) == "ok")
        }
        #expect(midWrite >= 1, "no kill landed while fix was writing pages")
        let rerun = try Run.run([sharemark, "fix", root])
        #expect(rerun.status == 0, "\(rerun.out.suffix(2000))\(rerun.err)")
        #expect(try Self.pages(root) == fixed)
        #expect(Self.temporaryFiles(root).isEmpty, "\(Self.temporaryFiles(root))")
        #expect(try Run.run([sharemark, "fix", "--check", root]).status == 0)
        let verify = try Run.run([sharemark, "verify", root])
        #expect(verify.status == 0, "\(verify.out.suffix(3000))\(verify.err)")
    }
}
