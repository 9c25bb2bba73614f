import Dispatch
import Foundation
import VerdantMask
import VerdantRaster

/// Throughput of the Hollstein cloud tests (tree2 ∨ tree3) on real reflectances, I/O excluded:
/// the Slovenia 13-band scenes of `<dataDirectory>/eolearn_slovenia/reference*/`, repeated into
/// one buffer of over 20 million pixels, classified single-threaded and split across the cores.
/// The goal (issue brief) is ≥ 100 Mpx/s on 2 cores; numpy does 20–60.
func runHollsteinBenchmark(dataDirectory: String) throws {
    let scenes = try loadSloveniaScenes(dataDirectory: dataDirectory)
    let scenePixels = scenes.pixelCount
    let repeats = max(1, (20_000_000 + scenePixels - 1) / scenePixels)
    let bands = repeated(scenes, times: repeats)
    let cores = ProcessInfo.processInfo.activeProcessorCount
    print("hollstein  \(bands.pixelCount) px (\(scenePixels) real pixels × \(repeats)), \(cores) cores")

    let single = measure(bands, workers: 1)
    print(String(format: "hollstein  single-thread  %.1f Mpx/s", single))
    let parallel = measure(bands, workers: cores)
    print(String(format: "hollstein  parallel(%d)  %.1f Mpx/s  (goal >= 100)", cores, parallel))

    let mask = Hollstein.cloudMask(bands, workers: cores)
    let cloud = mask.lazy.filter { $0 == 1 }.count, nodata = mask.lazy.filter { $0 == Hollstein.nodata }.count
    print(String(format: "hollstein  cloud %.1f %%, nodata %.1f %% of the buffer",
                 100 * Double(cloud) / Double(mask.count), 100 * Double(nodata) / Double(mask.count)))
}

/// Best of several passes: the machine is shared, so the fastest pass is the one least disturbed.
private func measure(_ bands: ReflectanceBands, workers: Int, passes: Int = 7) -> Double {
    var best = Double.infinity
    var checksum = 0
    for _ in 0..<passes {
        let start = DispatchTime.now().uptimeNanoseconds
        let mask = Hollstein.cloudMask(bands, workers: workers)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        checksum &+= Int(mask[mask.count / 2])  // keeps the result observable
        best = min(best, seconds)
    }
    _ = checksum
    return Double(bands.pixelCount) / best / 1e6
}

/// Every 13-band scene (B01 … B12 in L1C order) under eolearn_slovenia/reference*/.
private func loadSloveniaScenes(dataDirectory: String) throws -> ReflectanceBands {
    let root = URL(fileURLWithPath: dataDirectory).appendingPathComponent("eolearn_slovenia")
    let folders = try FileManager.default.contentsOfDirectory(atPath: root.path)
        .filter { $0.hasPrefix("reference") }.sorted()
    // Positions of the tests' bands in the 13-band files.
    let positions = ["B1": 0, "B2": 1, "B3": 2, "B5": 4, "B6": 5, "B8A": 8, "B10": 10, "B11": 11, "B12": 12]
    var columns: [String: [Float]] = [:]
    for folder in folders {
        let directory = root.appendingPathComponent(folder)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where file.hasSuffix(".tif") {
            let scene = try RasterInfo.readAllBands(path: directory.appendingPathComponent(file).path)
            for (name, position) in positions { columns[name, default: []] += scene[position] }
        }
    }
    guard let bands = ReflectanceBands(byName: columns), bands.pixelCount > 0 else {
        throw RasterError.fileNotFound(path: root.appendingPathComponent("reference*/*.tif").path)
    }
    return bands
}

private func repeated(_ bands: ReflectanceBands, times: Int) -> ReflectanceBands {
    func tile(_ values: [Float]) -> [Float] {
        var result = [Float]()
        result.reserveCapacity(values.count * times)
        for _ in 0..<times { result += values }
        return result
    }
    return ReflectanceBands(b1: tile(bands.b1), b2: tile(bands.b2), b3: tile(bands.b3), b5: tile(bands.b5),
                            b6: tile(bands.b6), b8A: tile(bands.b8A), b10: tile(bands.b10),
                            b11: tile(bands.b11), b12: tile(bands.b12))
}
