import Foundation
import VerdantCore

/// The image queue as the dashboard holds it: every task's listing row in memory (100,000 rows
/// are ~20 MB), a filtered and sorted view of indices into them, tags and the selection. Only
/// the rows on screen are ever formatted.
public struct QueueModel {
    public enum Column: String, CaseIterable, Sendable {
        case id, stage, date, tile, state, attempts = "try", task, age, note = "error", output
    }

    public private(set) var rows: [TaskSummary] = []
    private var position: [TaskKey: Int] = [:]
    /// Indices into `rows`, filtered and sorted: what the pane scrolls through.
    public private(set) var view: [Int] = []
    public private(set) var sort: Column = .date
    public private(set) var descending = false
    public private(set) var filter = QueueFilter("")
    public private(set) var tags: Set<TaskKey> = []
    /// Index into `view` of the highlighted row.
    public private(set) var selection = 0
    /// First row of `view` on screen.
    public var scroll = 0
    /// When each task last changed while the dashboard watched (for highlighting).
    public private(set) var changedAt: [TaskKey: Date] = [:]

    public init() {}

    public var selectedKey: TaskKey? { view.indices.contains(selection) ? rows[view[selection]].key : nil }
    public var selected: TaskSummary? { view.indices.contains(selection) ? rows[view[selection]] : nil }
    public func row(at viewIndex: Int) -> TaskSummary { rows[view[viewIndex]] }
    public func summary(of key: TaskKey) -> TaskSummary? { position[key].map { rows[$0] } }

    /// Replaces every row (first load, or after more changes than are worth applying one by one).
    public mutating func load(_ all: [TaskSummary]) {
        let keep = selectedKey
        rows = all
        // Filled in place: a list of pairs first would hold 100,000 keys twice for a moment.
        position = Dictionary(minimumCapacity: rows.count)
        for (i, row) in rows.enumerated() { position[row.key] = i }
        tags = tags.filter { position[$0] != nil }
        rebuild(keeping: keep)
    }

    /// Above this many changed rows the view is sorted again whole; below, each row is moved
    /// to its place by binary search (a busy second changes a few rows of 100,000).
    static let incrementalLimit = 500

    /// Applies changed rows, keeping the view filtered and sorted and the selection on its task.
    public mutating func update(_ changed: [TaskSummary], at now: Date) {
        guard !changed.isEmpty else { return }
        let keep = selectedKey
        let incremental = changed.count <= Self.incrementalLimit
        for row in changed {
            changedAt[row.key] = now
            if let i = position[row.key] {
                if incremental, let at = viewPosition(of: i) { view.remove(at: at) }
                rows[i] = row
                if incremental, filter.matches(row) { view.insert(i, at: insertionPoint(of: i)) }
            } else {
                position[row.key] = rows.count
                rows.append(row)
                if incremental, filter.matches(row) { view.insert(rows.count - 1, at: insertionPoint(of: rows.count - 1)) }
            }
        }
        if incremental { reselect(keep) } else { rebuild(keeping: keep) }
    }

    /// Whether row `a` comes before row `b` in the view (its sort, ties by key, reversed whole
    /// when descending).
    private func precedes(_ a: Int, _ b: Int) -> Bool {
        let (x, y) = descending ? (rows[b], rows[a]) : (rows[a], rows[b])
        let order = QueueModel.compare(x, y, by: sort)
        return order == .orderedSame ? x.key < y.key : order == .orderedAscending
    }

    /// The first place in the view whose row does not come before row `index`.
    private func insertionPoint(of index: Int) -> Int {
        var low = 0, high = view.count
        while low < high {
            let mid = (low + high) / 2
            if precedes(view[mid], index) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Where row `index` is in the view, if it is shown (found by its current values).
    private func viewPosition(of index: Int) -> Int? {
        let at = insertionPoint(of: index)
        return at < view.count && view[at] == index ? at : nil
    }

    /// Forgets highlights older than `age` seconds.
    public mutating func expireChanges(before cutoff: Date) {
        changedAt = changedAt.filter { $0.value >= cutoff }
    }

    public mutating func setSort(_ column: Column, descending: Bool) {
        let keep = selectedKey
        sort = column; self.descending = descending
        rebuild(keeping: keep)
    }

    /// The next column (o), or the same column reversed (O).
    public mutating func sortNext() {
        let all = Column.allCases
        setSort(all[(all.firstIndex(of: sort)! + 1) % all.count], descending: false)
    }

    public mutating func sortReverse() { setSort(sort, descending: !descending) }

    public mutating func setFilter(_ text: String) {
        let keep = selectedKey
        filter = QueueFilter(text)
        rebuild(keeping: keep)
    }

    public mutating func toggleTag() {
        guard let key = selectedKey else { return }
        if tags.remove(key) == nil { tags.insert(key) }
    }

    /// Tags every row the filter shows, or clears the tags when all of them are tagged.
    public mutating func tagAllShown() {
        let shown = view.map { rows[$0].key }
        if shown.allSatisfy(tags.contains) { tags.subtract(shown) } else { tags.formUnion(shown) }
    }

    public mutating func clearTags() { tags.removeAll() }

    public mutating func move(by delta: Int) { select(selection + delta) }

    public mutating func select(_ index: Int) {
        selection = view.isEmpty ? 0 : min(max(0, index), view.count - 1)
    }

    /// Keeps the selection inside a window of `height` rows.
    public mutating func clampScroll(height: Int) {
        guard height > 0 else { return }
        if selection < scroll { scroll = selection }
        if selection >= scroll + height { scroll = selection - height + 1 }
        scroll = max(0, min(scroll, max(0, view.count - height)))
    }

    /// The tagged tasks, or the selected one when nothing is tagged: what c and R act on.
    public var targets: [TaskSummary] {
        if !tags.isEmpty { return tags.compactMap { position[$0].map { rows[$0] } }.sorted { $0.key < $1.key } }
        return selected.map { [$0] } ?? []
    }

    private mutating func rebuild(keeping key: TaskKey?) {
        let f = filter, column = sort, rows = self.rows
        var indices = f.isEmpty ? Array(rows.indices) : rows.indices.filter { f.matches(rows[$0]) }
        indices.sort { a, b in
            let order = QueueModel.compare(rows[a], rows[b], by: column)
            if order != .orderedSame { return order == .orderedAscending }
            return rows[a].key < rows[b].key
        }
        if descending { indices.reverse() }
        view = indices
        reselect(key)
    }

    /// The selection back on `key` when it is still shown, else kept in range.
    private mutating func reselect(_ key: TaskKey?) {
        if let key, let target = position[key], let at = view.firstIndex(of: target) {
            selection = at
        } else {
            select(selection)
        }
    }

    static func compare(_ a: TaskSummary, _ b: TaskSummary, by column: Column) -> ComparisonResult {
        func cmp<T: Comparable>(_ x: T, _ y: T) -> ComparisonResult { x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame }
        switch column {
        case .id: return cmp(a.key.id, b.key.id)
        case .stage: return cmp(a.key.stage.rawValue, b.key.stage.rawValue)
        case .date: return cmp(a.acquired, b.acquired)
        case .tile: return cmp(a.tile, b.tile)
        case .state: return cmp(a.state, b.state)
        case .attempts: return cmp(a.attempts, b.attempts)
        case .task: return cmp(a.taskId ?? "", b.taskId ?? "")
        // Age grows as the last change gets older: oldest first.
        case .age: return cmp(b.updatedAt, a.updatedAt)
        case .note: return cmp(a.note ?? "", b.note ?? "")
        case .output: return cmp(a.output ?? "", b.output ?? "")
        }
    }
}


/// `/` filter text: words are all required; `state=FAILED` (or `state=failed,cancelled`),
/// `stage=ndvi`, `tile=T33TVL` match a field exactly; `tagged` keeps tagged rows… any other
/// word is looked for (case-insensitively) in the id, tile, task id and error.
public struct QueueFilter: Equatable, Sendable {
    public let text: String
    private var states: Set<TaskState>?
    private var stages: Set<String>?
    private var tiles: Set<String>?
    private var words: [String] = []
    public private(set) var problem: String?

    public init(_ text: String) {
        self.text = text
        for word in text.split(separator: " ").map(String.init) {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 {
                let values = Set(parts[1].split(separator: ",").map { String($0) })
                switch parts[0].lowercased() {
                case "state":
                    // A whole name, else every state it begins (canc: CANCELLING and CANCELLED).
                    var parsed = Set<TaskState>(), unknown: [String] = []
                    for v in values.map({ $0.lowercased() }) {
                        let named = TaskState.allCases.filter { $0.rawValue.lowercased() == v }
                        let matches = named.isEmpty ? TaskState.allCases.filter { $0.rawValue.lowercased().hasPrefix(v) } : named
                        if matches.isEmpty { unknown.append(v) } else { parsed.formUnion(matches) }
                    }
                    if !unknown.isEmpty { problem = "state=\(unknown.joined(separator: ",")): unknown state; expected \(TaskState.allCases.dropFirst().map(\.rawValue).joined(separator: ", "))" }
                    states = parsed
                case "stage": stages = Set(values.map { $0.lowercased() })
                case "tile": tiles = Set(values.map { $0.uppercased() })
                default: words.append(word.lowercased())
                }
            } else {
                words.append(word.lowercased())
            }
        }
    }

    public var isEmpty: Bool { states == nil && stages == nil && tiles == nil && words.isEmpty }

    public func matches(_ row: TaskSummary) -> Bool {
        if let states, !states.contains(row.state) { return false }
        if let stages, !stages.contains(row.key.stage.rawValue.lowercased()) { return false }
        if let tiles, !tiles.contains(row.tile.uppercased()) { return false }
        for word in words {
            if row.key.id.lowercased().contains(word) || row.tile.lowercased().contains(word) { continue }
            if let task = row.taskId, task.lowercased().contains(word) { continue }
            if let note = row.note, note.lowercased().contains(word) { continue }
            if row.state.rawValue.lowercased() == word { continue }
            return false
        }
        return true
    }
}
