import Foundation
import VerdantCore
import VerdantStyle

/// The dashboard's own state, apart from the data it shows (k9s keeps views and models apart
/// the same way): focus, what is being typed, dialogs, scroll positions.
public struct UIState {
    public enum Pane: Int, CaseIterable, Sendable {
        case parameters, states, queue, log
        public var title: String {
            switch self {
            case .parameters: return "Parameters"
            case .states: return "Live task states"
            case .queue: return "Image queue"
            case .log: return "Log tail"
            }
        }
    }

    public enum Mode {
        case normal
        /// Typing a filter for the queue (`/` on the queue) or a search in the log (`/` on the log).
        case input(InputKind, String)
        case confirm(Confirmation)
        case help
        case details(DetailsState)
        case repair(WizardState)
    }

    public enum InputKind: Equatable { case filter, search }

    public var focus: Pane = .queue
    public var mode: Mode = .normal
    public var message: Message?
    /// The log line at the bottom of the pane when scrolled back (its lasting number,
    /// `LogTail.number(ofIndex:)`, so lines arriving do not move the view); nil: following the tail.
    public var logAnchor: Int?
    /// Characters scrolled right (← →) in the log's lines and in the queue's long columns
    /// (id, error, output), so what a narrow screen cuts off can be read.
    public var logShift = 0
    public var queueShift = 0
    public var logSearch = ""
    /// The log line a search found, highlighted (its lasting number, `LogTail.number(ofIndex:)`).
    public var logMatch: Int?
    public var readonly = false
    public var themeName = "default"
    /// Actions sent to the background and not answered yet.
    public var busy: String?

    public init() {}

    public struct Message {
        public var text: String
        public var role: Role
        public var until: Date
    }

    public mutating func say(_ text: String, _ role: Role = .text, now: Date = Date(), seconds: Double = 6) {
        message = Message(text: text, role: role, until: now.addingTimeInterval(seconds))
    }
}

/// A question that needs y before anything is done; N (or anything else) is the answer by default.
public struct Confirmation {
    public var question: String
    /// What runs on y.
    public var action: PendingAction
}

public enum PendingAction {
    case control(ControlRequest.Command, targets: [String], done: String)
}

/// The details view of one task.
public struct DetailsState {
    public var key: TaskKey
    public var scroll = 0
    /// The pixel whose NDVI series is drawn (row, column on the image's grid).
    /// (-1, -1) until the first series names the middle of the grid.
    public var pixel: (row: Int, col: Int) = (-1, -1)
    public var series: PixelSeries?
    public var seriesProblem: String?
    /// Read when the view opens (and again on each refresh while it is open).
    public var record: TaskRecord?
    public var journal: [JournalEntry] = []
    public var outputs: [(path: String, bytes: Int64)] = []
    public init(key: TaskKey) { self.key = key }
}

/// A pixel's NDVI through time, for the details view's chart.
public struct PixelSeries: Sendable {
    public struct Point: Sendable { public var date: Date; public var value: Double?; public init(date: Date, value: Double?) { self.date = date; self.value = value } }
    /// Observed NDVI per date (nil: cloudy or no data at that date).
    public var observed: [Point]
    /// Gap-filled values, once a gap-filling stage made them.
    public var filled: [Point]
    public var gridRows: Int
    public var gridCols: Int
    /// The pixel read.
    public var row: Int
    public var col: Int
    public init(observed: [Point], filled: [Point] = [], gridRows: Int, gridCols: Int, row: Int, col: Int) {
        self.observed = observed; self.filled = filled; self.gridRows = gridRows; self.gridCols = gridCols
        self.row = row; self.col = col
    }
}

/// The repair wizard: one page per inconsistency class, then the diff, then the question.
public struct WizardState {
    public enum Phase { case inspecting, review, applying, done(String), failed(String) }
    public var phase: Phase = .inspecting
    public var pages: [WizardPage] = []
    public var page = 0
    public var scroll = 0
    /// Whether the plan changes anything (an empty one has nothing to apply).
    public var canApply = false
    public init() {}
}

public struct WizardPage: Sendable {
    public var title: String
    public var lines: [String]
    public init(title: String, lines: [String]) { self.title = title; self.lines = lines }
}

/// What the wizard shows of a repair plan (built by whoever inspects the store).
public struct RepairPreview: Sendable {
    public var pages: [WizardPage]
    public var changeCount: Int
    public init(pages: [WizardPage], changeCount: Int) { self.pages = pages; self.changeCount = changeCount }
}
