import Foundation
import Testing
import VerdantConfig
import VerdantCore
@testable import VerdantStyle

/// themes/*.toml, the compiled-in themes, fallbacks and the errors of malformed theme files.
@Suite struct ThemeTests {
    static let folder = Fixtures.repositoryRoot.appendingPathComponent("themes").standardizedFileURL.path
    static let shipped = ["default", "dark", "high-contrast", "light", "monochrome"]

    static func path(_ name: String) -> String { folder + "/\(name).toml" }

    /// The first issue's text for a theme written inline.
    static func error(_ toml: String) -> String {
        do {
            _ = try ThemeLoader.parse(toml, file: "themes/broken.toml")
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func theFolderHoldsTheFiveThemes() {
        #expect(ThemeLoader.available(in: Self.folder) == Self.shipped)
        #expect(ThemeLoader.available(in: Self.folder + "/missing").isEmpty)
    }

    @Test(arguments: shipped)
    func everyShippedThemeLoadsAndSetsEveryRole(name: String) throws {
        let text = try String(contentsOfFile: Self.path(name), encoding: .utf8)
        let theme = try ThemeLoader.load(path: Self.path(name))
        #expect(theme.name == name)
        // Read without a fallback, the file alone gives every role the same style.
        #expect(try ThemeFile.parse(text, file: name, fallback: nil) == theme)
        let lines = KeyLocator(text: text)
        let missing = Role.all.filter { lines.line(of: $0.themePath) == nil }.map(\.themePath)
        #expect(missing.isEmpty, "roles \(name).toml does not write: \(missing)")
    }

    @Test(arguments: [("default", BuiltInThemes.defaultTOML), ("monochrome", BuiltInThemes.monochromeTOML)])
    func theCompiledInThemeIsTheFile(name: String, compiled: String) throws {
        let file = try String(contentsOfFile: Self.path(name), encoding: .utf8)
        // Line by line first, so a difference is shown where it is.
        for (number, (a, b)) in zip(file.components(separatedBy: "\n"), compiled.components(separatedBy: "\n")).enumerated() {
            #expect(a == b, "line \(number + 1)")
        }
        #expect(file == compiled)
        #expect(ThemeLoader.builtIn(name) == (try ThemeLoader.load(path: Self.path(name))))
    }

    @Test func theDefaultFollowsTheSketch() throws {
        let theme = try #require(ThemeLoader.builtIn("default"))
        #expect(theme.style(.state(.queued)) == .plain)
        #expect(theme.style(.state(.waiting)) == Style(dim: true))
        #expect(theme.style(.state(.submitting)).fg == .ansi(6))
        #expect(theme.style(.state(.ready)).fg == .ansi(6))
        #expect(theme.style(.state(.running)) == Style(fg: .ansi(4), bold: true))
        #expect(theme.style(.state(.cancelling)).fg == .ansi(5))
        #expect(theme.style(.state(.completed)).fg == .ansi(2))
        #expect(theme.style(.state(.failed)) == Style(fg: .ansi(1), bold: true))
        #expect(theme.style(.state(.cancelled)).fg == .ansi(3))
        for state in [TaskState.outOfArea, .excluded, .skipped] {
            #expect(theme.style(.state(state)) == Style(fg: .ansi(8), dim: true))
        }
        #expect(ThemeLoader.builtIn("dark") == nil)
    }

    @Test func everyStateHasItsOwnLookInEveryColourTheme() throws {
        // States a person must tell apart at a glance; the three "not processed" ones share a look.
        let distinct: [TaskState] = [.waiting, .queued, .submitting, .running, .cancelling, .completed, .failed, .cancelled, .outOfArea]
        for name in Self.shipped where name != "monochrome" {
            let theme = try ThemeLoader.load(path: Self.path(name))
            let styles = distinct.map { theme.style(.state($0)) }
            #expect(Set(styles).count == distinct.count, "\(name)")
        }
    }

    /// RUNNING bold, FAILED reverse, final states dim; no colour anywhere.
    static func expectMonochrome(_ theme: Theme, _ label: String) {
        #expect(!theme.usesColor, "\(label)")
        #expect(Role.all.allSatisfy { !theme.style($0).hasColor }, "\(label)")
        #expect(theme.colorPairs.isEmpty, "\(label)")
        let running = theme.style(.state(.running)), failed = theme.style(.state(.failed)), queued = theme.style(.state(.queued))
        #expect(running.bold && !running.reverse, "\(label)")
        #expect(failed.reverse, "\(label)")
        for state in TaskState.final where state != .failed {
            #expect(theme.style(.state(state)).dim, "\(label) \(state)")
        }
        let looks = [queued, running, failed, theme.style(.state(.completed))]
        #expect(Set(looks).count == looks.count, "\(label)")
        #expect(theme.style(.selected) != theme.style(.text), "\(label)")
    }

    @Test func theMonochromeThemeHasNoColourAndKeepsStatesApart() throws {
        Self.expectMonochrome(try ThemeLoader.load(path: Self.path("monochrome")), "monochrome.toml")
    }

    @Test(arguments: shipped)
    func onATerminalWithoutColourEveryThemeIsMonochrome(name: String) throws {
        let theme = try ThemeLoader.load(path: Self.path(name))
        let mono = theme.adapted(to: .mono)
        Self.expectMonochrome(mono, name)
        #expect(mono.style(.state(.running)) == BuiltInThemes.monochrome.style(.state(.running)))
    }

    @Test(arguments: [ColorDepth.c8, .c16])
    func fewerColoursUseOnlyTheANSIOnes(depth: ColorDepth) throws {
        for name in Self.shipped {
            let theme = try ThemeLoader.load(path: Self.path(name)).adapted(to: depth)
            for role in Role.all {
                for color in [theme.style(role).fg, theme.style(role).bg] {
                    switch color {
                    case .none: break
                    case .ansi(let n): #expect(n < depth.rawValue, "\(name) \(role.themePath)")
                    case .indexed: Issue.record("\(name) \(role.themePath) keeps a 256-colour entry on \(depth)")
                    }
                }
            }
        }
        // The attributes survive the reduction.
        let dark = try ThemeLoader.load(path: Self.path("dark"))
        #expect(dark.adapted(to: depth).style(.state(.failed)).bold)
        #expect(dark.adapted(to: depth).style(.state(.failed)).fg == .ansi(depth == .c8 ? 1 : 9))
    }

    @Test func aRoleLeftOutTakesTheDefaultThemesStyle() throws {
        let theme = try ThemeLoader.parse("""
            # only what differs from the default
            name = "mine"
            [states]
            RUNNING = { fg = "#ff8700", underline = true }
            """, file: "mine.toml")
        let fallback = try #require(ThemeLoader.builtIn("default"))
        #expect(theme.name == "mine")
        #expect(theme.style(.state(.running)) == Style(fg: .indexed(208), underline: true))
        for role in Role.all where role != .state(.running) {
            #expect(theme.style(role) == fallback.style(role), "\(role.themePath)")
        }
        // Without `name`, the file's name.
        #expect(try ThemeLoader.parse("", file: "/tmp/solar.toml").name == "solar")
    }

    @Test func monoAttributesOfAnEntryWinOnATerminalWithoutColour() throws {
        let theme = try ThemeLoader.parse("""
            [states]
            RUNNING = { fg = "green", mono = { underline = true, bold = true } }
            [ui]
            tagged = { fg = "yellow" }
            """, file: "mine.toml")
        let mono = theme.adapted(to: .mono)
        #expect(mono.style(.state(.running)) == Style(bold: true, underline: true))
        #expect(mono.style(.tagged) == BuiltInThemes.monochrome.style(.tagged))
        // Colour terminals ignore `mono`.
        #expect(theme.adapted(to: .c256).style(.state(.running)) == Style(fg: .ansi(2)))
    }

    @Test func tablesWrittenAsHeadersWork() throws {
        let theme = try ThemeLoader.parse("""
            [states.RUNNING]
            fg = 33
            bold = true

            [log.error]
            fg = "bright-red"
            """, file: "headers.toml")
        #expect(theme.style(.state(.running)) == Style(fg: .indexed(33), bold: true))
        #expect(theme.style(.log(.error)) == Style(fg: .ansi(9)))
    }

    @Test func colorPairsAreDistinctAndCoverEveryColouredRole() throws {
        let theme = try ThemeLoader.load(path: Self.path("high-contrast"))
        let pairs = theme.colorPairs
        #expect(Set(pairs).count == pairs.count)
        for role in Role.all {
            #expect(pairs.contains(ColorPair(fg: theme.style(role).fg, bg: theme.style(role).bg)))
        }
        #expect(TermColor.none.cursesNumber == -1 && TermColor.ansi(9).cursesNumber == 9)
    }

    // MARK: - Malformed files

    @Test func anUnknownStateNamesTheFileLineAndTheStates() {
        let message = Self.error("""
            name = "broken"

            [states]
            QUEUED = {}
            RUNING = { fg = "blue", bold = true }
            """)
        #expect(message.hasPrefix("themes/broken.toml:5: states.RUNING: expected a task state: one of DISCOVERED, WAITING, QUEUED,"))
        #expect(message.hasSuffix("SKIPPED, found unknown task state `RUNING` (did you mean `RUNNING`?)"))
    }

    @Test func badValuesAreEachReportedAtTheirLine() {
        let message = Self.error("""
            [ui]
            title = { fg = "purple" }
            border = { bold = "yes" }
            selected = "reverse"
            key = { fg = 300 }
            header = { colour = "red" }
            [log]
            eror = {}
            warning = { fg = "red", mono = { fg = "white" } }
            [colors]
            red = 1
            """)
        let lines = message.components(separatedBy: "\n")
        #expect(lines.count == 8, "\(message)")
        guard lines.count == 8 else { return }
        #expect(lines[0].hasPrefix("themes/broken.toml:2: ui.title.fg: expected a colour: a name (default, black, red,"))
        #expect(lines[0].hasSuffix("\"#rrggbb\" or a palette number 0–255, found \"purple\" (a string)"))
        #expect(lines[1] == "themes/broken.toml:3: ui.border.bold: expected true or false, found \"yes\" (a string)")
        #expect(lines[2].hasPrefix("themes/broken.toml:4: ui.selected: expected a style such as { fg = \"red\", bold = true }"))
        #expect(lines[3].hasPrefix("themes/broken.toml:5: ui.key.fg: expected a colour") && lines[3].hasSuffix("found 300 (an integer)"))
        #expect(lines[4].hasPrefix("themes/broken.toml:6: ui.header.colour: expected one of the style keys fg, bg, bold"))
        #expect(lines[5].hasPrefix("themes/broken.toml:8: log.eror: expected a log level: one of trace, debug,"))
        #expect(lines[5].hasSuffix("(did you mean `error`?)"))
        #expect(lines[6].hasPrefix("themes/broken.toml:9: log.warning.mono.fg: expected one of bold, dim, reverse, underline"))
        #expect(lines[7].hasPrefix("themes/broken.toml:10: colors: expected `name` or one of the tables [ui], [states], [log]"))
    }

    @Test func brokenTOMLNamesTheLineOfTheSyntaxError() {
        let message = Self.error("""
            name = "broken"
            [states]
            RUNNING = { fg = "blue", bold = true
            """)
        #expect(message.hasPrefix("themes/broken.toml:3: syntax (column"), "\(message)")
        #expect(message.contains("expected valid TOML"))
    }

    @Test func wrongTypesForNameAndTables() {
        let message = Self.error("""
            name = 3
            states = "all red"
            """)
        #expect(message == """
            themes/broken.toml:1: name: expected the theme's name as a non-empty string, found 3 (an integer)
            themes/broken.toml:2: states: expected a table [states], found "all red" (a string)
            """)
    }

    @Test func aMalformedFileFallsBackToTheDefaultWithAWarning() throws {
        let folder = Fixtures.temporaryDirectory("themes")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("dark.toml").path
        try "[states]\n\nRUNING = {}\n".write(toFile: file, atomically: true, encoding: .utf8)

        let (theme, warning) = ThemeLoader.loadOrDefault(path: file)
        #expect(theme == ThemeLoader.builtIn("default"))
        #expect(warning?.hasPrefix("\(file):3: states.RUNING: expected a task state") == true)
        #expect(warning?.hasSuffix("the built-in default theme is used instead") == true)

        let missing = ThemeLoader.loadOrDefault(path: folder.appendingPathComponent("nope.toml").path)
        #expect(missing.theme == ThemeLoader.builtIn("default"))
        #expect(missing.warning?.contains("nope.toml: theme file: expected a readable UTF-8 TOML file, found no such file") == true)

        // By name: a file, a built-in theme, or the default and what there is.
        #expect(ThemeLoader.named("dark", in: folder.path).warning != nil)
        #expect(ThemeLoader.named("light", in: Self.folder).theme.name == "light")
        let builtIn = ThemeLoader.named("monochrome", in: folder.path)
        #expect(builtIn.theme == ThemeLoader.builtIn("monochrome") && builtIn.warning == nil)
        let unknown = ThemeLoader.named("solarized", in: Self.folder)
        #expect(unknown.theme == ThemeLoader.builtIn("default"))
        #expect(unknown.warning == "no theme `solarized` in \(Self.folder) (themes: default, dark, high-contrast, light, monochrome); the built-in default theme is used instead")
    }
}
