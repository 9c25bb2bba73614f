/// A problem with one parameter, told so a person can fix it: where, which key, what was
/// expected, what was found.
public struct ParameterIssue: Sendable, Equatable, CustomStringConvertible {
    /// `table.key`, e.g. `dates.date_end`.
    public var key: String
    public var expected: String
    public var found: String?
    public var file: String?
    public var line: Int?

    public init(key: String, expected: String, found: String? = nil, file: String? = nil, line: Int? = nil) {
        self.key = key; self.expected = expected; self.found = found; self.file = file; self.line = line
    }

    public var description: String {
        var place = file ?? "parameters"
        if let line { place += ":\(line)" }
        var text = "\(place): \(key): expected \(expected)"
        if let found { text += ", found \(found)" }
        return text
    }
}

/// All the problems found in a parameters file; the command exits with code 2.
public struct ParameterError: Error, CustomStringConvertible, Sendable {
    public var issues: [ParameterIssue]
    public init(_ issues: [ParameterIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
