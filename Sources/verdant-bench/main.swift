import Foundation

// verdant-bench: figures for the goals in the README. Usage:
//   verdant-bench scheduler [IMAGES] [NB_TASK_MAX]   (default 100000 30)
//   verdant-bench hollstein [DATA_DIR]               (default ../shared/data)
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "scheduler":
    let images = arguments.count > 1 ? Int(arguments[1]) ?? 100_000 : 100_000
    let nbTaskMax = arguments.count > 2 ? Int(arguments[2]) ?? 30 : 30
    try await runSchedulerBenchmark(images: images, nbTaskMax: nbTaskMax)
case "hollstein":
    try runHollsteinBenchmark(dataDirectory: arguments.count > 1 ? arguments[1] : "../shared/data")
default:
    FileHandle.standardError.write(Data("usage: verdant-bench scheduler [IMAGES] [NB_TASK_MAX] | hollstein [DATA_DIR]\n".utf8))
    exit(2)
}
