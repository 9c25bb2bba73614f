/// Where two edges of a polygon meet when they should not: a ring that crosses or touches
/// itself, or two rings sharing a point, is not a valid polygon (OGC Simple Features), and
/// GEOS either refuses it or gives meaningless intersections with the image footprints.
///
/// The check is stricter than OGC in one case: a hole touching another ring at a single point
/// is refused too, which keeps the check to "no two edges meet" and costs a user nothing but
/// moving that point.
enum PolygonSimplicity {
    struct Point: Equatable {
        var x, y: Double
    }

    /// How two edges meet.
    enum Contact: Equatable {
        /// The insides of both edges cross.
        case crossing
        /// The edges share exactly one point, an end of at least one of them.
        case touching(Point)
        /// The edges lie on one line and share a stretch of it.
        case overlapping
    }

    /// One edge of a ring: from point `index` to point `index + 1` of the ring as written.
    struct Edge {
        var index: Int
        var start, end: Point
        var minX, maxX, minY, maxY: Double

        init(index: Int, start: Point, end: Point) {
            self.index = index; self.start = start; self.end = end
            minX = min(start.x, end.x); maxX = max(start.x, end.x)
            minY = min(start.y, end.y); maxY = max(start.y, end.y)
        }
    }

    struct Meeting {
        var first: Edge
        var second: Edge
        var contact: Contact
    }

    /// The edges of a closed ring of [lon, lat] points. A point repeated right after itself is
    /// a zero-length edge, harmless and common in exported files: it is skipped, and each edge
    /// keeps its index in the ring as written so messages point at what the user typed.
    static func edges(_ ring: [[Double]]) -> [Edge] {
        var edges: [Edge] = []
        var start = Point(x: ring[0][0], y: ring[0][1])
        for i in 1..<ring.count {
            let end = Point(x: ring[i][0], y: ring[i][1])
            if end == start { continue }
            edges.append(Edge(index: i - 1, start: start, end: end))
            start = end
        }
        return edges
    }

    /// Whether every point of the ring lies on one line: it encloses nothing.
    static func isFlat(_ edges: [Edge]) -> Bool {
        guard let first = edges.first else { return true }
        return edges.allSatisfy { orientation(first.start, first.end, $0.end) == 0 }
    }

    /// The first place (in ring order) where a ring's edges meet other than at the vertex two
    /// consecutive edges share; nil for a simple ring. For a ring that is not flat.
    static func firstSelfMeeting(_ edges: [Edge]) -> Meeting? {
        guard edges.count >= 3 else { return nil }
        let last = edges.count - 1
        return firstMeeting(edges, edges, sameRing: true) { a, b, contact in
            // a < b in position; consecutive edges (and the last with the first) share a vertex.
            let consecutive = b == a + 1 || (a == 0 && b == last)
            guard consecutive else { return true }
            let shared = b == a + 1 ? edges[b].start : edges[a].start
            return contact != .touching(shared)
        }
    }

    /// The first place where two rings meet; nil when they share no point.
    static func firstMeeting(_ ring: [[Double]], _ other: [[Double]]) -> Meeting? {
        firstMeeting(edges(ring), edges(other), sameRing: false) { _, _, _ in true }
    }

    /// Candidate pairs come from a sweep along x (edges sorted by their left end, each compared
    /// only with the edges starting before it ends, then on y), so a ring drawn around an area
    /// costs far less than all pairs. The meeting reported is the one with the lowest pair of
    /// positions, whatever order the sweep finds them in.
    private static func firstMeeting(_ left: [Edge], _ right: [Edge], sameRing: Bool,
                                     counts: (Int, Int, Contact) -> Bool) -> Meeting? {
        // Side 0 is `left`, side 1 is `right` (not repeated when both are one ring).
        var swept = left.enumerated().map { SweptEdge(edge: $0.element, side: 0, position: $0.offset) }
        if !sameRing { swept += right.enumerated().map { SweptEdge(edge: $0.element, side: 1, position: $0.offset) } }
        swept.sort { $0.edge.minX < $1.edge.minX }

        var best: (Int, Int, Contact)?
        for k in swept.indices {
            let a = swept[k]
            var j = k + 1
            while j < swept.count, swept[j].edge.minX <= a.edge.maxX {
                let b = swept[j]
                j += 1
                if a.side == b.side && !sameRing { continue }
                if b.edge.minY > a.edge.maxY || b.edge.maxY < a.edge.minY { continue }
                guard let contact = contact(a.edge.start, a.edge.end, b.edge.start, b.edge.end) else { continue }
                // Positions in (left, right) order; for one ring, the smaller first.
                let (p, q) = sameRing ? (min(a.position, b.position), max(a.position, b.position))
                                      : (a.side == 0 ? (a.position, b.position) : (b.position, a.position))
                guard counts(p, q, contact) else { continue }
                if let current = best, (current.0, current.1) <= (p, q) { continue }
                best = (p, q, contact)
            }
        }
        return best.map { Meeting(first: left[$0.0], second: right[$0.1], contact: $0.2) }
    }

    private struct SweptEdge {
        var edge: Edge
        var side: Int
        var position: Int
    }

    /// How segments ab and cd meet, if they do. Orientation signs decide it; the products are
    /// of degrees (at most 360 × 180), far from where rounding could flip a sign that matters.
    static func contact(_ a: Point, _ b: Point, _ c: Point, _ d: Point) -> Contact? {
        let o1 = orientation(a, b, c), o2 = orientation(a, b, d)
        let o3 = orientation(c, d, a), o4 = orientation(c, d, b)
        if o1 == 0 && o2 == 0 {
            return collinearContact(a, b, c, d)
        }
        if o1 * o2 < 0 && o3 * o4 < 0 { return .crossing }
        if o1 == 0 && lies(c, within: a, b) { return .touching(c) }
        if o2 == 0 && lies(d, within: a, b) { return .touching(d) }
        if o3 == 0 && lies(a, within: c, d) { return .touching(a) }
        if o4 == 0 && lies(b, within: c, d) { return .touching(b) }
        return nil
    }

    /// -1, 0 or 1: the side of line pq on which r lies (1 = left, counter-clockwise).
    static func orientation(_ p: Point, _ q: Point, _ r: Point) -> Double {
        let cross = (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x)
        return cross > 0 ? 1 : (cross < 0 ? -1 : 0)
    }

    /// For a point already known to be on the line through a and b.
    static func lies(_ p: Point, within a: Point, _ b: Point) -> Bool {
        min(a.x, b.x) <= p.x && p.x <= max(a.x, b.x) && min(a.y, b.y) <= p.y && p.y <= max(a.y, b.y)
    }

    /// Two segments on one line: compare them along the axis where ab is longer.
    static func collinearContact(_ a: Point, _ b: Point, _ c: Point, _ d: Point) -> Contact? {
        let alongX = abs(b.x - a.x) >= abs(b.y - a.y)
        func t(_ p: Point) -> Double { alongX ? p.x : p.y }
        let low = max(min(t(a), t(b)), min(t(c), t(d)))
        let high = min(max(t(a), t(b)), max(t(c), t(d)))
        if low > high { return nil }
        if low < high { return .overlapping }
        let shared = [a, b].first { t($0) == low && lies($0, within: c, d) } ?? (t(c) == low ? c : d)
        return .touching(shared)
    }

    /// Whether p is inside the ring (even-odd rule), for a point known not to be on it.
    static func contains(_ ring: [[Double]], _ p: Point) -> Bool {
        var inside = false
        for edge in edges(ring) where (edge.start.y > p.y) != (edge.end.y > p.y) {
            let x = edge.start.x + (p.y - edge.start.y) / (edge.end.y - edge.start.y) * (edge.end.x - edge.start.x)
            if p.x < x { inside.toggle() }
        }
        return inside
    }
}
