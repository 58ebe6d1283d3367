// libFuzzer entry point for the configuration parser (ConfigFile, ArchiveConfig, URLTemplate,
// ArchivePath). Compiled into one module with the GRDB-free sources of SharemarkArchive by
// Scripts/fuzz.sh. A configuration either parses or throws ConfigFile.Error; one that parses
// renders to text that parses back to the same configuration.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let fallback = ArchiveConfig(owner: "example-org", repository: "mirror")
    guard let config = try? ArchiveConfig(parsing: text, file: "fuzz.toml", fallback: fallback) else { return 0 }
    let rendered = config.render()
    guard let again = try? ArchiveConfig(parsing: rendered, file: "rendered.toml", fallback: fallback) else {
        fatalError("rendered configuration does not parse:\n\(rendered)")
    }
    precondition(again.owner == config.owner && again.repository == config.repository
                 && again.branch == config.branch && again.qr == config.qr && again.aliases == config.aliases
                 && again.pagesFolder == config.pagesFolder && again.mirrorForm.text == config.mirrorForm.text
                 && again.cdnForm.text == config.cdnForm.text, "round trip differs:\n\(rendered)")
    return 0
}
