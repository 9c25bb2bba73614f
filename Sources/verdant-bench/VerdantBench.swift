import ArgumentParser
import Foundation

/// verdant-bench: the figures for the goals in the README, each printed with what it measured.
@main
struct VerdantBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verdant-bench",
        abstract: "Benchmarks printing verdant's figures (build with -c release).",
        subcommands: [SchedulerThroughput.self, SlotFilling.self, CycleCost.self, HollsteinThroughput.self, DashboardCost.self, CloudModelThroughput.self, GapFillThroughput.self, EarthEngineCost.self, StacCost.self])
}

struct SchedulerThroughput: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Bookkeeping with an instant engine: persisted transitions per second and peak RSS.")
    @Option(help: "Images in the store.") var images = 100_000
    @Option(name: .customLong("nb-task-max"), help: "Tasks in flight at once.") var nbTaskMax = 30
    @Option(help: "Stages: 1 (masks only, the foundation's figure) or 2 (masks then NDVI).") var stages = 1
    func validate() throws {
        guard (1...2).contains(stages) else { throw ValidationError("--stages is 1 or 2") }
    }
    func run() async throws { try await runSchedulerBenchmark(images: images, nbTaskMax: nbTaskMax, stages: stages) }
}

struct SlotFilling: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fill",
        abstract: "Time to fill the engine's slots with a slow, flaky engine (each call takes --latency; --unclear of the submissions get no clear answer).")
    @Option(help: "Slots to fill (nb_task_max).") var slots = 3000
    @Option(help: "Seconds per engine call.") var latency = 0.3
    @Option(help: "Share of submissions answered unclearly (transient errors).") var unclear = 0.1
    @Option(help: "Submissions on their way at once.") var concurrency = 24
    func run() async throws {
        try await runFillBenchmark(slots: slots, latency: latency, unclear: unclear, concurrency: concurrency)
    }
}

struct CycleCost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cycle",
        abstract: "Scheduler cost of one cycle (poll, promote, admission, run state) with many tasks in flight in a large store.")
    @Option(help: "Images in the store.") var images = 100_000
    @Option(name: .customLong("in-flight"), help: "Tasks in flight.") var inFlight = 3000
    @Option(help: "Cycles to time.") var cycles = 20
    func run() async throws { try await runCycleBenchmark(images: images, inFlight: inFlight, cycles: cycles) }
}

struct HollsteinThroughput: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hollstein",
        abstract: "The Hollstein cloud tests in pixels per second on the real 13-band scenes, I/O excluded.")
    @Argument(help: "The shared data folder.") var data = "../shared/data"
    func run() throws { try runHollsteinBenchmark(dataDirectory: data) }
}

struct CloudModelThroughput: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cloudmodel",
        abstract: "The full cloud model: one image at 30 m against its reads, and each stage in Mpx/s; dumps the arrays for Benchmarks/seed_model.py.")
    @Option(help: "The STAC catalog.") var catalog = "samples/catalog/catalog.json"
    @Option(help: "The model file.") var model = "models/cloud-forest.json"
    @Option(help: "The image to mask.") var image = "20150731T100009_20150731T100009_T33TVL"
    @Option(help: "Metres per pixel of the stage measurements.") var scale: Double = 10
    @Option(help: "Pixels of the tiled stage measurements, in millions.") var megapixels: Double = 1
    @Option(help: "Write the arrays here for the numpy implementation.") var dump: String?
    func run() throws {
        try runCloudModelBenchmark(catalog: catalog, model: model, imageId: image, scale: scale, megapixels: megapixels, dump: dump)
    }
}

struct StacCost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stac",
        abstract: "Real inputs over HTTP against the loopback STAC API: time to list --items items in pages of --page; bytes a mask job fetches per image against its band files.")
    @Option(help: "The static catalog the test API serves.") var samples = "samples/catalog"
    @Option(help: "The samples' land area.") var land = "samples/land.geojson"
    @Option(help: "Items to list (copies of the catalog's items).") var items = 1000
    @Option(help: "Items per page (Earth Search serves at most 100).") var page = 100
    @Option(help: "Metres per mask pixel.") var scale = 30.0
    @Flag(inversion: .prefixedNo, help: "Also a tile of real size (about 20 s to write with gdal_translate).") var fullTile = true
    @Flag(help: "Print each image's mask grid and each file's requests (range, status, bytes).") var perFile = false
    func run() async throws {
        try await runStacBenchmark(samples: samples, land: land, items: items, page: page, scale: scale, fullTile: fullTile, perFile: perFile)
    }
}
