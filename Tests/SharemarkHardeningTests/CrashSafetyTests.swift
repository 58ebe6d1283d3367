import Foundation
import GRDB
import SharemarkTestSupport
import Testing
@testable import SharemarkArchive
@testable import SharemarkQR

/// SIGKILL in the middle of what `sharemark index`, `regen` and `fix` write, on a 5,000-page
/// archive. Each kill is made to land where it matters, and each test asserts that it did: the
/// index killed inside its write transaction, regen killed after it rewrote some PNGs but not
/// all, fix killed after it rewrote some pages but not all. Whatever was written is whole
/// (every PNG decodes and encodes its page's URL; every page is its old or its new self; the
/// SQLite index passes integrity_check and holds the last committed state, all of it), and a
/// re-run finishes the work with no temporary file left.
@Suite(.serialized)
struct CrashSafetyTests {
    let sharemark: String

    init() throws { sharemark = try Run.sharemark() }
    static let pages = 5_000

    /// A synthetic archive with footers and no PNG at all.
    static func makeArchive() throws -> String {
        let root = try Hardening.temporaryFolder("crash")
        let script = Hardening.repository.appendingPathComponent("Scripts/make-archive.py").path
        let output = try Run.run(["python3", script, root, "--pages", "\(pages)", "--seed", "7", "--png", "none", "--force"])
        #expect(output.status == 0, "\(output.err)")
        return root
    }

    /// Starts `sharemark` with `arguments` and kills it with SIGKILL as soon as `landed()` is
    /// true, checked at the start and after every change to a file in `folder` (inotify: the
    /// file system's events, not a clock, wake the check). False when the command ended first,
    /// or did not get there within a minute. Its standard error (with SHAREMARK_TIMING's phase
    /// marks) goes to `log`.
    func killed(_ arguments: [String], log: String? = nil, watching folder: String, when landed: () -> Bool) throws -> Bool {
        let changes = inotify_init1(Int32(IN_CLOEXEC))
        try #require(changes >= 0, "inotify_init1: errno \(errno)")
        defer { close(changes) }
        let events = UInt32(IN_MODIFY) | UInt32(IN_CREATE) | UInt32(IN_MOVED_TO) | UInt32(IN_CLOSE_WRITE)
        try #require(inotify_add_watch(changes, folder, events) >= 0, "inotify_add_watch \(folder): errno \(errno)")
        let process = try Run.prepare([sharemark] + arguments, environment: ["SHAREMARK_TIMING": "1"])
        process.standardOutput = FileHandle.nullDevice
        if let log {
            FileManager.default.createFile(atPath: log, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: log)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        let exited = try process.start()
        let deadline = ContinuousClock.now + .seconds(60)
        var killed = false
        var drained = [UInt8](repeating: 0, count: 64 * 1024)
        while process.isRunning && ContinuousClock.now < deadline {
            if landed() { kill(process.processIdentifier, SIGKILL); killed = true; break }
            // The next change in the folder; at most 100 ms, to see the command's end.
            var waiting = pollfd(fd: changes, events: Int16(POLLIN), revents: 0)
            if poll(&waiting, 1, 100) > 0 { _ = read(changes, &drained, drained.count) }
        }
        if !killed && process.isRunning { kill(process.processIdentifier, SIGKILL) }
        exited.wait()
        return killed && process.terminationReason == .uncaughtSignal
    }

    /// Device, inode and modification time in nanoseconds; nil when the file is missing. An
    /// atomic rewrite (a new file renamed into place) always changes it.
    struct Stamp: Equatable { var device: UInt64; var inode: UInt64; var mtime: Int64 }
    static func stamp(_ path: String) -> Stamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Stamp(device: UInt64(info.st_dev), inode: UInt64(info.st_ino),
                     mtime: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : -1
    }

    /// Archive-relative paths of the files under pages/ whose names end in `suffix`, sorted.
    static func files(_ root: String, endingIn suffix: String) throws -> [String] {
        let enumerator = try #require(FileManager.default.enumerator(atPath: root + "/pages"), "no pages folder in \(root)")
        return enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(suffix) }.map { "pages/" + $0 }.sorted()
    }

    /// Gives every page a new modification time, so the next `index` reads them all again.
    static func touchPages(_ root: String) throws {
        let now = Date()
        for page in try files(root, endingIn: ".md") {
            try FileManager.default.setAttributes([.modificationDate: now], ofItemAtPath: "\(root)/\(page)")
        }
    }

    static func integrityCheck(_ root: String) throws -> String {
        let path = root + "/.sharemark/index.sqlite"
        try #require(FileManager.default.fileExists(atPath: path), "no index at \(path)")
        let queue = try DatabaseQueue(path: path)
        return try queue.read { try String.fetchAll($0, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    static func temporaryFiles(_ root: String) throws -> [String] {
        let names = try #require(FileManager.default.enumerator(atPath: root), "no archive at \(root)").compactMap { $0 as? String }
        return names.filter { AtomicFile.isTemporary(($0 as NSString).lastPathComponent) || $0.contains(".sharemark-tmp-") }
    }

    /// Each of `assets` (archive-relative PNG paths) is a whole image of its page's mirror URL
    /// (as linked in the footer, or canonical).
    static func checkPNGs(_ root: String, _ assets: [String]) throws {
        let parser = PageParser()
        for asset in assets {
            let png = try Data(contentsOf: URL(fileURLWithPath: "\(root)/\(asset)"))
            let pagePath = String(asset.dropLast(4))
            var expected = ["https://github.com/example-org/mirror/blob/master/\(pagePath)"]
            let page = try Data(contentsOf: URL(fileURLWithPath: "\(root)/\(pagePath)"))
            if let linked = parser.parse(Array(page)).footer?.linkedMirrorURL { expected.append(linked) }
            let results = expected.map { QRImageReader.check(pngBytes: png, expected: $0) }
            #expect(results.contains(.matches), "\(asset): \(results)")
        }
    }

    /// Titles of `paths` in the committed index (nil for a path without a row).
    static func committedTitles(_ root: String, _ paths: [String]) throws -> [String: String?] {
        let queue = try DatabaseQueue(path: root + "/.sharemark/index.sqlite")
        return try queue.read { db in
            var titles: [String: String?] = [:]
            for path in paths {
                let row = try Row.fetchOne(db, sql: "SELECT title FROM pages WHERE path = ?", arguments: [path])
                titles[path] = row.map { $0["title"] as String? } ?? nil
            }
            return titles
        }
    }

    /// Appends `marker` to the title line (the first line) of the page, keeping its line ending.
    static func retitle(_ root: String, _ page: String, adding marker: String) throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: "\(root)/\(page)")))
        var end = bytes.firstIndex(of: 0x0A) ?? bytes.count
        if end > 0 && bytes[end - 1] == 0x0D { end -= 1 }
        bytes.insert(contentsOf: Array(marker.utf8), at: end)
        try Data(bytes).write(to: URL(fileURLWithPath: "\(root)/\(page)"))
    }

    /// `index` killed inside its write transaction: every page is read again (5,000 rows
    /// rewritten, about a second of writing), and the kill comes once the transaction has
    /// written a megabyte to the WAL. The committed index is then whole (integrity_check) and
    /// still the one before the run: none of the new titles, not some of them.
    @Test func killedIndexLeavesTheLastCommittedIndex() throws {
        let root = try Self.makeArchive()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let first = try Run.run([sharemark, "index", root])
        #expect(first.status == 0, "\(first.err)")
        let index = root + "/.sharemark/index.sqlite", wal = index + "-wal"
        // A title changes in one page of every 50, in path order, each round.
        let titled = try Self.committedTitles(root, try Self.files(root, endingIn: ".md"))
        let samples = titled.keys.sorted().filter { (titled[$0] ?? nil) != nil }.enumerated().filter { $0.offset % 50 == 0 }.map(\.element)
        #expect(samples.count >= 90, "\(samples.count) pages with a title")
        let log = root + "-index.log"
        defer { try? FileManager.default.removeItem(atPath: log) }

        var insideTransaction = 0
        for round in 1...3 {
            let marker = "〔第\(round)轮〕"
            for page in samples { try Self.retitle(root, page, adding: marker) }
            try Self.touchPages(root)
            if round == 2 {
                // A page added between kills: the next complete run must see it.
                try Hardening.write(Hardening.page("pages/world/late.md", title: "晚到的页面"), to: "\(root)/pages/world/late.md")
            }
            // Only the write transaction writes this much: the WAL starts empty or absent (the
            // last connection to close checkpoints it away).
            #expect(Self.fileSize(wal) < 1 << 20, "round \(round): the WAL is \(Self.fileSize(wal)) bytes before the run")
            let wasKilled = try killed(["index", root], log: log, watching: (wal as NSString).deletingLastPathComponent) {
                Self.fileSize(wal) >= 1 << 20
            }
            let marks = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(try Self.integrityCheck(root) == "ok", "round \(round), marks: \(marks)")
            let titles = try Self.committedTitles(root, samples)
            let new = samples.filter { (titles[$0] ?? nil)?.hasSuffix(marker) == true }
            // One transaction: all of the round's titles, or none of them.
            #expect(new.isEmpty || new.count == samples.count, "round \(round): \(new.count) of \(samples.count) new titles")
            #expect(titles.values.allSatisfy { $0 != nil }, "round \(round): rows went missing")
            if wasKilled && new.isEmpty { insideTransaction += 1 }
            print("killed index, round \(round): killed \(wasKilled), \(new.count) of \(samples.count) new titles committed; marks: \(marks.split(separator: "\n").joined(separator: " | "))")
        }
        #expect(insideTransaction >= 2, "only \(insideTransaction) of 3 kills landed inside the write transaction")

        let output = try Run.run([sharemark, "index", root, "--json"])
        #expect(output.status == 0, "\(output.err)")
        #expect(output.out.contains("\"scanned\" : \(Self.pages + 1)"), "\(output.out)")
        #expect(try Self.integrityCheck(root) == "ok")
        let titles = try Self.committedTitles(root, samples)
        #expect(samples.allSatisfy { (titles[$0] ?? nil)?.hasSuffix("〔第1轮〕〔第2轮〕〔第3轮〕") == true })
        let reopened = try ArchiveIndex(archive: root)
        #expect(try reopened.allArticles().count == Self.pages + 1)
        #expect(try reopened.search("晚到的").count == 1)
        let leftovers = try Self.temporaryFiles(root)
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// `regen --all` over existing PNGs, killed as soon as a watched PNG has been replaced: the
    /// first in path order, then one an eighth and one a quarter of the way in (regen writes in
    /// path order, the first thread from the front). Some PNGs are then new files and the
    /// others the old ones, every one of them whole: byte for byte what a whole run writes
    /// (rendering is deterministic), which `verify` reads back at the end.
    @Test func killedRegenLeavesSomePNGsRewrittenAndEachWhole() throws {
        let root = try Self.makeArchive()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let whole = try Run.run([sharemark, "regen", root])
        #expect(whole.status == 0, "\(whole.out)\(whole.err)")
        let assets = try Self.files(root, endingIn: ".md.png")
        #expect(assets.count > Self.pages * 9 / 10, "\(assets.count) PNGs")
        let written = try Dictionary(uniqueKeysWithValues: assets.map { ($0, try Data(contentsOf: URL(fileURLWithPath: "\(root)/\($0)"))) })
        try Self.checkPNGs(root, assets.enumerated().filter { $0.offset % 100 == 0 }.map(\.element))

        var midWrite = 0
        for round in 1...3 {
            let watched = assets[(round - 1) * assets.count / 8]
            let before = Dictionary(uniqueKeysWithValues: assets.map { ($0, Self.stamp("\(root)/\($0)")) })
            let wasKilled = try killed(["regen", "--all", root], watching: ("\(root)/\(watched)" as NSString).deletingLastPathComponent) {
                Self.stamp("\(root)/\(watched)") != before[watched] ?? nil
            }
            let after = Dictionary(uniqueKeysWithValues: assets.map { ($0, Self.stamp("\(root)/\($0)")) })
            #expect(after.values.allSatisfy { $0 != nil }, "round \(round): PNGs went missing")
            let rewritten = assets.filter { after[$0] != before[$0] }
            let changed = try assets.filter { try Data(contentsOf: URL(fileURLWithPath: "\(root)/\($0)")) != written[$0] }
            #expect(changed.isEmpty, "round \(round): \(changed.count) PNGs differ from a whole run's, such as \(changed.prefix(5))")
            #expect(try Self.integrityCheck(root) == "ok")
            if wasKilled && rewritten.contains(watched) && rewritten.count < assets.count { midWrite += 1 }
            print("killed regen --all, round \(round): killed \(wasKilled), \(rewritten.count) of \(assets.count) PNGs rewritten")
        }
        #expect(midWrite >= 2, "only \(midWrite) of 3 kills landed while regen was rewriting PNGs")
        let output = try Run.run([sharemark, "regen", root])
        #expect(output.status == 0, "\(output.out)\(output.err)")
        // verify reads every PNG back and compares it with its page's URL.
        let verify = try Run.run([sharemark, "verify", root])
        #expect(verify.status == 0, "\(verify.out.suffix(3000))\(verify.err)")
        #expect(try Self.integrityCheck(root) == "ok")
        let leftovers = try Self.temporaryFiles(root)
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// Pages (archive-relative path → bytes).
    static func pages(_ root: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for page in try files(root, endingIn: ".md") {
            out[page] = Array(try Data(contentsOf: URL(fileURLWithPath: "\(root)/\(page)")))
        }
        return out
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
            // Killed as soon as that page is replaced: fix's write phase has visibly started.
            let before = Self.stamp(root + "/" + next)
            let wasKilled = try killed(["fix", root], watching: ((root + "/" + next) as NSString).deletingLastPathComponent) {
                Self.stamp(root + "/" + next) != before
            }
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
        let leftovers = try Self.temporaryFiles(root)
        #expect(leftovers.isEmpty, "\(leftovers)")
        #expect(try Run.run([sharemark, "fix", "--check", root]).status == 0)
        let verify = try Run.run([sharemark, "verify", root])
        #expect(verify.status == 0, "\(verify.out.suffix(3000))\(verify.err)")
    }
}
