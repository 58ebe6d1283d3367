// libFuzzer entry point for the page parser (PageParser, URLTemplate matching). Compiled into
// one module with the GRDB-free sources of SharemarkArchive by Scripts/fuzz.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPageParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let page = PageParser().parse(UnsafeBufferPointer(start: data, count: size))
    if let footer = page.footer {
        // Line numbers are 1-based and within the page.
        let lines = UnsafeBufferPointer(start: data, count: size).reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        precondition(footer.linkLine >= 1 && footer.linkLine <= lines)
        precondition(footer.qrImageLine >= 1 && footer.qrImageLine <= lines)
        if let line = footer.originalLine { precondition(line >= 1 && line <= lines) }
        if let line = footer.printedMirrorLine { precondition(line >= 1 && line <= lines) }
    }
    return 0
}
