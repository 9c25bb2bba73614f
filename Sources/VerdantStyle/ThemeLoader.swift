import Foundation

/// Finds and reads themes: TOML files in the repository's `themes/` folder (or any folder), and
/// the themes compiled into the program so a missing folder still leaves a working dashboard.
public enum ThemeLoader {
    /// Themes that exist without any file: `default`, and `monochrome` (what colour themes look
    /// like on a terminal without colour).
    public static let builtInNames = ["default", "monochrome"]

    public static func builtIn(_ name: String) -> Theme? {
        switch name {
        case "default": return BuiltInThemes.default
        case "monochrome": return BuiltInThemes.monochrome
        default: return nil
        }
    }

    /// Reads a theme file; throws `ThemeError` naming the file and line of every problem.
    public static func load(path: String) throws -> Theme {
        try parse(try FileIssues.read(path: path, what: "theme file", failure: ThemeError.init), file: path)
    }

    /// A theme from TOML text; `file` is the name messages give it. Roles it leaves out take the
    /// built-in default theme's styles.
    public static func parse(_ toml: String, file: String) throws -> Theme {
        try ThemeFile.parse(toml, file: file, fallback: BuiltInThemes.default)
    }

    /// The theme in the file, or the built-in default and the reason why it is used instead.
    public static func loadOrDefault(path: String) -> (theme: Theme, warning: String?) {
        do {
            return (try load(path: path), nil)
        } catch {
            return (BuiltInThemes.default, "\(error)\nthe built-in default theme is used instead")
        }
    }

    /// The theme called `name` (parameters.toml's `theme`, or the `t` key's next one):
    /// `folder/name.toml` when it exists, else a built-in theme of that name, else the default
    /// with a warning listing the themes there are.
    public static func named(_ name: String, in folder: String) -> (theme: Theme, warning: String?) {
        let path = (folder as NSString).appendingPathComponent(name + ".toml")
        if FileManager.default.fileExists(atPath: path) { return loadOrDefault(path: path) }
        if let theme = builtIn(name) { return (theme, nil) }
        let known = (available(in: folder) + builtInNames).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return (BuiltInThemes.default,
                "no theme `\(name)` in \(folder) (themes: \(known.joined(separator: ", "))); the built-in default theme is used instead")
    }

    /// Names of the `*.toml` files in `folder`: `default` first, then alphabetical; empty when
    /// the folder does not exist. The order the theme key cycles through.
    public static func available(in folder: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let names = files.filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }
        return names.sorted { ($0 == "default" ? 0 : 1, $0) < ($1 == "default" ? 0 : 1, $1) }
    }
}
