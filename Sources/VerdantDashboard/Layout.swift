import VerdantTerminal

/// Where each pane goes for a screen size. 80×24 is the smallest; taller screens give the
/// queue most of the extra rows, the log a third.
public struct Layout: Equatable {
    public static let minRows = 24, minCols = 80
    public var header: Int
    public var footer: Int
    public var parameters: Rect
    public var states: Rect
    public var queue: Rect
    public var log: Rect
    /// The queue map (tiles down, dates across), on screens of 160×40 and more.
    public var map: Rect?

    public init?(rows: Int, cols: Int) {
        guard rows >= Self.minRows, cols >= Self.minCols else { return nil }
        header = 0; footer = rows - 1
        let body = rows - 2
        let top = max(7, min(12, body / 5))
        let logHeight = max(5, (body - top) / 3)
        let queueHeight = body - top - logHeight
        let paramsWidth = max(34, min(48, cols * 2 / 5))
        parameters = Rect(y: 1, x: 0, height: top, width: paramsWidth)
        if cols >= 160 && rows >= 40 {
            let statesWidth = 72
            states = Rect(y: 1, x: paramsWidth, height: top, width: statesWidth)
            map = Rect(y: 1, x: paramsWidth + statesWidth, height: top, width: cols - paramsWidth - statesWidth)
        } else {
            states = Rect(y: 1, x: paramsWidth, height: top, width: cols - paramsWidth)
        }
        queue = Rect(y: 1 + top, x: 0, height: queueHeight, width: cols)
        log = Rect(y: 1 + top + queueHeight, x: 0, height: logHeight, width: cols)
    }

    public func rect(_ pane: UIState.Pane) -> Rect {
        switch pane {
        case .parameters: return parameters
        case .states: return states
        case .queue: return queue
        case .log: return log
        }
    }

    /// Rows of the queue's list (inside the box, below the column headings).
    public var queueRows: Int { max(0, queue.height - 3) }
    public var logRows: Int { max(0, log.height - 2) }
}
