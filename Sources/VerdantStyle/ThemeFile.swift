import Foundation
import TOMLKit
import VerdantCore

/// Reads the TOML of one theme file into a `Theme`, collecting every problem with its line.
struct ThemeFile {
    static let attributeKeys = ["bold", "dim", "reverse", "underline"]
    static let styleKeys = ["fg", "bg"] + attributeKeys + ["mono"]
    static let colorExpectation = "a colour: a name (default, black, red, green, yellow, blue, magenta, cyan, white, grey, "
        + "bright-black … bright-white), \"#rrggbb\" or a palette number 0–255"

    /// `fallback` gives the styles of roles the file leaves out (nil: plain).
    static func parse(_ text: String, file: String, fallback: Theme?) throws -> Theme {
        let root = try FileIssues.parse(text, file: file, failure: ThemeError.init)
        var issues = FileIssues(file: file, text: text)
        var styles: [Role: Style] = [:], monoStyles: [Role: Style] = [:]
        var name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent

        let tables: [(key: String, roles: [Role], what: String)] = [
            ("ui", Role.interface, "part of the screen"),
            ("states", TaskState.allCases.map(Role.state), "task state"),
            ("log", LogLevelName.allCases.map(Role.log), "log level"),
        ]
        for key in root.keys {
            let value = root[key]!
            if key == "name" {
                if let text = value.string, !text.isEmpty { name = text } else {
                    issues.add("name", expected: "the theme's name as a non-empty string", found: Describe.value(value))
                }
                continue
            }
            guard let (_, roles, what) = tables.first(where: { $0.key == key }) else {
                issues.add(key, expected: "`name` or one of the tables [ui], [states], [log]",
                           found: "unknown key `\(key)`" + Describe.suggestion(for: key, among: ["name"] + tables.map(\.key)))
                continue
            }
            guard let table = value.table else {
                issues.add(key, expected: "a table [\(key)]", found: Describe.value(value))
                continue
            }
            let keys = roles.map(\.themeKey)
            for roleKey in table.keys {
                let path = "\(key).\(roleKey)"
                guard let role = roles.first(where: { $0.themeKey == roleKey }) else {
                    issues.add(path, expected: "a \(what): one of \(keys.joined(separator: ", "))",
                               found: "unknown \(what) `\(roleKey)`" + Describe.suggestion(for: roleKey, among: keys))
                    continue
                }
                if let (style, mono) = readStyle(table[roleKey]!, path: path, issues: &issues) {
                    styles[role] = style
                    monoStyles[role] = mono
                }
            }
        }
        guard issues.issues.isEmpty else { throw ThemeError(issues.sorted) }
        for role in Role.all where styles[role] == nil {
            styles[role] = fallback?.style(role) ?? .plain
        }
        return Theme(name: name, styles: styles, monoStyles: monoStyles)
    }

    /// `{ fg = "red", bold = true, mono = { reverse = true } }`; nil when it has a problem.
    private static func readStyle(_ value: TOMLValueConvertible, path: String,
                                  issues: inout FileIssues) -> (Style, mono: Style?)? {
        guard let table = value.table else {
            issues.add(path, expected: "a style such as { fg = \"red\", bold = true } (keys: \(styleKeys.joined(separator: ", ")))",
                       found: Describe.value(value))
            return nil
        }
        let before = issues.issues.count
        var style = Style(), mono: Style? = nil
        for key in table.keys {
            let value = table[key]!, keyPath = "\(path).\(key)"
            switch key {
            case "fg", "bg":
                guard let color = color(value) else {
                    issues.add(keyPath, expected: colorExpectation, found: Describe.value(value))
                    continue
                }
                if key == "fg" { style.fg = color } else { style.bg = color }
            case "mono":
                mono = readAttributes(value, path: keyPath, issues: &issues)
            default:
                guard attributeKeys.contains(key) else {
                    issues.add(keyPath, expected: "one of the style keys \(styleKeys.joined(separator: ", "))",
                               found: "unknown key `\(key)`" + Describe.suggestion(for: key, among: styleKeys))
                    continue
                }
                guard let flag = value.bool else {
                    issues.add(keyPath, expected: "true or false", found: Describe.value(value))
                    continue
                }
                setAttribute(key, flag, in: &style)
            }
        }
        return issues.issues.count == before ? (style, mono) : nil
    }

    /// `mono = { bold = true, … }`: attributes only, since it is used where there is no colour.
    private static func readAttributes(_ value: TOMLValueConvertible, path: String, issues: inout FileIssues) -> Style? {
        guard let table = value.table else {
            issues.add(path, expected: "attributes such as { reverse = true } (keys: \(attributeKeys.joined(separator: ", ")))",
                       found: Describe.value(value))
            return nil
        }
        var style = Style()
        for key in table.keys {
            let value = table[key]!
            guard attributeKeys.contains(key) else {
                let found = key == "fg" || key == "bg" ? "a colour (`\(key)`), which a terminal without colour cannot show"
                    : "unknown key `\(key)`" + Describe.suggestion(for: key, among: attributeKeys)
                issues.add("\(path).\(key)", expected: "one of \(attributeKeys.joined(separator: ", "))", found: found)
                continue
            }
            guard let flag = value.bool else {
                issues.add("\(path).\(key)", expected: "true or false", found: Describe.value(value))
                continue
            }
            setAttribute(key, flag, in: &style)
        }
        return style
    }

    private static func setAttribute(_ key: String, _ flag: Bool, in style: inout Style) {
        switch key {
        case "bold": style.bold = flag
        case "dim": style.dim = flag
        case "reverse": style.reverse = flag
        default: style.underline = flag
        }
    }

    /// A name or `#rrggbb` as a string, or a palette number as an integer.
    private static func color(_ value: TOMLValueConvertible) -> TermColor? {
        if let text = value.string { return TermColor(parsing: text) }
        if value.type == .int, let n = value.int, (0...255).contains(n) { return TermColor.indexed(n).normalized }
        return nil
    }
}
