import Foundation
import Testing
import VerdantStyle

/// The default keys, key labels, and keys files rebinding them.
@Suite struct KeymapTests {
    static func error(_ toml: String) -> String {
        do {
            _ = try Keymap.parse(toml, file: "keys.toml")
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func theDefaultsBindEveryActionAndNoKeyTwice() {
        let map = Keymap.defaults
        var owner: [Key: Action] = [:]
        for (action, keys) in map.bindings {
            #expect(!keys.isEmpty, "\(action) has no key")
            for key in keys {
                #expect(owner[key] == nil, "\(key.label) is bound to \(owner[key].map { "\($0)" } ?? "") and \(action)")
                owner[key] = action
                #expect(map.action(for: key) == action)
            }
        }
        #expect(map.bindings.map(\.action) == Action.allCases)
    }

    @Test func theDefaultsAreTheSketchs() {
        let expected: [(Key, Action)] = [
            (.tab, .nextPane), (.backTab, .previousPane), (.up, .up), (.down, .down), (.char("k"), .up), (.char("j"), .down),
            (.pageUp, .pageUp), (.pageDown, .pageDown), (.char("g"), .top), (.char("G"), .bottom),
            (.char("/"), .filter), (.char("o"), .sortNext), (.char("O"), .sortReverse), (.space, .tag),
            (.enter, .details), (.char("s"), .start), (.char("p"), .pauseResume), (.char("c"), .cancel),
            (.char("C"), .cancelAll), (.char("R"), .retry), (.char("x"), .repair), (.char("r"), .pollNow),
            (.char("t"), .theme), (.char("?"), .help), (.char("q"), .quit), (.escape, .back), (.char("n"), .search),
        ]
        for (key, action) in expected {
            #expect(Keymap.defaults.action(for: key) == action, "\(key.label)")
        }
        #expect(Keymap.defaults.action(for: .char("z")) == nil)
        // What a terminal sends for these is the named key.
        #expect(Keymap.defaults.action(for: .char(" ")) == .tag)
        #expect(Keymap.defaults.action(for: .ctrl("I")) == .nextPane)
        #expect(Keymap.defaults.hint(for: .cancel) == "c cancel")
        #expect(Keymap.defaults.hint(for: .pauseResume) == "p pause")
    }

    @Test func labelsReadBackAsTheSameKey() {
        var keys = Keymap.defaults.bindings.flatMap(\.keys)
        keys += [.f(12), .ctrl("l"), .home, .end, .delete, .backspace, .left, .right, .char("-"), .char("^"), .char("é")]
        for key in keys {
            #expect(Key(parsing: key.label) == key, "\(key.label)")
        }
        #expect(Key.tab.label == "Tab" && Key.backTab.label == "S-Tab" && Key.up.label == "↑")
        #expect(Key.pageDown.label == "PgDn" && Key.ctrl("l").label == "C-l" && Key.space.label == "space")
        #expect(Key.char("q").label == "q")
    }

    @Test func keysAreReadInTheirUsualSpellings() {
        let spellings: [(String, Key)] = [
            ("ctrl-x", .ctrl("x")), ("^L", .ctrl("l")), ("C-X", .ctrl("x")), ("Ctrl+a", .ctrl("a")),
            ("C-i", .tab), ("C-m", .enter), ("C-[", .escape), ("C-h", .backspace),
            ("PGDN", .pageDown), ("page-up", .pageUp), ("Return", .enter), ("escape", .escape),
            ("shift-tab", .backTab), (" ", .space), ("SPACE", .space), ("f1", .f(1)), ("F24", .f(24)),
            ("C", .char("C")), ("c", .char("c")), ("up", .up),
        ]
        for (text, key) in spellings {
            #expect(Key(parsing: text) == key, "\(text)")
        }
        for bad in ["", "ctrl-alt-x", "F99", "F0", "abc", "C-1", "C-", "\t", "meta-x"] {
            #expect(Key(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func aKeysFileReplacesTheKeysOfTheActionsItNames() throws {
        let map = try Keymap.parse("""
            # mine
            [keys]
            cancel = ["c", "C-x"]
            quit = "Q"
            help = [
                "?",
                "F2",
            ]
            """, file: "keys.toml")
        #expect(map.keys(for: .cancel) == [.char("c"), .ctrl("x")])
        #expect(map.action(for: .ctrl("x")) == .cancel)
        #expect(map.keys(for: .quit) == [.char("Q")])
        #expect(map.action(for: .char("q")) == nil)
        #expect(map.keys(for: .help) == [.char("?"), .f(2)])
        #expect(map.action(for: .f(1)) == nil)
        for action in Action.allCases where ![.cancel, .quit, .help].contains(action) {
            #expect(map.keys(for: action) == Keymap.defaults.keys(for: action))
        }
        // An empty file, or one without [keys], changes nothing.
        #expect(try Keymap.parse("", file: "keys.toml") == Keymap.defaults)
    }

    @Test func aKeysFileOnDisk() throws {
        let folder = Fixtures.temporaryDirectory("keys")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("keys.toml").path
        try "[keys]\nrepair = \"X\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let map = try Keymap.load(path: path)
        #expect(map.action(for: .char("X")) == .repair)
        #expect(map.action(for: .char("x")) == nil)
        // Over another map, not only the defaults.
        let again = try Keymap.load(path: path, over: try Keymap.parse("[keys]\nretry = \"T\"", file: "base.toml"))
        #expect(again.action(for: .char("T")) == .retry && again.action(for: .char("X")) == .repair)

        let missing = folder.appendingPathComponent("none.toml").path
        #expect(throws: KeymapError.self) { try Keymap.load(path: missing) }
    }

    @Test func unknownActionsAndKeysNameTheLine() {
        let message = Self.error("""
            [keys]
            cancel = "c"
            search = "["
            help = [
                "?",  # not a [table]
                "F2",
            ]
            pauseResume = "P"
            retry = ["R", "ctrl-alt-r"]
            quit = 3
            """)
        let lines = message.components(separatedBy: "\n")
        #expect(lines.count == 3, "\(message)")
        guard lines.count == 3 else { return }
        #expect(lines[0].hasPrefix("keys.toml:8: keys.pauseResume: expected an action: one of next_pane, previous_pane,"))
        #expect(lines[0].hasSuffix("found unknown action `pauseResume` (did you mean `pause_resume`?)"))
        #expect(lines[1].hasPrefix("keys.toml:9: keys.retry: expected a key: one character (q, C, /), C-x"))
        #expect(lines[1].hasSuffix("found \"ctrl-alt-r\" (a string)"))
        #expect(lines[2] == "keys.toml:10: keys.quit: expected a key or an array of keys, e.g. \"c\" or [\"c\", \"C-x\"], found 3 (an integer)")
    }

    @Test func aKeyBoundTwiceNamesBothActions() {
        // x is repair's by default.
        #expect(Self.error("[keys]\n\ncancel = [\"c\", \"x\"]\n")
            == "keys.toml:3: keys.cancel: expected each key bound to one action, found `x` bound to both cancel and repair (a default binding; rebind repair too)")
        // Rebinding repair as well makes it fine.
        #expect(Self.error("[keys]\ncancel = [\"c\", \"x\"]\nrepair = \"X\"\n") == "no error")
        // Both in the file: each line names the other.
        #expect(Self.error("[keys]\nstart = \"S\"\ntheme = \"S\"\n") == """
            keys.toml:2: keys.start: expected each key bound to one action, found `S` bound to both start and theme (keys.theme, line 3)
            keys.toml:3: keys.theme: expected each key bound to one action, found `S` bound to both theme and start (keys.start, line 2)
            """)
        // Spellings of one key are one key.
        #expect(Self.error("[keys]\nstart = \"C-i\"\n").contains("`Tab` bound to both start and next_pane"))
    }

    @Test func otherMistakes() {
        #expect(Self.error("[keys]\nquit = []\n") == "keys.toml:2: keys.quit: expected at least one key: without it the dashboard cannot be left, found []")
        #expect(Self.error("[key]\nquit = \"q\"\n") == "keys.toml:1: key: expected the table [keys], found unknown key or table `key` (did you mean `keys`?)")
        #expect(Self.error("keys = \"q\"\n") == "keys.toml:1: keys: expected the table [keys], found \"q\" (a string)")
        #expect(Self.error("[keys]\nquit = \"q\n").hasPrefix("keys.toml:2: syntax (column"))
        // Unbinding an action other than quit is allowed.
        #expect(Self.error("[keys]\nrepair = []\n") == "no error")
    }
}
