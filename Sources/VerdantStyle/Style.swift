/// How one kind of text is drawn: colours and the attributes every terminal has.
public struct Style: Hashable, Sendable {
    public var fg: TermColor
    public var bg: TermColor
    public var bold: Bool
    public var dim: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(fg: TermColor = .none, bg: TermColor = .none, bold: Bool = false, dim: Bool = false,
                reverse: Bool = false, underline: Bool = false) {
        self.fg = fg.normalized; self.bg = bg.normalized
        self.bold = bold; self.dim = dim; self.reverse = reverse; self.underline = underline
    }

    /// The terminal's default look.
    public static let plain = Style()

    public var hasColor: Bool { fg != .none || bg != .none }
    public var hasAttributes: Bool { bold || dim || reverse || underline }

    /// This style with its colours reduced to `depth` (256 → nearest of 16 → nearest of 8) and
    /// its attributes kept. On mono only the attributes remain: a style told apart by colour
    /// alone becomes plain here; `Theme.adapted(to:)` is what keeps such roles distinguishable.
    ///
    /// When a reduction gives the text the colour of its background (two shades of blue both
    /// becoming blue), the text becomes black or white, whichever is further from the background.
    public func adapted(to depth: ColorDepth) -> Style {
        var style = self
        style.fg = fg.adapted(to: depth)
        style.bg = bg.adapted(to: depth)
        if style.fg != .none, style.fg == style.bg, fg.normalized != bg.normalized, let background = style.bg.rgb {
            let black = TermColor.ansi(0), white = TermColor.ansi(7)
            style.fg = black.rgb!.distance(to: background) > white.rgb!.distance(to: background) ? black : white
        }
        return style
    }
}
