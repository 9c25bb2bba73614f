import Foundation
import Testing
import VerdantCore

/// `area.geometry` polygons whose edges cross or touch, read through the parameters file: the
/// issue names the file, the line, the ring, and the two edges with their coordinates.
@Suite("area.geometry must be a simple polygon")
struct AreaGeometryTests {
    /// The one issue for `geometry`, already checked to be on the geometry line of the file.
    func onlyIssue(_ geometry: String) throws -> (issue: ParameterIssue, place: String) {
        let (text, lines) = SampleDocument.make(["area.geometry": geometry])
        let (path, found) = try issues(text)
        try #require(found.count == 1, "\(found)")
        let line = try #require(lines["area.geometry"])
        #expect(found[0].file == path)
        #expect(found[0].line == line)
        return (found[0], "\(path):\(line)")
    }

    @Test func aSymmetricBowTieIsNotBlamedOnItsArea() throws {
        // Both lobes the same size: the signed area is 0, which used to read "points on one line".
        let (issue, place) = try onlyIssue("[[[-4.0, 56.0], [-3.5, 56.3], [-3.5, 56.0], [-4.0, 56.3], [-4.0, 56.0]]]")
        #expect(issue.description == "\(place): area.geometry ring 0: expected a simple ring (edges must not cross or touch), "
            + "found edge 0 ([-4.0, 56.0] → [-3.5, 56.3]) crossing edge 2 ([-3.5, 56.0] → [-4.0, 56.3])")
    }

    @Test func aBowTieWithACounterClockwiseAreaIsRefused() throws {
        // Signed area +0.5: the winding check alone accepted this ring.
        let (issue, _) = try onlyIssue("[[[10, 45], [13, 45], [13, 47], [11, 44], [10, 45]]]")
        #expect(issue.key == "area.geometry ring 0")
        #expect(issue.expected == "a simple ring (edges must not cross or touch)")
        #expect(issue.found == "edge 0 ([10.0, 45.0] → [13.0, 45.0]) crossing edge 2 ([13.0, 47.0] → [11.0, 44.0])")
    }

    @Test func aRingTouchingItselfAtAVertex() throws {
        // A figure eight through [11, 46]: two counter-clockwise triangles sharing one point.
        let (issue, _) = try onlyIssue("[[[10, 45], [12, 45], [11, 46], [12, 47], [10, 47], [11, 46], [10, 45]]]")
        #expect(issue.key == "area.geometry ring 0")
        #expect(issue.expected == "a simple ring (edges must not cross or touch)")
        #expect(issue.found == "edge 1 ([12.0, 45.0] → [11.0, 46.0]) touching edge 4 ([10.0, 47.0] → [11.0, 46.0]) at [11.0, 46.0]")
    }

    @Test func aVertexOnAnotherEdge() throws {
        // [12, 45] lies inside edge 0.
        let (issue, _) = try onlyIssue("[[[10, 45], [14, 45], [14, 47], [12, 45], [10, 47], [10, 45]]]")
        #expect(issue.found == "edge 0 ([10.0, 45.0] → [14.0, 45.0]) touching edge 2 ([14.0, 47.0] → [12.0, 45.0]) at [12.0, 45.0]")
    }

    @Test func aSpikeDoublingBackOverItsEdge() throws {
        // Edge 1 goes to [13, 45] and edge 2 comes back along it to [12, 45].
        let (issue, _) = try onlyIssue("[[[10, 45], [11, 45], [13, 45], [12, 45], [12, 47], [10, 47], [10, 45]]]")
        #expect(issue.found == "edge 1 ([11.0, 45.0] → [13.0, 45.0]) overlapping edge 2 ([13.0, 45.0] → [12.0, 45.0])")
    }

    @Test func aFlatRingIsToldAsSuchNotAsOverlappingEdges() throws {
        let (issue, _) = try onlyIssue("[[[10, 45], [11, 45], [12, 45], [10, 45]]]")
        #expect(issue.expected == "a ring enclosing an area")
        #expect(issue.found == "points on one line")
    }

    @Test func aHoleCrossingTheOuterRing() throws {
        let outer = "[[10, 45], [12, 45], [12, 47], [10, 47], [10, 45]]"
        let hole = "[[11, 46], [11, 46.5], [13, 46.5], [13, 46], [11, 46]]"  // clockwise, sticking out east
        let (issue, place) = try onlyIssue("[\(outer), \(hole)]")
        #expect(issue.description == "\(place): area.geometry ring 1: expected a hole that neither crosses nor touches the outer ring (ring 0), "
            + "found edge 1 ([11.0, 46.5] → [13.0, 46.5]) crossing edge 1 of ring 0 ([12.0, 45.0] → [12.0, 47.0])")
    }

    @Test func aHoleOutsideTheOuterRing() throws {
        let outer = "[[10, 45], [12, 45], [12, 47], [10, 47], [10, 45]]"
        let hole = "[[20, 46], [20, 46.5], [21, 46.5], [21, 46], [20, 46]]"
        let (issue, _) = try onlyIssue("[\(outer), \(hole)]")
        #expect(issue.key == "area.geometry ring 1")
        #expect(issue.expected == "a hole inside the outer ring (ring 0)")
        #expect(issue.found == "point 0 = [20.0, 46.0] outside it")
    }

    @Test func aConcavePolygonWithAHoleStillLoads() throws {
        // A U open to the north, with a collinear vertex and a repeated point on its south edge
        // (both harmless), and a clockwise hole in its base.
        let outer = "[[10, 45], [11.5, 45], [13, 45], [13, 45], [13, 47], [12, 47], [12, 46], [11, 46], [11, 47], [10, 47], [10, 45]]"
        let hole = "[[10.2, 45.2], [10.2, 45.5], [12.8, 45.5], [12.8, 45.2], [10.2, 45.2]]"
        let (text, _) = SampleDocument.make(["area.geometry": "[\(outer), \(hole)]"])
        let (_, found) = try issues(text)
        #expect(found == [])
    }

    /// `points` vertices around (10, 45), at radii from `radius(angle)`, closed.
    static func ring(points: Int, radius: (Double) -> Double) -> [[Double]] {
        var ring = (0..<points).map { k -> [Double] in
            let angle = 2 * Double.pi * Double(k) / Double(points)
            return [10 + radius(angle) * cos(angle), 45 + radius(angle) * sin(angle)]
        }
        ring.append(ring[0])
        return ring
    }

    /// Point 2500 of 5000 (due west) moved out beyond the east side: its edges cross there.
    static func crossed(_ ring: [[Double]]) -> [[Double]] {
        var crossed = ring
        crossed[2500] = [11.5, 45.0]
        return crossed
    }

    static func expectCrossingOfEdges0And2499(_ issues: [ParameterIssue]) throws {
        try #require(issues.count == 1)
        #expect(issues[0].expected == "a simple ring (edges must not cross or touch)")
        let found = issues[0].found ?? ""
        #expect(found.hasPrefix("edge 0 (") && found.contains(" crossing edge 2499 ("), "\(found)")
    }

    @Test func aCoastlineOfThousandsOfPoints() throws {
        // Wiggles at two scales, like a traced shore. (In a debug build the sweep took 0.015 s a
        // ring, comparing all 12.5 million pairs of edges 0.68 s, measured 2026-12-02; speed is
        // not asserted here: tests assert behaviour.)
        let shore = Self.ring(points: 5000) { 1 + 0.05 * sin(37 * $0) + 0.02 * sin(301 * $0) }
        #expect(Parameters.polygonIssues([shore], key: "area.geometry") == [])
        try Self.expectCrossingOfEdges0And2499(Parameters.polygonIssues([Self.crossed(shore)], key: "area.geometry"))
    }

    @Test func aStarConcaveAtEveryVertex() throws {
        // 2500 spikes: the edges' extents overlap heavily, the worst case for the sweep.
        let star = Self.ring(points: 5000) { _ in 1 }.enumerated().map { k, p in
            k % 2 == 0 ? p : [10 + 0.6 * (p[0] - 10), 45 + 0.6 * (p[1] - 45)]
        }
        #expect(Parameters.polygonIssues([star], key: "area.geometry") == [])
        try Self.expectCrossingOfEdges0And2499(Parameters.polygonIssues([Self.crossed(star)], key: "area.geometry"))
    }
}
