import Testing
@testable import SharemarkArchive

/// `ConfigFile` reads TOML 1.0: the examples of the specification (https://toml.io/en/v1.0.0),
/// valid ones to the values it gives, invalid ones refused on the line it names.
@Suite struct ConfigFileTests {
    typealias Value = ConfigFile.Value

    /// Every entry's key and value (a key twice in the entries fails).
    func values(_ text: String) throws -> [String: Value] {
        let file = try ConfigFile(parsing: text, file: "t.toml")
        var out: [String: Value] = [:]
        for entry in file.entries {
            #expect(out[entry.key] == nil, "entry \(entry.key) twice")
            out[entry.key] = entry.value
        }
        return out
    }

    /// The error, or nil when the text parses.
    func error(_ text: String) -> ConfigFile.Error? {
        do { _ = try ConfigFile(parsing: text, file: "t.toml"); return nil } catch { return error }
    }

    // MARK: Keys

    @Test func keys() throws {
        #expect(try values("""
            key = "value"
            bare_key = "value"
            bare-key = "value"
            1234 = "value"
            """) == ["key": .string("value"), "bare_key": .string("value"), "bare-key": .string("value"), "1234": .string("value")])
        #expect(try values("""
            "127.0.0.1" = "value"
            "character encoding" = "value"
            "ʎǝʞ" = "value"
            'key2' = "value"
            'quoted "value"' = "value"
            """) == [#""127.0.0.1""#: .string("value"), #""character encoding""#: .string("value"), #""ʎǝʞ""#: .string("value"),
                     "key2": .string("value"), #""quoted \"value\"""#: .string("value")])
        #expect(try values(#"""
            "" = "blank"     # VALID but discouraged
            """#) == [#""""#: .string("blank")])
        #expect(try values("'' = 'blank'     # VALID but discouraged") == [#""""#: .string("blank")])
        #expect(try values("""
            name = "Orange"
            physical.color = "orange"
            physical.shape = "round"
            site."google.com" = true
            """) == ["name": .string("Orange"), "physical.color": .string("orange"), "physical.shape": .string("round"),
                     #"site."google.com""#: .boolean(true)])
        #expect(try values("""
            fruit.name = "banana"     # this is best practice
            fruit. color = "yellow"    # same as fruit.color
            fruit . flavor = "banana"   # same as fruit.flavor
            """) == ["fruit.name": .string("banana"), "fruit.color": .string("yellow"), "fruit.flavor": .string("banana")])
        // Defining dotted keys out of order: valid but discouraged.
        #expect(try values("""
            apple.type = "fruit"
            orange.type = "fruit"

            apple.skin = "thin"
            orange.skin = "thick"

            apple.color = "red"
            orange.color = "orange"
            """).count == 6)
        #expect(try values(#"3.14159 = "pi""#) == ["3.14159": .string("pi")])
        // The same keys spelt differently are the same key for the file's keys.
        #expect(try values(#""qr".scale = 4"#) == ["qr.scale": .integer(4)])
        #expect(try values("qr . 'margin' = 2") == ["qr.margin": .integer(2)])
    }

    @Test func invalidKeys() {
        #expect(error("key = # INVALID")?.description == "t.toml:1: key 'key': missing value")
        #expect(error(#"first = "Tom" last = "Preston-Werner" # INVALID"#)?.line == 1)
        #expect(error(#"= "no key name"  # INVALID"#)?.description == "t.toml:1: expected a key, found '='")
        #expect(error("owner = 'o'\nname = \"Tom\"\nname = \"Pradyun\"")?.description
                == "t.toml:3: key 'name': defined twice (first on line 2)")
        #expect(error("spelling = \"favorite\"\n\"spelling\" = \"favourite\"")?.description
                == "t.toml:2: key 'spelling': defined twice (first on line 1)")
        // Once fruit.apple is an integer it cannot be a table.
        let apple = error("fruit.apple = 1\nfruit.apple.smooth = true")
        #expect(apple?.line == 2 && apple?.key == "fruit.apple.smooth")
        #expect(error("\"\"\"key\"\"\" = 1")?.line == 1)
        #expect(error("a b = 1")?.line == 1)
        #expect(error("a.  = 1")?.line == 1)
        #expect(error("\n\nqr.scale = 4\nqr.scale = 5")?.description == "t.toml:4: key 'qr.scale': defined twice (first on line 3)")
    }

    // MARK: Strings

    @Test func strings() throws {
        #expect(try values(#"""
            str = "I'm a string. \"You can quote me\". Name\tJos\u00E9\nLocation\tSF."
            """#) == ["str": .string("I'm a string. \"You can quote me\". Name\tJos\u{E9}\nLocation\tSF.")])
        #expect(try values(#"""
            escapes = "\b\t\n\f\r\"\\\u00E9\U0001F600"
            """#) == ["escapes": .string("\u{8}\t\n\u{C}\r\"\\\u{E9}\u{1F600}")])
        #expect(try values("str1 = \"\"\"\nRoses are red\nViolets are blue\"\"\"") == ["str1": .string("Roses are red\nViolets are blue")])
        #expect(try values("str1 = \"\"\"\r\nRoses are red\r\nViolets are blue\"\"\"") == ["str1": .string("Roses are red\nViolets are blue")])
        let fox = try values(#"""
            # The following strings are byte-for-byte equivalent:
            str1 = "The quick brown fox jumps over the lazy dog."

            str2 = """
            The quick brown \


              fox jumps over \
                the lazy dog."""

            str3 = """\
                   The quick brown \
                   fox jumps over \
                   the lazy dog.\
                   """
            """#)
        #expect(Set(fox.values) == [.string("The quick brown fox jumps over the lazy dog.")] && fox.count == 3)
        #expect(try values(#"""
            str4 = """Here are two quotation marks: "". Simple enough."""
            str5 = """Here are three quotation marks: ""\"."""
            str6 = """Here are fifteen quotation marks: ""\"""\"""\"""\"""\"."""
            str7 = """"This," she said, "is just a pointless statement.""""
            """#) == ["str4": .string("Here are two quotation marks: \"\". Simple enough."),
                      "str5": .string("Here are three quotation marks: \"\"\"."),
                      "str6": .string("Here are fifteen quotation marks: " + String(repeating: "\"", count: 15) + "."),
                      "str7": .string("\"This,\" she said, \"is just a pointless statement.\"")])
        #expect(try values(#"""
            winpath  = 'C:\Users\nodejs\templates'
            winpath2 = '\\ServerX\admin$\system32\'
            quoted   = 'Tom "Dubs" Preston-Werner'
            regex    = '<\i\c*\s*>'
            """#) == ["winpath": .string(#"C:\Users\nodejs\templates"#), "winpath2": .string(#"\\ServerX\admin$\system32\"#),
                      "quoted": .string(#"Tom "Dubs" Preston-Werner"#), "regex": .string(#"<\i\c*\s*>"#)])
        #expect(try values(#"""
            regex2 = '''I [dw]on't need \d{2} apples'''
            lines  = '''
            The first newline is
            trimmed in raw strings.
               All other whitespace
               is preserved.
            '''
            """#) == ["regex2": .string(#"I [dw]on't need \d{2} apples"#),
                      "lines": .string("The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n")])
        #expect(try values(#"""
            quot15 = '''Here are fifteen quotation marks: """""""""""""""'''
            apos15 = "Here are fifteen apostrophes: '''''''''''''''"
            str = ''''That,' she said, 'is still pointless.''''
            """#) == ["quot15": .string("Here are fifteen quotation marks: " + String(repeating: "\"", count: 15)),
                      "apos15": .string("Here are fifteen apostrophes: " + String(repeating: "'", count: 15)),
                      "str": .string("'That,' she said, 'is still pointless.'")])
        // Tab is the one control character allowed as it is, in strings and comments.
        #expect(try values("a = \"x\ty\" # a\tcomment\nb = 'x\ty'") == ["a": .string("x\ty"), "b": .string("x\ty")])
    }

    @Test func invalidStrings() {
        #expect(error(#"""
            a = 1
            str5 = """Here are three quotation marks: """."""  # INVALID
            """#)?.line == 2)
        #expect(error(#"""
            a = 1
            apos15 = '''Here are fifteen apostrophes: ''''''''''''''''''  # INVALID
            """#)?.line == 2)
        #expect(error(#"a = "\x41""#)?.description == #"t.toml:1: key 'a': invalid escape \x"#)
        #expect(error(#"a = "\e""#)?.description == #"t.toml:1: key 'a': invalid escape \e"#)
        #expect(error(#"a = "\uD800""#)?.description == #"t.toml:1: key 'a': invalid \u escape: D800 is not a Unicode scalar value"#)
        #expect(error(#"a = "\U00110000""#)?.line == 1)
        #expect(error(#"a = "\u00G1""#)?.line == 1)
        #expect(error("a = 1\nb = \"x\ny\"")?.description == "t.toml:2: key 'b': unterminated string")
        #expect(error("a = 'x\ny'")?.line == 1)
        // An unterminated string is reported on the line it opens.
        #expect(error("a = \"\"\"x\n\ny")?.description == "t.toml:1: key 'a': unterminated multi-line string")
        #expect(error("a = 1\nb = '\''\n\n")?.description == "t.toml:2: key 'b': unterminated multi-line string")
        // Control characters other than tab, raw, in every kind of string and in comments.
        for control in ["\u{0}", "\u{1}", "\u{8}", "\u{B}", "\u{C}", "\u{1F}", "\u{7F}"] {
            let escaped = "\\u00" + String(control.unicodeScalars.first!.value, radix: 16, uppercase: true).leftPadded(2)
            #expect(error("ok = 1\na = \"x\(control)y\"")?.description
                    == "t.toml:2: key 'a': control character U+00\(escaped.suffix(2)) in a string (TOML allows only tab; write it as \(escaped))")
            #expect(error("ok = 1\na = 'x\(control)y'")?.line == 2)
            #expect(error("ok = 1\na = \"\"\"\nx\(control)y\"\"\"")?.line == 3)
            #expect(error("ok = 1\na = '''\nx\(control)y'''")?.line == 3)
            #expect(error("ok = 1\n# x\(control)y\n")?.line == 2)
            #expect(error("ok = 1 # x\(control)y\n")?.key == "ok")
        }
        // A carriage return only as part of CRLF.
        #expect(error("a = \"x\ry\"")?.description == "t.toml:1: key 'a': carriage return not followed by a line feed in a string")
        #expect(error("a = 1 # c\r\nb = 2 # x\ry")?.line == 2)
        #expect(error("a = '''x\ry'''")?.line == 1)
        #expect(error("a = 1\rb = 2")?.line == 1)
    }

    // MARK: Numbers, booleans, dates

    @Test func integers() throws {
        #expect(try values("""
            int1 = +99
            int2 = 42
            int3 = 0
            int4 = -17
            int5 = 1_000
            int6 = 5_349_221
            int7 = 53_49_221  # Indian number system grouping
            int8 = 1_2_3_4_5  # VALID but discouraged
            hex1 = 0xDEADBEEF
            hex2 = 0xdeadbeef
            hex3 = 0xdead_beef
            oct1 = 0o01234567
            oct2 = 0o755 # useful for Unix file permissions
            bin1 = 0b11010110
            min = -9223372036854775808
            max = 9223372036854775807
            zero = -0
            """) == ["int1": .integer(99), "int2": .integer(42), "int3": .integer(0), "int4": .integer(-17),
                     "int5": .integer(1000), "int6": .integer(5_349_221), "int7": .integer(5_349_221), "int8": .integer(12345),
                     "hex1": .integer(0xDEADBEEF), "hex2": .integer(0xDEADBEEF), "hex3": .integer(0xDEADBEEF),
                     "oct1": .integer(0o01234567), "oct2": .integer(0o755), "bin1": .integer(0b11010110),
                     "min": .integer(Int.min), "max": .integer(Int.max), "zero": .integer(0)])
        for bad in ["012", "+012", "00", "1__000", "_1", "1_", "0x", "0X1F", "+0x1F", "-0o7", "0o8", "0b102", "0x_1", "1e", "12a"] {
            #expect(error("a = 1\nqr.scale = \(bad)")?.description
                    == "t.toml:2: key 'qr.scale': invalid value \(bad) (expected a string, number, boolean, date, time, array or inline table)")
        }
        for overflow in ["9223372036854775808", "-9223372036854775809", "0x8000000000000000", "0o1000000000000000000000", "0b" + String(repeating: "1", count: 64)] {
            #expect(error("qr.scale = \(overflow)")?.description
                    == "t.toml:1: key 'qr.scale': integer out of range (-9223372036854775808...9223372036854775807): \(overflow)")
        }
    }

    @Test func floats() throws {
        let floats = try values("""
            # fractional
            flt1 = +1.0
            flt2 = 3.1415
            flt3 = -0.01

            # exponent
            flt4 = 5e+22
            flt5 = 1e06
            flt6 = -2E-2

            # both
            flt7 = 6.626e-34
            flt8 = 224_617.445_991_228
            # infinity
            sf1 = inf  # positive infinity
            sf2 = +inf # positive infinity
            sf3 = -inf # negative infinity
            """)
        #expect(floats == ["flt1": .float(1), "flt2": .float(3.1415), "flt3": .float(-0.01), "flt4": .float(5e22), "flt5": .float(1e6),
                           "flt6": .float(-0.02), "flt7": .float(6.626e-34), "flt8": .float(224_617.445_991_228),
                           "sf1": .float(.infinity), "sf2": .float(.infinity), "sf3": .float(-.infinity)])
        let nan = try values("sf4 = nan  # actual sNaN/qNaN encoding is implementation-specific\nsf5 = +nan # same as `nan`\nsf6 = -nan # valid, actual encoding is implementation-specific")
        for key in ["sf4", "sf5", "sf6"] {
            guard case .float(let v)? = nan[key] else { Issue.record("\(key) is not a float"); continue }
            #expect(v.isNaN)
        }
        #expect(error("invalid_float_1 = .7")?.line == 1)
        #expect(error("a = 1\ninvalid_float_2 = 7.")?.line == 2)
        #expect(error("a = 1\n\ninvalid_float_3 = 3.e+20")?.line == 3)
        for bad in ["01.5", "1._5", "1.5_", "1e_5", "1.5e", "+-1.0", "infinity", "NaN", "1.2.3"] {
            #expect(error("a = \(bad)")?.key == "a", "\(bad)")
        }
    }

    @Test func booleansDatesAndTimes() throws {
        #expect(try values("bool1 = true\nbool2 = false") == ["bool1": .boolean(true), "bool2": .boolean(false)])
        let dates = try values("""
            odt1 = 1979-05-27T07:32:00Z
            odt2 = 1979-05-27T00:32:00-07:00
            odt3 = 1979-05-27T00:32:00.999999-07:00
            odt4 = 1979-05-27 07:32:00Z
            ldt1 = 1979-05-27T07:32:00
            ldt2 = 1979-05-27T00:32:00.999999
            ld1 = 1979-05-27
            lt1 = 07:32:00
            lt2 = 00:32:00.999999
            """)
        #expect(dates == ["odt1": .dateTime("1979-05-27T07:32:00Z"), "odt2": .dateTime("1979-05-27T00:32:00-07:00"),
                          "odt3": .dateTime("1979-05-27T00:32:00.999999-07:00"), "odt4": .dateTime("1979-05-27 07:32:00Z"),
                          "ldt1": .dateTime("1979-05-27T07:32:00"), "ldt2": .dateTime("1979-05-27T00:32:00.999999"),
                          "ld1": .dateTime("1979-05-27"), "lt1": .dateTime("07:32:00"), "lt2": .dateTime("00:32:00.999999")])
        #expect(dates["odt2"]?.kind == "an offset date-time" && dates["odt4"]?.kind == "an offset date-time")
        #expect(dates["ldt1"]?.kind == "a local date-time" && dates["ld1"]?.kind == "a local date" && dates["lt2"]?.kind == "a local time")
        for bad in ["TRUE", "True", "1979-02-29", "1979-13-01", "1979-05-27T24:00:00", "1979-05-27T07:32", "07:32", "1979-05-27T07:32:00+7:00", "1979-5-27"] {
            #expect(error("a = 1\nb = \(bad)")?.line == 2, "\(bad)")
        }
        #expect(try values("leap = 2000-02-29 # a date, then a comment") == ["leap": .dateTime("2000-02-29")])
    }

    // MARK: Arrays

    @Test func arrays() throws {
        let arrays = try values(#"""
            integers = [ 1, 2, 3 ]
            colors = [ "red", "yellow", "green" ]
            nested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]
            nested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]
            string_array = [ "all", 'strings', """are the same""", '''type''' ]

            # Mixed-type arrays are allowed
            numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]
            contributors = [
              "Foo Bar <foo@example.com>",
              { name = "Baz Qux", email = "bazqux@example.com", url = "https://example.com/bazqux" }
            ]
            integers2 = [
              1, 2, 3
            ]

            integers3 = [
              1,
              2, # this is ok
            ]
            empty = [ # nothing
            ]
            """#)
        #expect(arrays["integers"] == .array([.integer(1), .integer(2), .integer(3)]))
        #expect(arrays["colors"] == .strings(["red", "yellow", "green"]))
        #expect(arrays["nested_arrays_of_ints"] == .array([.array([.integer(1), .integer(2)]), .array([.integer(3), .integer(4), .integer(5)])]))
        #expect(arrays["nested_mixed_array"] == .array([.array([.integer(1), .integer(2)]), .strings(["a", "b", "c"])]))
        #expect(arrays["string_array"] == .strings(["all", "strings", "are the same", "type"]))
        #expect(arrays["numbers"] == .array([.float(0.1), .float(0.2), .float(0.5), .integer(1), .integer(2), .integer(5)]))
        #expect(arrays["contributors"] == .array([.string("Foo Bar <foo@example.com>"), .table([
            ConfigFile.Entry(key: "name", value: .string("Baz Qux"), text: #""Baz Qux""#, line: 11),
            ConfigFile.Entry(key: "email", value: .string("bazqux@example.com"), text: #""bazqux@example.com""#, line: 11),
            ConfigFile.Entry(key: "url", value: .string("https://example.com/bazqux"), text: #""https://example.com/bazqux""#, line: 11),
        ])]))
        #expect(arrays["integers2"] == .array([.integer(1), .integer(2), .integer(3)]))
        #expect(arrays["integers3"] == .array([.integer(1), .integer(2)]))
        #expect(arrays["empty"] == .strings([]))
        // The line of an entry is its key's; the text is the value on one line.
        let file = try ConfigFile(parsing: "a = 1\naliases = [\n  'x', # first\n  \"y\",\n]\nb = 2", file: "t.toml")
        #expect(file.entries.map(\.line) == [1, 2, 6])
        #expect(file.entries[1].text == "[   'x', # first   \"y\", ]")
    }

    @Test func invalidArrays() {
        #expect(error("a = [1, 2")?.description == "t.toml:1: key 'a': unterminated array")
        #expect(error("a = 1\nb = [\n  'x',\n")?.description == "t.toml:2: key 'b': unterminated array")
        #expect(error("a = [\n1,\n2\n3]")?.description == "t.toml:4: key 'a': expected ',' or ']' in the array, found '3'")
        #expect(error("a = [1,,2]")?.line == 1)
        #expect(error("a = [,]")?.line == 1)
        #expect(error("a = [\n\"x\",\n# c\u{1}\n]")?.line == 3)
    }

    // MARK: Tables

    @Test func tables() throws {
        #expect(try values("""
            [table-1]
            key1 = "some string"
            key2 = 123

            [table-2]
            key1 = "another string"
            key2 = 456
            """) == ["table-1.key1": .string("some string"), "table-1.key2": .integer(123),
                     "table-2.key1": .string("another string"), "table-2.key2": .integer(456)])
        #expect(try values("""
            [dog."tater.man"]
            type.name = "pug"
            """) == [#"dog."tater.man".type.name"#: .string("pug")])
        #expect(try values("""
            [a.b.c]            # this is best practice
            x = 1
            [ d.e.f ]          # same as [d.e.f]
            x = 2
            [ g .  h  . i ]    # same as [g.h.i]
            x = 3
            [ j . "ʞ" . 'l' ]  # same as [j."ʞ".'l']
            x = 4
            """) == ["a.b.c.x": .integer(1), "d.e.f.x": .integer(2), "g.h.i.x": .integer(3), #"j."ʞ".l.x"#: .integer(4)])
        #expect(try values("""
            # [x] you
            # [x.y] don't
            # [x.y.z] need these
            [x.y.z.w] # for this to work
            a = 1
            [x] # defining a super-table afterward is ok
            b = 2
            """) == ["x.y.z.w.a": .integer(1), "x.b": .integer(2)])
        #expect(try values("""
            # VALID BUT DISCOURAGED
            [fruit.apple]
            [animal]
            [fruit.orange]
            """) == [:])
        #expect(try values("""
            # Top-level table begins.
            name = "Fido"
            breed = "pug"

            # Top-level table ends.
            [owner]
            name = "Regina Dogman"
            member_since = 1999-08-04
            """) == ["name": .string("Fido"), "breed": .string("pug"), "owner.name": .string("Regina Dogman"),
                     "owner.member_since": .dateTime("1999-08-04")])
        #expect(try values("""
            fruit.apple.color = "red"
            # Defines a table named fruit
            # Defines a table named fruit.apple

            fruit.apple.taste.sweet = true
            # Defines a table named fruit.apple.taste
            # fruit and fruit.apple were already created
            """) == ["fruit.apple.color": .string("red"), "fruit.apple.taste.sweet": .boolean(true)])
        #expect(try values("""
            [fruit]
            apple.color = "red"
            apple.taste.sweet = true

            # [fruit.apple]  # INVALID
            # [fruit.apple.taste]  # INVALID

            [fruit.apple.texture]  # you can add sub-tables
            smooth = true
            """) == ["fruit.apple.color": .string("red"), "fruit.apple.taste.sweet": .boolean(true),
                     "fruit.apple.texture.smooth": .boolean(true)])
    }

    @Test func invalidTables() {
        #expect(error("""
            [fruit]
            apple = "red"

            [fruit]
            orange = "orange"
            """)?.description == "t.toml:4: key 'fruit': table [fruit] defined twice (first on line 1)")
        #expect(error("""
            [fruit]
            apple = "red"

            [fruit.apple]
            texture = "smooth"
            """)?.description == "t.toml:4: key 'fruit.apple': table [fruit.apple] cannot be defined: 'fruit.apple' is already a value (line 2)")
        #expect(error("""
            [fruit]
            apple.color = "red"
            apple.taste.sweet = true

            [fruit.apple]  # INVALID
            """)?.line == 5)
        #expect(error("""
            [fruit]
            apple.color = "red"
            apple.taste.sweet = true

            [fruit.apple.taste]  # INVALID
            """)?.line == 5)
        // Once defined by a header, a table takes no dotted keys from another table.
        #expect(error("[a.b.c]\nz = 9\n\n[a]\nb.c.t = 1")?.description
                == "t.toml:5: key 'a.b.c.t': 'a.b' is already a table (line 1): dotted keys cannot add to it")
        #expect(error("qr.scale = 4\n[qr]\nmargin = 2")?.line == 2)
        #expect(error("[qr]\nscale = 4\n[qr]")?.line == 3)
        #expect(error("qr = 1\n[qr]")?.line == 2)
        #expect(error("[qr\nscale = 4")?.description.hasPrefix("t.toml:1: malformed table header") == true)
        #expect(error("[]")?.line == 1)
        #expect(error("[a.]")?.line == 1)
        #expect(error("[a] b = 1")?.line == 1)
        #expect(error("[ [a]]")?.line == 1)
        #expect(error("[[a] ]")?.line == 1)
    }

    // MARK: Inline tables

    @Test func inlineTables() throws {
        #expect(try values("""
            name = { first = "Tom", last = "Preston-Werner" }
            point = { x = 1, y = 2 }
            animal = { type.name = "pug" }
            """) == ["name.first": .string("Tom"), "name.last": .string("Preston-Werner"), "point.x": .integer(1), "point.y": .integer(2),
                     "animal.type.name": .string("pug")])
        #expect(try values("""
            [name]
            first = "Tom"
            last = "Preston-Werner"

            [point]
            x = 1
            y = 2

            [animal]
            type.name = "pug"
            """) == ["name.first": .string("Tom"), "name.last": .string("Preston-Werner"), "point.x": .integer(1), "point.y": .integer(2),
                     "animal.type.name": .string("pug")])
        let file = try ConfigFile(parsing: "owner = 'o'\nqr = { scale = 4, level = \"H\", margin = [\n1] }\nempty = {}", file: "t.toml")
        #expect(file.entries == [
            ConfigFile.Entry(key: "owner", value: .string("o"), text: "'o'", line: 1),
            ConfigFile.Entry(key: "qr.scale", value: .integer(4), text: "4", line: 2),
            ConfigFile.Entry(key: "qr.level", value: .string("H"), text: "\"H\"", line: 2),
            ConfigFile.Entry(key: "qr.margin", value: .array([.integer(1)]), text: "[ 1]", line: 2),
            ConfigFile.Entry(key: "empty", value: .table([]), text: "{}", line: 4),
        ])
    }

    @Test func invalidInlineTables() {
        #expect(error("""
            [product]
            type = { name = "Nail" }
            type.edible = false  # INVALID
            """)?.description == "t.toml:3: key 'product.type.edible': 'product.type' is already an inline table (line 2): dotted keys cannot add to it")
        #expect(error("""
            [product]
            type.name = "Nail"
            type = { edible = false }  # INVALID
            """)?.description == "t.toml:3: key 'product.type': defined twice: already a table defined by dotted keys (line 2)")
        #expect(error("qr = { scale = 4 }\n[qr]")?.line == 2)
        #expect(error("qr = { scale = 4 }\n[qr.x]")?.line == 2)
        #expect(error("qr = { a.b = 1 }\n[qr.a]")?.line == 2)
        #expect(error("qr = { scale = 4, scale = 5 }")?.description == "t.toml:1: key 'qr.scale': defined twice (first on line 1)")
        #expect(error("qr = { scale = 4, }")?.line == 1)
        #expect(error("qr = { scale = 4\n}")?.line == 1)
        #expect(error("qr = {\nscale = 4 }")?.line == 1)
        #expect(error("qr = { scale = 4 level = 'H' }")?.line == 1)
    }

    // MARK: Arrays of tables

    @Test func arraysOfTables() throws {
        #expect(try values("""
            [[products]]
            name = "Hammer"
            sku = 738594937

            [[products]]  # empty table within the array

            [[products]]
            name = "Nail"
            sku = 284758393

            color = "gray"
            """) == ["products[0]": .table([]), "products[1]": .table([]), "products[2]": .table([]),
                     "products[0].name": .string("Hammer"), "products[0].sku": .integer(738594937),
                     "products[2].name": .string("Nail"), "products[2].sku": .integer(284758393), "products[2].color": .string("gray")])
        #expect(try values("""
            [[fruits]]
            name = "apple"

            [fruits.physical]  # subtable
            color = "red"
            shape = "round"

            [[fruits.varieties]]  # nested array of tables
            name = "red delicious"

            [[fruits.varieties]]
            name = "granny smith"


            [[fruits]]
            name = "banana"

            [[fruits.varieties]]
            name = "plantain"
            """) == ["fruits[0]": .table([]), "fruits[0].varieties[0]": .table([]), "fruits[0].varieties[1]": .table([]),
                     "fruits[1]": .table([]), "fruits[1].varieties[0]": .table([]),
                     "fruits[0].name": .string("apple"), "fruits[0].physical.color": .string("red"),
                     "fruits[0].physical.shape": .string("round"), "fruits[0].varieties[0].name": .string("red delicious"),
                     "fruits[0].varieties[1].name": .string("granny smith"), "fruits[1].name": .string("banana"),
                     "fruits[1].varieties[0].name": .string("plantain")])
        let points = try values("""
            points = [ { x = 1, y = 2, z = 3 },
                       { x = 7, y = 8, z = 9 },
                       { x = 2, y = 4, z = 8 } ]
            """)
        guard case .array(let items)? = points["points"] else { Issue.record("points is not an array"); return }
        #expect(items.count == 3)
        #expect(items.first == .table([ConfigFile.Entry(key: "x", value: .integer(1), text: "1", line: 1),
                                       ConfigFile.Entry(key: "y", value: .integer(2), text: "2", line: 1),
                                       ConfigFile.Entry(key: "z", value: .integer(3), text: "3", line: 1)]))
    }

    @Test func arrayOfTablesHeadersAreEntries() throws {
        let file = try ConfigFile(parsing: "a = 1\n[[ x . y ]] # c\n[[x.y]]\nz = 2", file: "t.toml")
        #expect(file.entries == [
            ConfigFile.Entry(key: "a", value: .integer(1), text: "1", line: 1),
            ConfigFile.Entry(key: "x.y[0]", value: .table([]), text: "[[ x . y ]]", line: 2),
            ConfigFile.Entry(key: "x.y[1]", value: .table([]), text: "[[x.y]]", line: 3),
            ConfigFile.Entry(key: "x.y[1].z", value: .integer(2), text: "2", line: 4),
        ])
    }

    @Test func invalidArraysOfTables() {
        #expect(error("""
            [fruit.physical]  # subtable, but to which parent element should it belong?
            color = "red"
            shape = "round"

            [[fruit]]  # parser must throw an error upon discovering that "fruit" is
                       # an array rather than a table
            name = "apple"
            """)?.line == 5)
        #expect(error("""
            fruits = []

            [[fruits]] # Not allowed
            """)?.line == 3)
        #expect(error("""
            [[fruits]]
            name = "apple"

            [[fruits.varieties]]
            name = "red delicious"

            # INVALID: This table conflicts with the previous array of tables
            [fruits.varieties]
            name = "granny smith"
            """)?.line == 8)
        #expect(error("""
            [[fruits]]
            name = "apple"

            [fruits.physical]
            color = "red"
            shape = "round"

            # INVALID: This array of tables conflicts with the previous table
            [[fruits.physical]]
            color = "green"
            """)?.line == 9)
        #expect(error("[[a]]\n[a]")?.line == 2)
        #expect(error("[[a.b]]\n[a]\nb.y = 2")?.line == 3)
    }

    // MARK: The document

    @Test func byteOrderMarkAndLineEnds() throws {
        let file = try ConfigFile(parsing: "\u{FEFF}owner = \"o\"\r\n\r\n[qr]\r\nscale = 4 # c\r\n", file: "t.toml")
        #expect(file.entries.map(\.key) == ["owner", "qr.scale"] && file.entries.map(\.line) == [1, 4])
        #expect(error("a = 1\n\u{FEFF}b = 2")?.line == 2)
    }

    /// The file's own keys: a float, a date or a table where an integer or a string belongs is a
    /// type error naming the key.
    @Test func typeErrorsNameWhatWasFound() {
        func error(_ text: String) -> String {
            do { _ = try ArchiveConfig(parsing: "owner = 'o'\nrepository = 'r'\n" + text); return "no error" } catch { return error.description }
        }
        #expect(error("qr.scale = 4.0") == "sharemark.toml:3: key 'qr.scale': expected an integer, found a float 4.0")
        #expect(error("[qr]\nmargin = 1e2") == "sharemark.toml:4: key 'qr.margin': expected an integer, found a float 1e2")
        #expect(error("branch = 1979-05-27") == "sharemark.toml:3: key 'branch': expected a string, found a local date 1979-05-27")
        #expect(error("pages = 07:32:00") == "sharemark.toml:3: key 'pages': expected a string, found a local time 07:32:00")
        #expect(error("aliases = 'x'") == "sharemark.toml:3: key 'aliases': expected an array of strings, found a string 'x'")
        #expect(error("aliases = ['x', 1]") == "sharemark.toml:3: key 'aliases': expected an array of strings, found an array ['x', 1]")
        #expect(error("qr = {}") .hasPrefix("sharemark.toml:3: key 'qr': unknown key"))
        #expect(error("\"qr.scale\" = 4").hasPrefix("sharemark.toml:3: key '\"qr.scale\"': unknown key"))
        #expect(error("[[qr]]\nscale = 4").hasPrefix("sharemark.toml:3: key 'qr[0]': unknown key"))
        #expect(error("[qr]\nscale = 4\n[[qr.x]]").hasPrefix("sharemark.toml:5: key 'qr.x[0]': unknown key"))
        // Every spelling of the file's keys reads the same.
        for text in ["qr.scale = 8", "[qr]\nscale = 8", "qr = { scale = 8 }", "\"qr\" . 'scale' = 0x8", "[ 'qr' ]\nscale = +8"] {
            let config = try? ArchiveConfig(parsing: "owner = 'o'\nrepository = 'r'\n" + text)
            #expect(config?.qr.scale == 8, "\(text)")
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
