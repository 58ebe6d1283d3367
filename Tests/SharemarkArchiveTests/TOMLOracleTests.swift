import Foundation
import Testing
@testable import SharemarkArchive

/// `ConfigFile` against an independent TOML 1.0 reader: Python's `tomllib` (3.11+), over the
/// official toml-test cases (Fixtures/toml-test, see its README.md), a few hundred seeded
/// generated documents and some hand-written edge cases, all parsed by ONE python3 process.
///
/// What is compared. A document `tomllib` accepts must be accepted with the same entries; one it
/// refuses must be refused (`ConfigFile.Error`). For a toml-test case, `tomllib` must moreover
/// agree with the folder the case is in (valid/ or invalid/). Both sides are brought to the same
/// flat form, one line per item, `key <TAB> type <TAB> value`, compared as sorted lists:
///
/// - keys as `ConfigFile` writes them: dotted, a part that is not a bare key quoted (`"a.b"`,
///   `""`, `"\"x\""`, `\n`, `\r`, `\t`, other controls as `\uXXXX`), array items numbered (`a[0]`, `fruits[1].name`);
///   tables give no line of their own (a `[table]` with no keys gives no entry in `ConfigFile`,
///   and `tomllib` cannot tell `[a]` from `a = {}`), so an empty table that is not an array item
///   is not compared; every array, inline (`a = [1]`) or of tables (`[[a]]`), gives a line
///   `a <TAB> array <TAB> count`, then one per item;
/// - types: string, integer, float, boolean, array, and the four kinds of date and time by
///   their toml-test names: datetime (offset), datetime-local, date-local, time-local;
/// - integers in decimal; floats by their IEEE 754 bits (so -0.0 is not 0.0, and 1e400 is inf),
///   every NaN as `nan`; strings as they are (after TOML's own CRLF-to-LF in multi-line strings);
/// - dates and times in one canonical text: `YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM`, the separator
///   `T`, the fraction always six digits (truncated, not rounded, as TOML asks: `tomllib` keeps
///   microseconds), the offset `Z`/`z`/`-00:00` as `+00:00`; `ConfigFile` keeps the text as
///   written and this test brings it to that form;
/// - everything outside printable ASCII escaped (`\u{E9}`), on both sides, so that strings and
///   keys compare scalar by scalar (Swift's `==` on `String` would call `é` and `e\u{301}` equal).
///
/// One normalisation of `tomllib`'s answer: an integer outside 64 bits counts as a refusal.
/// TOML 1.0 says an integer that cannot be represented losslessly must be an error, and
/// `ConfigFile` stores `Int`; `tomllib` has arbitrary precision.
///
/// Not generated, because the two readers differ there and neither is wrong: a second of 60 (the
/// ABNF allows a leap second; `ConfigFile` accepts it, `tomllib`'s `datetime` refuses it); the
/// year 0000 (RFC 3339 allows it; `tomllib` refuses it, Python's `date` starts at year 1); arrays
/// or inline tables nested more than 100 deep (`ConfigFile` refuses them by design,
/// `TOMLParser.maxDepth`; `tomllib` has no limit but Python's recursion limit).
@Suite struct TOMLOracleTests {
    /// Fixtures where a disagreement is known and kept visible rather than fixed here. Each one
    /// is still checked: it must still disagree (an entry that starts to agree is reported, so
    /// the list is cut when ConfigFile is fixed).
    static let knownDisagreements: [String: String] = [
        // tomllib deviates: `tomllib.loads` does not skip a UTF-8 byte order mark ("Invalid
        // statement" at line 1, column 1); toml-test lists a leading BOM as valid. ConfigFile
        // accepts it, with the same entries as without it, and the case without its BOM is
        // compared with tomllib too (both checked in the test).
        "valid/utf8-bom-01.toml": "tomllib refuses a leading BOM",
        "valid/utf8-bom-02.toml": "tomllib refuses a leading BOM",
    ]

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/toml-test")

    struct Document {
        var name: String
        var bytes: [UInt8]
        /// For toml-test cases: whether the case is in valid/ (nil for generated documents and
        /// edge cases).
        var valid: Bool?
    }

    @Test func configFileAgreesWithTomllib() throws {
        var documents: [Document] = []
        for folder in ["valid", "invalid"] {
            let names = try Self.tomlFiles(under: Self.fixtures.appendingPathComponent(folder))
            try #require(!names.isEmpty, "no toml-test fixtures in \(Self.fixtures.path)/\(folder)")
            for name in names {
                let bytes = Array(try Data(contentsOf: Self.fixtures.appendingPathComponent(folder).appendingPathComponent(name)))
                documents.append(Document(name: "\(folder)/\(name)", bytes: bytes, valid: folder == "valid"))
            }
        }
        let fixtureCount = documents.count
        // tomllib does not skip a BOM (knownDisagreements): a valid case that starts with one is
        // compared once more without it, and ConfigFile must read the two alike (checked below).
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let withBOM = documents.filter { $0.valid == true && $0.bytes.starts(with: bom) }
        for document in withBOM {
            documents.append(Document(name: document.name + " without its BOM", bytes: Array(document.bytes.dropFirst(3)), valid: document.valid))
        }
        var generator = TOMLDocumentGenerator(seed: 0x7A0C_1E57)
        for n in 0..<400 {
            documents.append(Document(name: "generated #\(n)", bytes: Array(generator.document().utf8), valid: nil))
        }
        for (name, text) in Self.edgeCases {
            documents.append(Document(name: "edge case '\(name)'", bytes: Array(text.utf8), valid: nil))
        }
        for key in Self.knownDisagreements.keys {
            #expect(documents.contains { $0.name == key }, "knownDisagreements names \(key), which is not a fixture")
        }

        let answers = try Self.tomllib(documents.map(\.bytes))
        try #require(answers.count == documents.count, "python3 answered \(answers.count) of \(documents.count) documents")

        var disagreements: [String] = []
        var stale: [String] = []
        var counts = (valid: 0, invalid: 0, otherAccepted: 0, otherRefused: 0)
        for (document, answer) in zip(documents, answers) {
            var problems: [String] = []
            let ours = Self.configFile(document.bytes)
            switch (document.valid, answer) {
            case (true, .refused(let message)): problems.append("toml-test says valid, tomllib refuses it: \(message)")
            case (false, .accepted): problems.append("toml-test says invalid, tomllib accepts it")
            case (_, .crashed(let message)): problems.append("tomllib crashed: \(message)")
            default: break
            }
            switch (answer, ours) {
            case (.accepted(let expected), .accepted(let got)):
                if expected.sorted() != got.sorted() {
                    let (missing, extra) = Self.difference(expected, got)
                    problems.append("entries differ: tomllib only \(missing.prefix(4).map(Self.readable)), ConfigFile only \(extra.prefix(4).map(Self.readable))")
                }
            case (.accepted, .refused(let error)):
                problems.append("tomllib accepts it, ConfigFile refuses it: \(error)")
            case (.refused(let message), .accepted(let got)):
                problems.append("tomllib refuses it (\(message)), ConfigFile accepts it: \(got.prefix(4).map(Self.readable))")
            default: break
            }
            switch document.valid {
            case true? where !document.name.hasSuffix(" without its BOM"): counts.valid += 1
            case false? where !document.name.hasSuffix(" without its BOM"): counts.invalid += 1
            case _?: break
            case nil:
                if case .accepted = answer { counts.otherAccepted += 1 } else { counts.otherRefused += 1 }
            }
            if document.valid == true && document.bytes.starts(with: bom) {
                let without = Self.configFile(Array(document.bytes.dropFirst(3)))
                if case .accepted(let a) = ours, case .accepted(let b) = without, a == b {} else {
                    disagreements.append("\(document.name): ConfigFile reads it differently without its BOM: \(ours) / \(without)")
                }
            }
            if Self.knownDisagreements[document.name] != nil {
                if problems.isEmpty { stale.append(document.name) }
                continue
            }
            if !problems.isEmpty {
                let text = String(decoding: document.bytes, as: UTF8.self)
                disagreements.append("\(document.name): \(problems.joined(separator: "; "))\n    document: \(text.debugDescription.prefix(600))")
            }
        }
        print("TOMLOracleTests: \(fixtureCount) toml-test cases (\(counts.valid) valid, \(counts.invalid) invalid; "
            + "\(withBOM.count) also without their BOM), "
            + "\(documents.count - fixtureCount - withBOM.count - Self.edgeCases.count) generated and \(Self.edgeCases.count) edge cases "
            + "(\(counts.otherAccepted) accepted, \(counts.otherRefused) refused by tomllib); "
            + "\(disagreements.count) disagreements, \(Self.knownDisagreements.count) known")
        if !disagreements.isEmpty {
            Issue.record("""
                \(disagreements.count) disagreements between ConfigFile and tomllib (first 20):
                \(disagreements.prefix(20).joined(separator: "\n"))
                """)
        }
        if !stale.isEmpty { Issue.record("knownDisagreements that now agree (remove them): \(stale)") }
    }

    /// Hand-written documents the generator does not make: how `[tables]`, `[[arrays]]`, dotted
    /// keys and inline tables may and may not extend one another, escapes at the edges of
    /// Unicode, floats and integers at their limits, what counts as whitespace, nesting 100 deep.
    static let edgeCases: [(String, String)] = [
        ("dotted then header", "a.b = 1\n[a]\n"),
        ("header then dotted extends it", "[a.b]\nc = 1\n[a]\nb.d = 2\n"),
        ("dotted then sub-table header", "[a]\nb.c = 1\n[a.b.d]\n"),
        ("dotted then its own header elsewhere", "[a]\nb.c = 1\n[x]\n[a.b]\n"),
        ("value then sub-table", "[a]\nb = 1\n[a.b.c]\n"),
        ("static array then [[ ]]", "a = [{ b = 1 }]\n[[a]]\n"),
        ("static array then sub-table", "a = [{ b = 1 }]\n[a.c]\n"),
        ("inline then dotted", "a = { b = 1 }\na.c = 2\n"),
        ("inline then header", "a = { b = 1 }\n[a.c]\n"),
        ("inline dotted then header", "a = { b.c = 1 }\n[a.b]\n"),
        ("inline in [[ ]] then sub-table", "[[a]]\nb = { c = 1 }\n[a.b.d]\n"),
        ("[[ ]] with sub-tables", "[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n"),
        ("[[ ]] three deep", "[[a]]\n[[a.b]]\n[[a.b.c]]\nx = 1\n[[a]]\n[[a.b]]\n"),
        ("[[ ]] then dotted then header", "[[a]]\nb.c = 1\n[a.b]\n"),
        ("table then [[ ]]", "[a]\n[[a]]\n"),
        ("[[ ]] then table", "[[a]]\n[a]\n"),
        ("implicit then [[ ]]", "[a.b]\n[[a]]\n"),
        ("super-table after sub-table", "[a.b]\nx = 1\n[a]\ny = 2\n"),
        ("super-table twice", "[a.b]\n[a]\n[a]\n"),
        ("table twice, other spelling", "[a.b]\n[a.'b']\n"),
        ("key twice, other spelling", "x = 1\n\"x\" = 2\n"),
        ("key twice in [[ ]]", "[[a]]\nb = 1\nb = 2\n"),
        ("keys equal only by canonical equivalence", "\"\u{E9}\" = 1\n\"e\u{301}\" = 2\n"),
        ("empty keys dotted", "\"\".\"\".'' = 1\n"),
        ("keys that look like floats", "1.2 = 3\n[4.5]\n6.7 = 8\n"),
        ("keys with dots and brackets", "'a.b'.c = 1\n\"d[0]\" = 2\n[[\"e\"]]\n"),
        ("keys that are values", "true = true\nfalse = false\ninf = inf\nnan = nan\n"),
        ("key with NUL, tab and C1", "\"a\\u0000b\" = 1\n\"c\td\" = 2\n\"\u{85}\" = 3\n"),
        ("escapes at the edges", #"a = "\U0010FFFF\uD7FF\uE000\u0000\u001F\u007F""# + "\n"),
        ("escape beyond Unicode", #"a = "\U00110000""# + "\n"),
        ("escaped surrogate pair", #"a = "\ud83d\ude00""# + "\n"),
        ("escape \\e (TOML 1.1)", #"a = "\e""# + "\n"),
        ("escape \\x (TOML 1.1)", #"a = "\x41""# + "\n"),
        ("multi-line: backslash, spaces, text", #"a = """a\  b""""# + "\n"),
        ("multi-line: five quotes", #"a = """x""""""# + "\nb = '''y'''''\n"),
        ("multi-line: six quotes", #"a = """x"""""""# + "\n"),
        ("multi-line: empty and newline only", #"a = """""""# + "\nb = ''''''\nc = \"\"\"\n\"\"\"\n"),
        ("multi-line: CRLF first", "a = \"\"\"\r\nx\r\ny\"\"\"\r\n"),
        ("time fraction of 13 digits", "a = 07:32:00.1234567890123\nb = 1979-05-27T07:32:00.9999999z\n"),
        ("date, space, comment", "a = 1979-05-27 # c\nb = [1979-05-27 07:32:00, 1979-05-27 07:32:00Z]\n"),
        ("offset -00:00 and lower case", "a = 1979-05-27t07:32:00-00:00\nb = 2000-02-29 23:59:59+23:59\n"),
        ("time with trailing dot", "a = 07:32:00.\n"),
        ("floats at the limits", "a = 1e99999999999999999999\nb = 1e-99999999999999999999\nc = 4.9e-324\nd = 2.4703282292062328e-324\n"
            + "e = 1.7976931348623158e308\nf = 0." + String(repeating: "1", count: 400) + "\ng = 1e05\nh = -0e-0\n"),
        ("integers at the limits", "a = 0x" + String(repeating: "0", count: 100) + "1\nb = +1_0\nc = -9_223_372_036_854_775_808\n"
            + "d = 0b0111111111111111111111111111111111111111111111111111111111111111\n"),
        ("negative hex", "a = -0x1\n"),
        ("what is not whitespace", "a =\u{A0}1\n"),
        ("vertical tab", "a = 1\u{B}\n"),
        ("form feed", "a = 1\u{C}\n"),
        ("bare CR", "a = 1\rb = 2\n"),
        ("no final newline", "[[a]]\nb = 1"),
        ("comment only, no newline", "# x"),
        ("inline table trailing comma (TOML 1.1)", "a = { b = 1, }\n"),
        ("inline table newline (TOML 1.1)", "a = { b = 1\n}\n"),
        ("inline table with multi-line values", "a = { b = \"\"\"\nx\"\"\", c = [ # c\n1,\n2] }\n"),
        ("nested 100 deep", "a = " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n"
            + "b = " + String(repeating: "{ b = ", count: 99) + "1" + String(repeating: " }", count: 99) + "\n"),
    ]

    // MARK: The two readers

    enum Answer {
        /// Sorted `key \t type \t value` lines.
        case accepted([String])
        case refused(String)
        case crashed(String)
    }

    /// ConfigFile's reading of the bytes, as a reader of `sharemark.toml` gets it (UTF-8 checked
    /// first), in the flat form above.
    static func configFile(_ bytes: [UInt8]) -> Answer {
        let file: ConfigFile
        do {
            file = try ConfigFile(parsing: try ConfigFile.text(of: bytes, file: "t.toml"), file: "t.toml")
        } catch {
            return .refused(error.description)
        }
        var lines: [String] = []
        // `[[a]]` headers: entries `a[0]`, `a[1]`, …, an empty `.table` each; the array's length
        // is the highest number plus one (a gap shows as items missing against tomllib).
        var arraysOfTables: [String: Int] = [:]
        for entry in file.entries {
            if entry.key.hasSuffix("]"), case .table(let inner) = entry.value, inner.isEmpty,
               let open = entry.key.lastIndex(of: "["),
               let n = Int(entry.key[entry.key.index(after: open)..<entry.key.index(before: entry.key.endIndex)]) {
                let base = String(entry.key[..<open])
                arraysOfTables[base] = max(arraysOfTables[base] ?? 0, n + 1)
                continue
            }
            flatten(entry.key, entry.value, into: &lines)
        }
        for (base, count) in arraysOfTables { lines.append(line(base, "array", "\(count)")) }
        return .accepted(lines.sorted())
    }

    static func flatten(_ key: String, _ value: ConfigFile.Value, into lines: inout [String]) {
        switch value {
        case .string(let s): lines.append(line(key, "string", s))
        case .integer(let n): lines.append(line(key, "integer", "\(n)"))
        case .float(let x):
            lines.append(line(key, "float", x.isNaN ? "nan" : hex16(x.bitPattern)))
        case .boolean(let b): lines.append(line(key, "boolean", b ? "true" : "false"))
        case .dateTime(let text):
            let (type, canonical) = canonicalDateTime(text) ?? ("unreadable date-time", text)
            lines.append(line(key, type, canonical))
        case .strings(let items):
            lines.append(line(key, "array", "\(items.count)"))
            for (n, s) in items.enumerated() { lines.append(line("\(key)[\(n)]", "string", s)) }
        case .array(let items):
            lines.append(line(key, "array", "\(items.count)"))
            for (n, item) in items.enumerated() { flatten("\(key)[\(n)]", item, into: &lines) }
        case .table(let entries):
            // An inline table inside an array: its keys relative to it.
            for entry in entries { flatten(key + "." + entry.key, entry.value, into: &lines) }
        }
    }

    /// What only `a` has and what only `b` has, counting repeats.
    static func difference(_ a: [String], _ b: [String]) -> ([String], [String]) {
        var count: [String: Int] = [:]
        for line in a { count[line, default: 0] += 1 }
        for line in b { count[line, default: 0] -= 1 }
        var onlyA: [String] = [], onlyB: [String] = []
        for (line, n) in count.sorted(by: { $0.key < $1.key }) {
            if n > 0 { onlyA += Array(repeating: line, count: n) }
            if n < 0 { onlyB += Array(repeating: line, count: -n) }
        }
        return (onlyA, onlyB)
    }

    static func hex16(_ bits: UInt64) -> String {
        let hex = String(bits, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func line(_ key: String, _ type: String, _ value: String) -> String {
        escaped(key) + "\t" + type + "\t" + escaped(value)
    }

    /// Printable ASCII as is (backslash doubled), everything else `\u{HEX}`: what the Python
    /// script writes too.
    static func escaped(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            if scalar == "\\" { out += "\\\\" }
            else if scalar.value >= 0x20 && scalar.value < 0x7F { out.unicodeScalars.append(scalar) }
            else { out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}" }
        }
        return out
    }

    /// A line for a message: a float's bits shown with its value too.
    static func readable(_ line: String) -> String {
        let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
        if parts.count == 3, parts[1] == "float", let bits = UInt64(parts[2], radix: 16) {
            return "\(parts[0]) float \(Double(bitPattern: bits))"
        }
        return parts.joined(separator: " ")
    }

    /// The type and canonical text of a `.dateTime` (see the suite's comment), nil when the text
    /// is not one this test can read.
    static func canonicalDateTime(_ text: String) -> (String, String)? {
        let a = Array(text.unicodeScalars)
        func digits(_ range: Range<Int>) -> String? {
            guard range.upperBound <= a.count, a[range].allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
            return String(String.UnicodeScalarView(a[range]))
        }
        /// `HH:MM:SS[.fraction]` from `start`: the canonical time and where it ends.
        func time(from start: Int) -> (String, Int)? {
            guard let h = digits(start..<start + 2), start + 2 < a.count, a[start + 2] == ":",
                  let m = digits(start + 3..<start + 5), start + 5 < a.count, a[start + 5] == ":",
                  let s = digits(start + 6..<start + 8) else { return nil }
            var end = start + 8
            var fraction = ""
            if end < a.count, a[end] == "." {
                end += 1
                while end < a.count, ("0"..."9").contains(a[end]) { fraction.unicodeScalars.append(a[end]); end += 1 }
                if fraction.isEmpty { return nil }
            }
            fraction = String((fraction + "000000").prefix(6))
            return ("\(h):\(m):\(s).\(fraction)", end)
        }
        if a.count >= 3, a[2] == ":" {
            guard let parsed = time(from: 0), parsed.1 == a.count else { return nil }
            return ("time-local", parsed.0)
        }
        guard let y = digits(0..<4), a.count >= 10, a[4] == "-", let mo = digits(5..<7), a[7] == "-",
              let d = digits(8..<10) else { return nil }
        let date = "\(y)-\(mo)-\(d)"
        if a.count == 10 { return ("date-local", date) }
        guard a[10] == "T" || a[10] == "t" || a[10] == " ", let parsed = time(from: 11) else { return nil }
        let (t, end) = parsed
        let rest = String(String.UnicodeScalarView(a[end...]))
        if rest.isEmpty { return ("datetime-local", "\(date)T\(t)") }
        if rest == "Z" || rest == "z" || rest == "-00:00" || rest == "+00:00" { return ("datetime", "\(date)T\(t)+00:00") }
        let r = Array(rest.unicodeScalars)
        guard r.count == 6, r[0] == "+" || r[0] == "-", r[3] == ":" else { return nil }
        return ("datetime", "\(date)T\(t)\(rest)")
    }

    /// The Python side: reads `[base64 of a document, …]` as JSON on stdin, writes one answer per
    /// document: `{"error": true, "message": …}`, `{"crash": …}` or the sorted flat lines.
    static let script = #"""
        import base64, datetime, json, math, struct, sys, tomllib

        BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")

        def display(k):
            # ConfigFile's key parts: bare when possible, else a basic string.
            if k and all(c in BARE for c in k):
                return k
            out = '"'
            for c in k:
                if c == '"': out += '\\"'
                elif c == '\\': out += '\\\\'
                elif c in '\n\r\t': out += {'\n': '\\n', '\r': '\\r', '\t': '\\t'}[c]
                elif ord(c) < 0x20 or ord(c) == 0x7F: out += '\\u%04X' % ord(c)
                else: out += c
            return out + '"'

        def escaped(s):
            out = []
            for c in s:
                if c == '\\': out.append('\\\\')
                elif 0x20 <= ord(c) < 0x7F: out.append(c)
                else: out.append('\\u{%X}' % ord(c))
            return ''.join(out)

        class OutOfRange(Exception):
            pass

        def time_text(h, m, s, us):
            return '%02d:%02d:%02d.%06d' % (h, m, s, us)

        def scalar(v):
            if isinstance(v, bool): return 'boolean', 'true' if v else 'false'
            if isinstance(v, int):
                if not -2**63 <= v < 2**63: raise OutOfRange(str(v))
                return 'integer', str(v)
            if isinstance(v, float):
                if math.isnan(v): return 'float', 'nan'
                return 'float', '%016x' % struct.unpack('<Q', struct.pack('<d', v))[0]
            if isinstance(v, str): return 'string', v
            if isinstance(v, datetime.datetime):
                text = '%04d-%02d-%02dT' % (v.year, v.month, v.day) + time_text(v.hour, v.minute, v.second, v.microsecond)
                if v.tzinfo is None: return 'datetime-local', text
                minutes = int(v.utcoffset().total_seconds()) // 60
                sign = '-' if minutes < 0 else '+'
                minutes = abs(minutes)
                return 'datetime', text + '%s%02d:%02d' % (sign, minutes // 60, minutes % 60)
            if isinstance(v, datetime.date): return 'date-local', '%04d-%02d-%02d' % (v.year, v.month, v.day)
            if isinstance(v, datetime.time): return 'time-local', time_text(v.hour, v.minute, v.second, v.microsecond)
            raise TypeError('unexpected %r' % type(v))

        def value(key, v, out):
            if isinstance(v, dict):
                for k, item in v.items():
                    value(display(k) if not key else key + '.' + display(k), item, out)
            elif isinstance(v, list):
                out.append((key, 'array', str(len(v))))
                for n, item in enumerate(v):
                    value('%s[%d]' % (key, n), item, out)
            else:
                out.append((key,) + scalar(v))

        answers = []
        for encoded in json.load(sys.stdin):
            try:
                out = []
                value('', tomllib.loads(base64.b64decode(encoded).decode('utf-8')), out)
                answers.append(sorted('\t'.join(escaped(x) for x in item) for item in out))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
                answers.append({'error': True, 'message': str(e)})
            except OutOfRange as e:
                answers.append({'error': True, 'message': 'integer outside 64 bits: ' + str(e)})
            except Exception as e:
                answers.append({'crash': '%s: %s' % (type(e).__name__, e)})
        json.dump(answers, sys.stdout)
        """#

    /// One python3 process for all documents.
    static func tomllib(_ documents: [[UInt8]]) throws -> [Answer] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        // Waited for by its termination handler: waitUntilExit() can miss the exit on Linux.
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        // The script reads all of its input before it writes: no deadlock on full pipes.
        input.fileHandleForWriting.write(try JSONEncoder().encode(documents.map { Data($0).base64EncodedString() }))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        exited.wait()
        try #require(process.terminationStatus == 0, "python3 (needs tomllib, Python 3.11+) failed: \(stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [Any])
        return try json.map { item throws -> Answer in
            if let lines = item as? [String] { return .accepted(lines) }
            let object = try #require(item as? [String: Any], "unexpected answer \(item)")
            if let crash = object["crash"] as? String { return .crashed(crash) }
            return .refused(object["message"] as? String ?? "error")
        }
    }

    static func tomlFiles(under folder: URL) throws -> [String] {
        let base = folder.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        var names: [String] = []
        while let name = walker.nextObject() as? String {
            if name.hasSuffix(".toml") { names.append(name) }
        }
        return names.sorted()
    }

    // MARK: The generator's own check

    /// The generator is seeded: the same documents every run.
    @Test func generatorIsDeterministic() {
        var a = TOMLDocumentGenerator(seed: 42), b = TOMLDocumentGenerator(seed: 42)
        for _ in 0..<20 { #expect(a.document() == b.document()) }
    }
}

/// SplitMix64: a small seeded generator, the same sequence on every platform.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random TOML documents, mostly valid: bare, quoted and dotted keys (each simple key name used
/// once per document, so that tables and keys do not clash by accident), `[tables]` and
/// `[[arrays of tables]]` with sub-tables, inline tables, arrays over several lines with
/// comments, basic/literal/multi-line strings with every escape, integers in every base, floats,
/// booleans, the four kinds of dates and times; LF or CRLF. So that both readers also refuse
/// things, about one document in six gets one near-miss value (`01`, `1.`, `0X1`, an integer
/// past 64 bits, `{ a = 1, }`, Feb 29 of a common year, …) and about one in six is mutated
/// afterwards (a character inserted, deleted or replaced, or a line written twice).
struct TOMLDocumentGenerator {
    var rng: SplitMix64
    var used: Set<String> = []
    var serial = 0
    var depth = 0

    init(seed: UInt64) { rng = SplitMix64(state: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    mutating func document() -> String {
        used = []
        depth = 0
        var lines: [String] = []
        if chance(0.3) { lines.append("# generated \(serial)") }
        for _ in 0..<int(0...5) { lines.append(keyValue()) }
        var headers: [[String]] = []
        for _ in 0..<int(0...4) {
            if chance(0.35) {
                // An array of tables, its elements with keys and maybe a sub-table or a nested array.
                let path = headerPath(headers)
                for _ in 0..<int(1...3) {
                    lines.append("")
                    lines.append(header(path, array: true))
                    for _ in 0..<int(0...3) { lines.append(keyValue()) }
                    if chance(0.3) {
                        lines.append(header(path + [freshName()], array: chance(0.5)))
                        for _ in 0..<int(0...2) { lines.append(keyValue()) }
                    }
                }
            } else {
                let path = headerPath(headers)
                headers.append(path)
                lines.append("")
                lines.append(header(path, array: false))
                for _ in 0..<int(0...4) { lines.append(keyValue()) }
            }
        }
        if chance(0.18) {
            lines.insert(spell(freshName()) + " = " + nearMiss(), at: int(0...lines.count))
        }
        serial += 1
        var text = lines.joined(separator: "\n") + (chance(0.8) ? "\n" : "")
        if chance(0.15) { text = text.replacingOccurrences(of: "\n", with: "\r\n") }
        if chance(0.17) { text = mutated(text) }
        return text
    }

    /// A new header's path: fresh, or under a table already opened.
    mutating func headerPath(_ headers: [[String]]) -> [String] {
        if !headers.isEmpty && chance(0.4) { return pick(headers) + [freshName()] }
        return (0..<int(1...3)).map { _ in freshName() }
    }

    mutating func header(_ path: [String], array: Bool) -> String {
        let inside = path.map { spell($0) }.joined(separator: pick([".", " . ", ".", "\t.\t"]))
        let pad = chance(0.2) ? " " : ""
        let open = array ? "[[" : "[", close = array ? "]]" : "]"
        return open + pad + inside + pad + close + (chance(0.2) ? " # header" : "")
    }

    // MARK: Keys

    static let bareNames = ["a", "key", "bare_key", "bare-key", "1234", "true", "false", "inf", "nan", "-", "_", "A", "x1",
                            "0", "1979-05-27", "0x10", "e5", "ÿ"]
    static let quotedNames = ["a.b", "with space", "ʎǝʞ", "", "tab\there", "quote\"d", "back\\slash", "é", "e\u{301}",
                              "中文", "😀", "[x]", "'", "=", "#", "line\nbreak", "nul\u{0}", "del\u{7F}", "127.0.0.1"]

    /// A simple key name not used yet in this document.
    mutating func freshName() -> String {
        var name = chance(0.7) ? pick(Self.bareNames) : pick(Self.quotedNames)
        if used.contains(name) {
            serial += 1
            name += "\(serial)"
            if used.contains(name) { name += "_" }
        }
        used.insert(name)
        return name
    }

    static func isBare(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }

    /// A key part for `name`: bare, literal or basic, whichever can write it, at random.
    mutating func spell(_ name: String) -> String {
        if Self.isBare(name) && chance(0.7) { return name }
        let literalOK = !name.unicodeScalars.contains { $0 == "'" || $0.value < 0x20 || $0.value == 0x7F }
        if literalOK && chance(0.4) { return "'" + name + "'" }
        return basicString(name)
    }

    mutating func keyValue() -> String {
        let parts = (0..<(chance(0.3) ? int(2...3) : 1)).map { _ in freshName() }
        let key = parts.map { spell($0) }.joined(separator: pick([".", ".", " . ", ". "]))
        let equals = pick([" = ", "=", " =", "= ", "\t=\t"])
        let comment = chance(0.15) ? pick([" # c", "\t#", " #=# \"x\""]) : ""
        return (chance(0.1) ? "  " : "") + key + equals + value() + comment
    }

    // MARK: Values

    mutating func value() -> String {
        let n = int(0...99)
        if depth >= 3 && n >= 78 { return integer() }
        switch n {
        case 0..<24: return string()
        case 24..<42: return integer()
        case 42..<58: return float()
        case 58..<62: return pick(["true", "false"])
        case 62..<78: return dateTime()
        case 78..<90: return array()
        default: return inlineTable()
        }
    }

    static let fragments = ["a", "Z", " ", "09", "é", "中", "😀", "\u{301}", "\t", "~", "'", "#", "=", "[", "{", ".",
                            "ÿ", "\u{A0}", "\u{FEFF}", "\u{10FFFF}"]
    static let escapes = ["\\b", "\\t", "\\n", "\\f", "\\r", "\\\"", "\\\\", "\\u00E9", "\\u0000", "\\u001F", "\\u007F",
                          "\\U0001F600", "\\u4E2D", "\\U0010FFFF", "\\uD7FF", "\\uE000", "\\u0041"]

    /// A basic string that reads as `text`, characters escaped at random (those that must be, always).
    mutating func basicString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case _ where scalar.value < 0x20 && scalar != "\t" || scalar.value == 0x7F:
                out += String(format: "\\u%04X", scalar.value)
            default:
                if chance(0.15) { out += String(format: "\\U%08X", scalar.value) }
                else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    mutating func string() -> String {
        var body = ""
        switch int(0...5) {
        case 0, 1:
            for _ in 0..<int(0...8) { body += chance(0.35) ? pick(Self.escapes) : pick(Self.fragments) }
            return "\"" + body + "\""
        case 2:
            for _ in 0..<int(0...8) { body += pick(Self.fragments + ["\"", "\\"]) }
            return "'" + body.replacingOccurrences(of: "'", with: "") + "'"
        case 3:
            // Multi-line basic: newlines, line-ending backslashes, quotes short of three.
            for _ in 0..<int(0...8) {
                body += pick(Self.fragments + Self.escapes + ["\n", "\\\n    ", "\\  \n\n  ", "\"", "\"\"", "\"\"\\\""])
            }
            if body.hasSuffix("\"\"") || body.hasSuffix("\\") { body += "x" }
            return "\"\"\"" + (chance(0.5) ? "\n" : "") + body + pick(["", "\"", "\"\""]) + "\"\"\""
        case 4:
            for _ in 0..<int(0...8) { body += pick(Self.fragments + ["\n", "\\", "\"", "'", "''"]) }
            while body.hasSuffix("'") { body.removeLast() }
            return "'''" + (chance(0.5) ? "\n" : "") + body.replacingOccurrences(of: "'''", with: "'") + pick(["", "'", "''"]) + "'''"
        default:
            return basicString(pick(Self.quotedNames + Self.bareNames))
        }
    }

    /// Digits with an underscore between two of them now and then.
    mutating func underscored(_ digits: String) -> String {
        var out = ""
        for (n, c) in digits.enumerated() {
            if n > 0 && chance(0.15) { out += "_" }
            out.append(c)
        }
        return out
    }

    mutating func integer() -> String {
        switch int(0...8) {
        case 0:
            return pick(["0", "+0", "-0", "9223372036854775807", "-9223372036854775808", "+9_223_372_036_854_775_807",
                         "0x7FFFFFFFFFFFFFFF", "0x7fff_ffff_ffff_ffff", "0o777777777777777777777",
                         "0b" + String(repeating: "1", count: 63), "0x00", "0o0", "0b0", "0xdead_BEEF", "1_000", "0x0000000000000000001"])
        case 1:
            return "0x" + underscored(String((0..<int(1...15)).map { _ in pick(Array("0123456789abcdefABCDEF")) }))
        case 2:
            return "0o" + underscored(String((0..<int(1...21)).map { _ in pick(Array("01234567")) }))
        case 3:
            return "0b" + underscored(String((0..<int(1...63)).map { _ in pick(Array("01")) }))
        default:
            let magnitude = UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64(int(1...63))
            let sign = pick(["", "", "+", "-"])
            return sign + underscored(String(magnitude))
        }
    }

    mutating func float() -> String {
        switch int(0...8) {
        case 0:
            return pick(["inf", "+inf", "-inf", "nan", "+nan", "-nan", "-0.0", "+0.0", "0.0", "0e0", "-0e-0", "1e400", "-1e400",
                         "1e-400", "4.9e-324", "2.2250738585072014e-308", "1.7976931348623157e308", "1.7976931348623159e308",
                         "0.1", "3.14159_26535", "6.626e-34", "5e+22", "1E6", "1e1_0", "9007199254740993.0", "0.30000000000000004"])
        default:
            var text = pick(["", "", "+", "-"])
            let intPart = chance(0.2) ? "0" : String(UInt64.random(in: 1...UInt64.max, using: &rng) >> UInt64(int(0...63)) | 1)
            text += underscored(intPart)
            let hasFraction = chance(0.7)
            if hasFraction {
                text += "." + underscored(String((0..<int(1...20)).map { _ in pick(Array("0123456789")) }))
            }
            if !hasFraction || chance(0.3) {
                text += pick(["e", "E"]) + pick(["", "+", "-"]) + underscored(String(int(0...330)))
            }
            return text
        }
    }

    mutating func dateTime(nearMiss: Bool = false) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let year = int(0...20) == 0 ? pick([1, 1900, 2000, 2100, 2024, 9999]) : int(1...9999)
        let month = int(1...12)
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        var day = int(1...days)
        if nearMiss { day = days + 1 }  // Feb 29 of a common year, April 31, …
        let yearText = String(repeating: "0", count: 4 - String(year).count) + String(year)
        let date = "\(yearText)-\(two(month))-\(two(day))"
        var time = "\(two(int(0...23))):\(two(int(0...59))):\(two(int(0...59)))"
        if chance(0.4) { time += "." + String((0..<int(1...9)).map { _ in pick(Array("0123456789")) }) }
        switch int(0...3) {
        case 0:
            let offset = pick(["Z", "z", "+00:00", "-00:00", "+05:30", "-08:00", "+23:59", "-23:59"] + ["+\(two(int(0...23))):\(two(int(0...59)))"])
            return date + pick(["T", "t", " "]) + time + offset
        case 1: return date + pick(["T", "t", " "]) + time
        case 2: return date
        default: return time
        }
    }

    /// A value that is almost one (one per document at most, in about one document in six).
    mutating func nearMiss() -> String {
        if chance(0.15) { return dateTime(nearMiss: true) }
        return pick([
            // Integers: leading zeros, misplaced underscores, signs and prefixes, out of 64 bits.
            "01", "0_1", "1__0", "_1", "1_", "+0x1", "-0o7", "0X1F", "0xG", "0o8", "0b2", "0x", "0b_1", "--1", "0O7", "0B1",
            "+-1", "1,000", "0x_1", "00", "9223372036854775808", "-9223372036854775809", "0x8000000000000000",
            "0o1000000000000000000000", "0b1" + String(repeating: "0", count: 63), "99999999999999999999",
            // Floats.
            ".5", "5.", "1.e5", "1e", "1_.0", "1._0", "01.5", "-01.0", "1e_5", "1e5_", "+.5", "nan.0", "Inf", "NaN", "1.0e",
            "1.0E+", "0x1.0p0", "1__0.0", "1.0.0", "e5", "-nan.", "infinity", "1e+-5",
            // Booleans, strings, arrays and inline tables.
            "True", "tru", "falsey", "\"\\x\"", "\"\\uD800\"", "\"\\U00110000\"", "\"\\u12\"", "'a\nb'", "\"a\nb\"",
            "\"\"\"a\"\"\"\"\"\"", "[1 2]", "[1,,2]", "[,]", "{ a = 1, }", "{ a = 1\n}", "{ a = 1 b = 2 }", "{ a.b = 1, a = 2 }",
            "{ a = 1, a = 2 }", "[{ a = 1 }, { a = 2, a = 3 }]",
            // Dates and times.
            "2024-13-01", "2024-00-10", "24:00:00", "12:60:00", "12:00:61", "1979-05-27T07:32:00+24:00", "1979-05-27T07:32",
            "07:32", "1979-05-27T07:32:00.Z", "1979-05-27T07:32:00+0100", "1979-5-27", "1979-05-27T", "1979-05-27 07:32:00 Z",
        ])
    }

    mutating func array() -> String {
        depth += 1
        defer { depth -= 1 }
        let count = int(0...4)
        if count == 0 { return pick(["[]", "[ ]", "[\n]", "[ # empty\n]"]) }
        var out = "["
        for n in 0..<count {
            out += pick(["", " ", "\n  ", " # c\n  "]) + value()
            if n < count - 1 { out += pick([",", ", ", " ,", ",\n"]) }
        }
        if chance(0.3) { out += "," }
        return out + pick(["", " ", "\n"]) + "]"
    }

    mutating func inlineTable() -> String {
        depth += 1
        defer { depth -= 1 }
        let count = int(0...3)
        if count == 0 { return pick(["{}", "{ }"]) }
        var items: [String] = []
        for _ in 0..<count {
            let parts = (0..<(chance(0.3) ? 2 : 1)).map { _ in freshName() }
            items.append(parts.map { spell($0) }.joined(separator: ".") + pick([" = ", "="]) + value())
        }
        return "{ " + items.joined(separator: pick([", ", ",", " , "])) + " }"
    }

    // MARK: Mutations

    mutating func mutated(_ text: String) -> String {
        var scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { return "=" }
        let at = int(0...(scalars.count - 1))
        switch int(0...3) {
        case 0: scalars.remove(at: at)
        case 1: scalars.insert(pick(Array("=\"'.[]{},#_\\ \n0e:-+x\u{0}\r".unicodeScalars)), at: at)
        case 2: scalars[at] = pick(Array("=\"'.[]{},#_ 0:\t".unicodeScalars))
        default:
            // A line written twice: a key or table defined twice, or an array of tables grown.
            let lines = text.components(separatedBy: "\n")
            let n = int(0...(lines.count - 1))
            return (lines[...n] + [lines[n]] + lines[(n + 1)...]).joined(separator: "\n")
        }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return String(out)
    }
}
