import ArgumentParser
import SharemarkArchive
import SharemarkJobs

/// What every command that works through the archive's pages takes: how many threads, and
/// which shard of the pages (a CI matrix of N jobs splits an archive with `--shard I/N`).
struct WorkOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Threads to work on (default: the number of processors).", valueName: "n"))
    var jobs: Int?

    @Option(help: ArgumentHelp("Only the pages (and orphan PNGs) of shard I of N (I from 1), as a CI matrix splits them.",
                               valueName: "I/N"))
    var shard: String?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let shard { do { _ = try Shard(parsing: shard) } catch { throw ValidationError(error.description) } }
    }

    var threads: Int { jobs ?? availableProcessors }

    /// The `--shard` value (checked by `validate`), or the whole archive.
    var selectedShard: Shard {
        get throws {
            guard let shard else { return .whole }
            do { return try Shard(parsing: shard) } catch { throw CLIError(error.description, code: 64) }
        }
    }
}

/// What the commands that write in the archive (regen, fix) take beyond `WorkOptions`: what to
/// do when another of them holds the archive's lock.
struct LockOptions: ParsableArguments {
    @Flag(help: "Wait for another regen or fix of the archive to finish instead of failing.")
    var wait = false

    /// Takes the archive's lock: exit 75 when another holds it (unless `--wait`), 73 when the
    /// lock file cannot be made.
    func lock(_ archive: ArchiveOptions) throws -> RegenLock {
        try archive.lock(wait: wait)
    }
}
