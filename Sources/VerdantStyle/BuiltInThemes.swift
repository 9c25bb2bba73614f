/// The themes compiled into the program, as TOML read by the same code as a theme file; a test
/// keeps each text identical to its file in themes/.
enum BuiltInThemes {
    static let defaultTOML: String = #"""
    # verdant's default theme: the terminal's own text and background colours with the 16 ANSI
    # colours, so it follows the palette you chose and reads on dark and light backgrounds alike.
    #
    # How a theme is written (the same for every file in this folder):
    #   fg, bg      a colour: a name (default, black, red, green, yellow, blue, magenta, cyan, white,
    #               grey, bright-red, bright-green, … bright-white), "#rrggbb" (drawn with the
    #               nearest of the 256 xterm colours) or a palette number 0–255
    #   bold, dim, reverse, underline     true or false
    #   mono = { … }   the attributes to use instead on a terminal without colour (NO_COLOR, TERM=dumb,
    #               vt100); without it, a colour theme is drawn there as the monochrome theme.
    # Colours are reduced to what the terminal shows: 256 → the nearest of 16 → the nearest of 8.
    # A key left out takes this default theme's style; an unknown key or colour is an error, and the
    # dashboard then uses this theme and says why.
    name = "default"

    # The screen: panes, their titles and borders, the status bar, gauges.
    [ui]
    text = {}
    dim = { dim = true }
    title = { bold = true }
    title_focused = { fg = "cyan", bold = true }
    border = {}
    border_focused = { fg = "cyan", bold = true }
    header = { bold = true, underline = true }
    selected = { reverse = true }
    tagged = { fg = "yellow", bold = true }
    changed = { bold = true }
    status_bar = { reverse = true }
    key = { fg = "cyan", bold = true }
    gauge_filled = { fg = "green" }
    gauge_empty = { dim = true }
    sparkline = { fg = "cyan" }
    warning = { fg = "yellow", bold = true }
    error = { fg = "red", bold = true }
    ok = { fg = "green" }

    # One style per task state (dashboard.md, "States and colours").
    [states]
    DISCOVERED = {}
    WAITING = { dim = true }
    QUEUED = {}
    SUBMITTING = { fg = "cyan" }
    READY = { fg = "cyan" }
    RUNNING = { fg = "blue", bold = true }
    CANCELLING = { fg = "magenta" }
    COMPLETED = { fg = "green" }
    FAILED = { fg = "red", bold = true }
    CANCELLED = { fg = "yellow" }
    OUT_OF_AREA = { fg = "grey", dim = true }
    EXCLUDED = { fg = "grey", dim = true }
    SKIPPED = { fg = "grey", dim = true }

    # Log tail lines, by level.
    [log]
    trace = { dim = true }
    debug = { dim = true }
    info = {}
    notice = { fg = "cyan" }
    warning = { fg = "yellow" }
    error = { fg = "red", bold = true }
    critical = { fg = "bright-white", bg = "red", bold = true }

    """#

    static let monochromeTOML: String = #"""
    # Monochrome: bold, dim, reverse and underline only, no colour. For terminals without colour
    # (NO_COLOR, TERM=dumb, vt100), where every colour theme is drawn like this one, and for people
    # who prefer it. States stay apart without colour: RUNNING bold, FAILED reverse, final states dim.
    # The format is described in default.toml.
    name = "monochrome"

    [ui]
    text = {}
    dim = { dim = true }
    title = { bold = true }
    title_focused = { bold = true, reverse = true }
    border = { dim = true }
    border_focused = { bold = true }
    header = { bold = true, underline = true }
    selected = { reverse = true }
    tagged = { bold = true, underline = true }
    changed = { bold = true }
    status_bar = { reverse = true }
    key = { bold = true }
    gauge_filled = { bold = true }
    gauge_empty = { dim = true }
    sparkline = { bold = true }
    warning = { bold = true }
    error = { bold = true, reverse = true }
    ok = {}

    [states]
    DISCOVERED = {}
    WAITING = { dim = true }
    QUEUED = {}
    SUBMITTING = { underline = true }
    READY = { underline = true }
    RUNNING = { bold = true }
    CANCELLING = { bold = true, underline = true }
    COMPLETED = { dim = true }
    FAILED = { reverse = true }
    CANCELLED = { dim = true, underline = true }
    OUT_OF_AREA = { dim = true }
    EXCLUDED = { dim = true }
    SKIPPED = { dim = true }

    [log]
    trace = { dim = true }
    debug = { dim = true }
    info = {}
    notice = { underline = true }
    warning = { bold = true }
    error = { bold = true, reverse = true }
    critical = { bold = true, reverse = true, underline = true }

    """#

    static let `default`: Theme = compiled(defaultTOML, file: "themes/default.toml")
    static let monochrome: Theme = compiled(monochromeTOML, file: "themes/monochrome.toml")

    /// The texts are fixed and tested: a failure here is a bug in this file, not bad input.
    private static func compiled(_ text: String, file: String) -> Theme {
        do {
            return try ThemeFile.parse(text, file: file, fallback: nil)
        } catch {
            fatalError("the compiled-in \(file) is malformed: \(error)")
        }
    }
}
