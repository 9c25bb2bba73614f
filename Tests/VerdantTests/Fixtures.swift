import Foundation
import VerdantCore
import VerdantStore

/// Temporary folders and small stores shared by the tests.
enum Fixtures {
    static func temporaryDirectory(_ name: String = "verdant") -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The repository root (for samples/ and parameters.toml).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func imageId(_ n: Int) -> String {
        String(format: "20170101T1000%02d_20170101T1000%02d_T33TVL_%05d", n % 60, n % 60, n)
    }

    /// A store in a fresh folder with `count` images QUEUED.
    static func queuedStore(count: Int) throws -> (SQLiteStatusStore, URL) {
        let dir = temporaryDirectory("store")
        let store = try SQLiteStatusStore(path: dir.appendingPathComponent("status.sqlite").path)
        let start = Date(timeIntervalSince1970: 1_483_264_800)
        let images = (0..<count).map { n in
            DiscoveredImage(record: ImageRecord(id: imageId(n), acquired: start.addingTimeInterval(Double(n) * 86400),
                                                tile: "33TVL", footprint: "{}", cloudCover: nil,
                                                source: "item-\(n).json", state: .queued), reason: "test")
        }
        try store.register(images)
        return (store, dir)
    }
}
