import CPNG
import CQREncode

/// The versions of the C libraries this module runs with, as each library reports them at run
/// time (not the headers it was compiled against): what `sharemark --version` prints.
public enum LibraryVersions {
    /// libqrencode's `QRcode_APIVersionString()`, e.g. "4.1.1".
    public static var qrencode: String { String(cString: QRcode_APIVersionString()) }

    /// libpng's `png_get_libpng_ver()`, e.g. "1.6.39".
    public static var png: String { png_get_libpng_ver(nil).map { String(cString: $0) } ?? "unknown" }

    /// zlib's `zlibVersion()` (the zlib libpng compresses with), e.g. "1.2.13".
    public static var zlib: String { String(cString: zlibVersion()) }
}
