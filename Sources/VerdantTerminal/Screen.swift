import CNcursesShim
import Foundation
import Glibc
import VerdantStyle

/// The terminal through ncursesw: draws frames (only the cells that changed since the last
/// one: curses then sends only what differs from what the terminal shows), reads keys, knows
/// the terminal's colours and character set. One per process.
public final class Screen {
    public let depth: ColorDepth
    public let glyphs: Glyphs
    private var theme: Theme
    private var previous: Frame?
    private var pairs: [PairKey: Int32] = [:]
    private var allocatedPairs: Int32 = 0
    private var pairLimit: Int
    private let keyCodes: KeyCodes

    public struct Options {
        public var term: String?
        /// Where curses writes and reads; nil: the controlling terminal (stdout/stdin).
        public var output: UnsafeMutablePointer<FILE>?
        public var input: UnsafeMutablePointer<FILE>?
        public var environment: [String: String]
        public init(term: String? = nil, output: UnsafeMutablePointer<FILE>? = nil, input: UnsafeMutablePointer<FILE>? = nil,
                    environment: [String: String] = ProcessInfo.processInfo.environment) {
            self.term = term; self.output = output; self.input = input; self.environment = environment
        }
    }

    public struct Unsupported: Error, CustomStringConvertible {
        public let description: String
    }

    /// Whether the environment's terminal can hold a full-screen view at all (`TERM=dumb`,
    /// unset, or not a terminal cannot: callers print a plain listing instead).
    public static func fullScreenProblem(environment: [String: String], isTerminal: Bool) -> String? {
        guard isTerminal else { return "standard output is not a terminal" }
        let term = environment["TERM"] ?? ""
        if term.isEmpty { return "TERM is not set" }
        if term == "dumb" { return "TERM=dumb has no cursor addressing" }
        return nil
    }

    /// The locale's character set, after `setlocale(LC_ALL, "")`: UTF-8 gets Unicode line
    /// drawing, anything else ASCII.
    public static func localeIsUTF8() -> Bool {
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET))).uppercased()
        return codeset == "UTF-8" || codeset == "UTF8"
    }

    public init(theme: Theme, options: Options = Options()) throws {
        let unicode = Screen.localeIsUTF8()
        let started: Int32 = options.term.map { term in
            term.withCString { verdant_curses_start($0, options.output, options.input) }
        } ?? verdant_curses_start(nil, options.output, options.input)
        guard started == 0 else {
            throw Unsupported(description: "cannot start the terminal \(options.term ?? options.environment["TERM"] ?? "(TERM unset)"): unknown to terminfo")
        }
        CrashRestore.install()
        glyphs = unicode ? .unicode : .ascii
        let term = options.term ?? options.environment["TERM"] ?? ""
        var depth = ColorDepth.detect(environment: options.environment, terminfoColors: Int(verdant_colors()))
        if term.hasPrefix("vt1") || term.hasPrefix("vt2") { depth = .mono }
        // Curses cannot address colours past terminfo's count (init_pair refuses them), even
        // where COLORTERM says the terminal has more: use no more than curses can.
        let addressable = ColorDepth.detect(environment: ["TERM": "xterm"], terminfoColors: Int(verdant_colors()))
        self.depth = min(depth, addressable)
        pairLimit = Int(verdant_color_pairs())
        self.theme = theme.adapted(to: self.depth)
        keyCodes = KeyCodes()
    }

    deinit { end() }

    public var rows: Int { Int(verdant_rows()) }
    public var cols: Int { Int(verdant_cols()) }

    public func setTheme(_ theme: Theme) {
        self.theme = theme.adapted(to: self.depth)
        previous = nil
    }

    /// Sends `frame`: rows equal to the last frame's are skipped, and within a changed row only
    /// the span from its first to its last changed cell is written.
    public func draw(_ frame: Frame) {
        let full = previous.map { $0.rows != frame.rows || $0.cols != frame.cols } ?? true
        for y in 0..<frame.rows {
            var first = 0, last = frame.cols - 1
            if !full, let previous {
                while first < frame.cols && previous[y, first] == frame[y, first] { first += 1 }
                if first == frame.cols { continue }
                while last > first && previous[y, last] == frame[y, last] { last -= 1 }
            }
            writeRun(frame, y: y, from: first, to: last)
        }
        verdant_flush()
        previous = frame
    }

    /// Forgets what the terminal shows: the next draw repaints everything (after a resume, or
    /// when a person asks with Ctrl-L).
    public func invalidate() {
        previous = nil
        verdant_touch()
    }

    private func writeRun(_ frame: Frame, y: Int, from: Int, to: Int) {
        guard from <= to else { return }
        var x = from
        while x <= to {
            let role = frame[y, x].role
            var text = ""
            let start = x
            while x <= to && frame[y, x].role == role {
                text.append(frame[y, x].char)
                x += 1
            }
            // The bottom-right cell makes curses scroll on some terminals: never written.
            if y == frame.rows - 1 && x == frame.cols { text = String(text.dropLast()) }
            apply(theme.style(role))
            verdant_put(Int32(y), Int32(start), text)
        }
    }

    private struct PairKey: Hashable { let fg: Int32; let bg: Int32 }

    private func apply(_ style: Style) {
        var attrs: Int32 = 0
        if style.bold { attrs |= Int32(VERDANT_ATTR_BOLD) }
        if style.dim { attrs |= Int32(VERDANT_ATTR_DIM) }
        if style.reverse { attrs |= Int32(VERDANT_ATTR_REVERSE) }
        if style.underline { attrs |= Int32(VERDANT_ATTR_UNDERLINE) }
        verdant_attr_set(attrs, pair(fg: style.fg, bg: style.bg))
    }

    private func pair(fg: TermColor, bg: TermColor) -> Int32 {
        guard depth != .mono else { return 0 }
        let key = PairKey(fg: number(fg), bg: number(bg))
        if key.fg == -1 && key.bg == -1 { return 0 }
        if let known = pairs[key] { return known }
        let next = allocatedPairs + 1
        guard Int(next) < pairLimit, verdant_init_pair(next, key.fg, key.bg) == 0 else {
            // Out of pairs, or a colour the terminal lacks: the terminal's default colours.
            pairs[key] = 0
            return 0
        }
        allocatedPairs = next
        pairs[key] = next
        return next
    }

    private func number(_ color: TermColor) -> Int32 {
        switch color {
        case .none: return -1
        case .ansi(let n): return Int32(n)
        case .indexed(let n): return Int32(n)
        }
    }

    /// The next key, a resize, or nil after `timeoutMs` without input.
    public func readEvent(timeoutMs: Int) -> TerminalEvent? {
        verdant_set_timeout(Int32(timeoutMs))
        let code = verdant_read_key()
        if code == Int32(VERDANT_KEY_NONE) { return nil }
        if code == Int32(VERDANT_KEY_RESIZE) { return .resize }
        return keyCodes.decode(code).map(TerminalEvent.key) ?? .unknown
    }

    /// Leaves the screen as it was before (idempotent).
    public func end() {
        verdant_curses_end()
    }

    /// Gives the terminal back for a while (a shell escape, a child program), then takes it again.
    public func suspend() { verdant_suspend() }
    public func resume() { verdant_resume(); previous = nil }

    /// For measurements without a real terminal (benchmarks): curses' idea of the size.
    public func resize(rows: Int, cols: Int) {
        verdant_resize(Int32(rows), Int32(cols))
        previous = nil
    }
}

public enum TerminalEvent: Equatable {
    case key(Key)
    case resize
    /// A key with no meaning here (a function key past F12, a mouse report).
    case unknown
}
