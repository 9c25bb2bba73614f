/// A complete set of styles, one per role: what the dashboard draws with. Themes come from TOML
/// files (`ThemeLoader`); a role a file leaves out has the default theme's style.
public struct Theme: Sendable, Equatable {
    public let name: String
    private let styles: [Role: Style]
    /// The `mono = { … }` attributes a file gave, by role.
    private let monoStyles: [Role: Style]

    init(name: String, styles: [Role: Style], monoStyles: [Role: Style]) {
        self.name = name
        self.styles = styles
        self.monoStyles = monoStyles
    }

    public func style(_ role: Role) -> Style { styles[role] ?? .plain }

    /// True when some role has a colour: false for the monochrome theme.
    public var usesColor: Bool { styles.values.contains(where: \.hasColor) }

    /// Every (foreground, background) pair the theme draws with, for curses' `init_pair`, in
    /// the order of `Role.all`.
    public var colorPairs: [ColorPair] {
        var seen = Set<ColorPair>(), pairs: [ColorPair] = []
        for role in Role.all {
            let pair = ColorPair(fg: style(role).fg, bg: style(role).bg)
            if pair.fg != .none || pair.bg != .none, seen.insert(pair).inserted { pairs.append(pair) }
        }
        return pairs
    }

    /// The theme as a terminal of `depth` can show it: colours reduced (`Style.adapted(to:)`).
    /// Keep the theme as loaded and adapt it again when the depth changes: reductions lose shades.
    ///
    /// On a terminal without colour a style told apart by colour alone would become plain, and
    /// RUNNING, FAILED and COMPLETED would look the same. So there, each role takes, in order:
    /// the `mono = { … }` attributes its entry gives; this theme's own style when the theme has
    /// no colour at all (it was made for monochrome); otherwise the monochrome theme's style.
    public func adapted(to depth: ColorDepth) -> Theme {
        var adapted: [Role: Style] = [:]
        let madeForMonochrome = !usesColor
        for role in Role.all {
            if depth == .mono {
                adapted[role] = monoStyles[role] ?? (madeForMonochrome ? style(role) : BuiltInThemes.monochrome.style(role))
            } else {
                adapted[role] = style(role).adapted(to: depth)
            }
        }
        return Theme(name: name, styles: adapted, monoStyles: monoStyles)
    }
}

/// A foreground and a background colour drawn together: one curses colour pair.
public struct ColorPair: Hashable, Sendable {
    public var fg: TermColor
    public var bg: TermColor
    public init(fg: TermColor, bg: TermColor) { self.fg = fg; self.bg = bg }
}
