import Foundation

/// The unit of a block stage (gap filling, productivity): an area over the extended date
/// range, whose inputs are tasks of every image in it.
public struct AreaBlock: Sendable, Equatable {
    /// Unique among blocks, without '/' (it names output folders and task keys).
    public var id: String
    public var tile: String
    /// GeoJSON geometry text in EPSG:4326 (for display and the store's footprint column).
    public var footprint: String
    /// The block's first acquisition (the store orders tasks by it).
    public var start: Date
    public var imageIds: [String]

    public init(id: String, tile: String, footprint: String, start: Date, imageIds: [String]) {
        self.id = id; self.tile = tile; self.footprint = footprint; self.start = start; self.imageIds = imageIds
    }
}

/// Splits the wanted images into blocks. The gap-filling stage decides its blocks (tiles cut
/// into windows that fit in memory); the core only needs the list.
public protocol BlockPlanner: Sendable {
    func blocks(of images: [CatalogImage]) -> [AreaBlock]
}

/// One block per MGRS tile: every image of the tile over the extended date range.
public struct TileBlockPlanner: BlockPlanner {
    public init() {}
    public func blocks(of images: [CatalogImage]) -> [AreaBlock] {
        let byTile = Dictionary(grouping: images, by: \.tile)
        return byTile.keys.sorted().map { tile in
            let members = byTile[tile]!.sorted { ($0.acquired, $0.id) < ($1.acquired, $1.id) }
            return AreaBlock(id: "T\(tile.isEmpty ? "unknown" : tile)", tile: tile, footprint: members[0].footprint,
                             start: members[0].acquired, imageIds: members.map(\.id))
        }
    }
}
