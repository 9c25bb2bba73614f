import CNcursesShim
import VerdantStyle

/// Curses' key numbers (macros in curses.h, read once through the shim) to `Key`.
struct KeyCodes {
    private let named: [Int32: Key]
    private let f0: Int32

    init() {
        var named: [Int32: Key] = [:]
        let pairs: [(String, Key)] = [("up", .up), ("down", .down), ("left", .left), ("right", .right),
                                      ("ppage", .pageUp), ("npage", .pageDown), ("home", .home), ("end", .end),
                                      ("btab", .backTab), ("backspace", .backspace), ("dc", .delete), ("enter", .enter)]
        for (name, key) in pairs {
            let code = name.withCString { verdant_keycode($0) }
            if code >= 0 { named[code] = key }
        }
        self.named = named
        f0 = "f0".withCString { verdant_keycode($0) }
    }

    func decode(_ code: Int32) -> Key? {
        if code >= 0x1000000 {
            let curses = code - 0x1000000
            if let key = named[curses] { return key }
            if curses > f0 && curses <= f0 + 12 { return .f(Int(curses - f0)) }
            return nil
        }
        return Self.character(code)
    }

    /// A character code from get_wch: control characters by their usual names.
    static func character(_ code: Int32) -> Key? {
        switch code {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 32: return .space
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(code + 96))))
        default:
            guard let scalar = Unicode.Scalar(UInt32(code)) else { return nil }
            return .char(Character(scalar))
        }
    }
}
