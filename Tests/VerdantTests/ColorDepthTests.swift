import Testing
@testable import VerdantStyle

/// Terminal colour depth and the reductions from 256 colours down to none.
@Suite struct ColorDepthTests {
    @Test(arguments: [
        (["NO_COLOR": "1", "TERM": "xterm-256color"], 256, ColorDepth.mono),
        (["NO_COLOR": "yes please", "TERM": "xterm", "COLORTERM": "truecolor"], 256, .mono),
        // no-color.org: an empty NO_COLOR does not count.
        (["NO_COLOR": "", "TERM": "xterm-256color"], 256, .c256),
        (["TERM": "dumb"], 8, .mono),
        (["TERM": "dumb", "COLORTERM": "truecolor"], 256, .mono),
        (["TERM": "vt100"], 0, .mono),
        (["TERM": "vt102"], 8, .mono),
        (["TERM": "vt220"], 8, .mono),
        (["TERM": "vt100-am"], 0, .mono),
        ([:], 256, .mono),
        (["TERM": "xterm-256color"], 256, .c256),
        (["TERM": "tmux-256color"], 256, .c256),
        (["TERM": "xterm-16color"], 16, .c16),
        (["TERM": "xterm"], 8, .c8),
        (["TERM": "linux"], 8, .c8),
        (["TERM": "xterm", "COLORTERM": "truecolor"], 8, .c256),
        (["TERM": "xterm", "COLORTERM": "24bit"], 8, .c256),
        (["TERM": "xterm-direct"], 16_777_216, .c256),
        (["TERM": "screen"], -1, .mono),
        (["TERM": "xterm-mono"], 2, .mono),
    ] as [([String: String], Int, ColorDepth)])
    func detection(environment: [String: String], colors: Int, expected: ColorDepth) {
        #expect(ColorDepth.detect(environment: environment, terminfoColors: colors) == expected)
    }

    @Test func hexColoursTakeTheNearestOf256() {
        #expect(TermColor(parsing: "#ff0000") == .indexed(196))
        #expect(TermColor(parsing: "#5f87af") == .indexed(67))    // exact cube entry
        #expect(TermColor(parsing: "#5F87B4") == .indexed(67))    // near it, any case
        #expect(TermColor(parsing: "#808080") == .indexed(244))   // the grey ramp beats cube 102 (#878787)
        #expect(TermColor(parsing: "#d0d0d0") == .indexed(252))
        #expect(TermColor(parsing: "#000000") == .indexed(16))
        #expect(TermColor(parsing: "#ffffff") == .indexed(231))
    }

    @Test func namesAndNumbers() {
        #expect(TermColor(parsing: "default") == TermColor.none)
        #expect(TermColor(parsing: "red") == .ansi(1))
        #expect(TermColor(parsing: "Bright-Blue") == .ansi(12))
        #expect(TermColor(parsing: "grey") == .ansi(8))
        #expect(TermColor(parsing: "3") == .ansi(3))        // 0–15 are the ANSI colours
        #expect(TermColor(parsing: "208") == .indexed(208))
        for bad in ["purple", "256", "-1", "#12345", "#gggggg", "bright-", ""] {
            #expect(TermColor(parsing: bad) == nil, "\(bad)")
        }
        for (name, color) in TermColor.names where name != "gray" && name != "grey" {
            #expect(color.themeText == name)
        }
    }

    @Test func reductionsFrom256To16To8() {
        // 256 → 16, by xterm's shades of the ANSI colours.
        #expect(TermColor.indexed(196).adapted(to: .c16) == .ansi(9))
        #expect(TermColor.indexed(21).adapted(to: .c16) == .ansi(4))     // #0000ff: blue (0,0,238) beats bright blue
        #expect(TermColor.indexed(244).adapted(to: .c16) == .ansi(8))
        #expect(TermColor.indexed(231).adapted(to: .c16) == .ansi(15))
        #expect(TermColor.indexed(16).adapted(to: .c16) == .ansi(0))
        #expect(TermColor.ansi(12).adapted(to: .c16) == .ansi(12))
        // Greys stay grey and hues stay hues: #5f87af is nearer grey (127,127,127) than any hue.
        #expect(TermColor.indexed(67).adapted(to: .c16) == .ansi(12))
        #expect(TermColor.indexed(67).adapted(to: .c8) == .ansi(4))
        #expect(TermColor.indexed(240).adapted(to: .c16) == .ansi(8))
        // 16 → 8.
        #expect(TermColor.ansi(9).adapted(to: .c8) == .ansi(1))
        #expect(TermColor.ansi(12).adapted(to: .c8) == .ansi(4))
        #expect(TermColor.ansi(8).adapted(to: .c8) == .ansi(7))         // nearer yellow by distance, but a grey
        #expect(TermColor.ansi(3).adapted(to: .c8) == .ansi(3))
        // 256 → 8 goes through 16.
        #expect(TermColor.indexed(196).adapted(to: .c8) == .ansi(1))
        #expect(TermColor.indexed(244).adapted(to: .c8) == .ansi(7))
        // 256 keeps everything; mono keeps nothing.
        #expect(TermColor.indexed(67).adapted(to: .c256) == .indexed(67))
        #expect(TermColor.indexed(67).adapted(to: .mono) == TermColor.none)
        #expect(TermColor.none.adapted(to: .c8) == TermColor.none)
    }

    @Test func stylesKeepAttributesAndStayReadable() {
        let style = Style(fg: .indexed(196), bg: .indexed(231), bold: true, underline: true)
        #expect(style.adapted(to: .c8) == Style(fg: .ansi(1), bg: .ansi(7), bold: true, underline: true))
        #expect(style.adapted(to: .mono) == Style(bold: true, underline: true))
        // #0000d7 on #0000af: both become blue on 16 colours, so the text turns white.
        let blueOnBlue = Style(fg: .indexed(20), bg: .indexed(19))
        #expect(blueOnBlue.adapted(to: .c16) == Style(fg: .ansi(7), bg: .ansi(4)))
        // The same colour on purpose stays as written.
        let same = Style(fg: .ansi(4), bg: .ansi(4))
        #expect(same.adapted(to: .c8) == same)
    }
}
