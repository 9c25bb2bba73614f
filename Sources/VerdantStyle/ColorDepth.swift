/// How many colours the terminal shows; themes are reduced to it before drawing.
public enum ColorDepth: Int, Sendable, CaseIterable, Comparable {
    case mono = 0, c8 = 8, c16 = 16, c256 = 256

    public static func < (a: ColorDepth, b: ColorDepth) -> Bool { a.rawValue < b.rawValue }

    /// Terminal types that have no colour whatever terminfo is installed: the DEC VT family
    /// (people on serial consoles and old emulators set these on purpose) and `dumb`.
    static let colourlessTerminals: Set<String> = ["dumb", "vt52", "vt100", "vt102", "vt220", "vt320", "vt420"]

    /// The depth to draw with, from the environment and terminfo's `colors` (curses' `COLORS`
    /// after `start_color`, or -1/0 when the terminal has none).
    ///
    /// - `NO_COLOR` present and not empty → mono (no-color.org: "when present and not an empty
    ///   string (regardless of its value)").
    /// - `TERM` unset, empty, `dumb` or a VT terminal (`vt100`, `vt102`, `vt220`, with any
    ///   `-suffix` such as `vt100-am`) → mono.
    /// - otherwise terminfo's count: ≥256 → 256, ≥16 → 16, ≥8 → 8, fewer → mono;
    ///   `COLORTERM=truecolor` or `24bit` raises it to 256 (such terminals all have the xterm
    ///   palette even when their terminfo entry says 8).
    public static func detect(environment: [String: String], terminfoColors: Int) -> ColorDepth {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .mono }
        let term = (environment["TERM"] ?? "").lowercased()
        let family = String(term.prefix { $0 != "-" })
        if family.isEmpty || colourlessTerminals.contains(family) { return .mono }

        var depth: ColorDepth
        switch terminfoColors {
        case 256...: depth = .c256
        case 16...: depth = .c16
        case 8...: depth = .c8
        default: depth = .mono
        }
        let colorterm = (environment["COLORTERM"] ?? "").lowercased()
        if colorterm == "truecolor" || colorterm == "24bit" { depth = max(depth, .c256) }
        return depth
    }
}
