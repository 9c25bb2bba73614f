/// A terminal colour as curses takes it: the terminal's own default, one of the 16 ANSI colours
/// (whose exact shades each terminal chooses) or an entry of the xterm 256-colour palette.
public enum TermColor: Hashable, Sendable {
    /// The terminal's default foreground or background (curses' -1 with `use_default_colors`).
    case none
    /// 0–7: black, red, green, yellow, blue, magenta, cyan, white; 8–15: their bright versions.
    case ansi(Int)
    /// 0–255 of the xterm palette: 16–231 a 6×6×6 colour cube, 232–255 a grey ramp.
    case indexed(Int)

    /// The colour names a theme file may use, by ANSI number. `grey` is bright black, the usual
    /// "dim grey" of terminal palettes.
    public static let names: [(name: String, color: TermColor)] = {
        let base = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]
        var names: [(String, TermColor)] = [("default", .none)]
        names += base.enumerated().map { ($0.element, .ansi($0.offset)) }
        names += base.enumerated().map { ("bright-" + $0.element, .ansi($0.offset + 8)) }
        names += [("grey", .ansi(8)), ("gray", .ansi(8))]
        return names
    }()

    /// The number curses' `init_pair` takes: -1 for the default colour.
    public var cursesNumber: Int {
        switch self {
        case .none: return -1
        case .ansi(let n), .indexed(let n): return n
        }
    }

    /// `.indexed` 0–15 and `.ansi` are the same colours; one spelling keeps styles comparable.
    public var normalized: TermColor {
        if case .indexed(let n) = self, (0..<16).contains(n) { return .ansi(n) }
        return self
    }

    /// A colour as a theme file writes it: a name, `#rrggbb` (the nearest xterm-256 entry) or
    /// a palette number written as text. nil when it is none of these.
    public init?(parsing text: String) {
        let lowered = text.lowercased()
        if let named = Self.names.first(where: { $0.name == lowered }) {
            self = named.color
        } else if lowered.hasPrefix("#"), lowered.count == 7, let value = Int(lowered.dropFirst(), radix: 16) {
            self = Self.nearest256(red: value >> 16, green: (value >> 8) & 0xFF, blue: value & 0xFF)
        } else if let n = Int(lowered), (0...255).contains(n) {
            self = TermColor.indexed(n).normalized
        } else {
            return nil
        }
    }

    /// How the colour is written back in a theme file.
    public var themeText: String {
        switch normalized {
        case .none: return "default"
        case .ansi(let n): return Self.names.first { $0.color == .ansi(n) }?.name ?? String(n)
        case .indexed(let n): return String(n)
        }
    }
}

// MARK: - Palettes and reductions

extension TermColor {
    struct RGB: Equatable {
        var red, green, blue: Int
        func distance(to other: RGB) -> Int {
            let r = red - other.red, g = green - other.green, b = blue - other.blue
            return r * r + g * g + b * b
        }
    }

    /// xterm's default shades of the 16 ANSI colours: the reference the reductions measure with,
    /// since a program cannot ask most terminals which shades they really use.
    static let ansiPalette: [RGB] = [
        RGB(red: 0, green: 0, blue: 0), RGB(red: 205, green: 0, blue: 0), RGB(red: 0, green: 205, blue: 0),
        RGB(red: 205, green: 205, blue: 0), RGB(red: 0, green: 0, blue: 238), RGB(red: 205, green: 0, blue: 205),
        RGB(red: 0, green: 205, blue: 205), RGB(red: 229, green: 229, blue: 229), RGB(red: 127, green: 127, blue: 127),
        RGB(red: 255, green: 0, blue: 0), RGB(red: 0, green: 255, blue: 0), RGB(red: 255, green: 255, blue: 0),
        RGB(red: 92, green: 92, blue: 255), RGB(red: 255, green: 0, blue: 255), RGB(red: 0, green: 255, blue: 255),
        RGB(red: 255, green: 255, blue: 255),
    ]

    /// The six levels of each channel in xterm's 6×6×6 cube (entries 16–231).
    static let cubeLevels = [0, 95, 135, 175, 215, 255]

    /// The shade of a palette entry, nil for the terminal default.
    var rgb: RGB? {
        switch normalized {
        case .none: return nil
        case .ansi(let n): return Self.ansiPalette[min(max(n, 0), 15)]
        case .indexed(let n) where n < 232:
            let i = n - 16
            return RGB(red: Self.cubeLevels[i / 36], green: Self.cubeLevels[(i / 6) % 6], blue: Self.cubeLevels[i % 6])
        case .indexed(let n):
            let level = 8 + 10 * (min(n, 255) - 232)
            return RGB(red: level, green: level, blue: level)
        }
    }

    /// The nearest entry of the cube or the grey ramp; entries 0–15 are left out because their
    /// shades differ from one terminal to the next.
    static func nearest256(red: Int, green: Int, blue: Int) -> TermColor {
        let target = RGB(red: red, green: green, blue: blue)
        let candidates = (16...255).map { TermColor.indexed($0) }
        return candidates.min { $0.rgb!.distance(to: target) < $1.rgb!.distance(to: target) }!
    }

    /// The nearest of the first `count` ANSI colours (16 or 8); first index wins a tie. A grey
    /// (channels within `greyChroma` of each other) is matched among the greys (black, grey,
    /// white, bright white) and any other colour among the hues, so a hue never becomes grey and
    /// a grey never takes a hue: by plain distance #808080 would become yellow on 8 colours, and
    /// the muted blues of 256-colour themes grey on 16.
    static func nearestANSI(to rgb: RGB, among count: Int) -> TermColor {
        let isGrey = max(rgb.red, rgb.green, rgb.blue) - min(rgb.red, rgb.green, rgb.blue) < greyChroma
        let candidates = (0..<count).filter { achromaticANSI.contains($0) == isGrey }
        let index = candidates.min { ansiPalette[$0].distance(to: rgb) < ansiPalette[$1].distance(to: rgb) }!
        return .ansi(index)
    }

    static let greyChroma = 48
    static let achromaticANSI: Set<Int> = [0, 7, 8, 15]

    /// This colour on a terminal of `depth`: 256 → nearest of 16 → nearest of 8 → none.
    public func adapted(to depth: ColorDepth) -> TermColor {
        let color = normalized
        guard let rgb = color.rgb else { return .none }
        switch depth {
        case .c256:
            return color
        case .c16:
            if case .ansi = color { return color }
            return Self.nearestANSI(to: rgb, among: 16)
        case .c8:
            let sixteen = color.adapted(to: .c16)
            if case .ansi(let n) = sixteen, n < 8 { return sixteen }
            return Self.nearestANSI(to: sixteen.rgb!, among: 8)
        case .mono:
            return .none
        }
    }
}
