import ArgumentParser

@main
struct Verdant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verdant",
        abstract: "Cloud masks for Sentinel-2 images, run as tasks on this machine or on Earth Engine.",
        discussion: "Parameters come from parameters.toml (see `verdant init`). Exit codes: 0 done, 1 some images failed or another run holds the store, 2 bad input.",
        subcommands: [Init.self, Check.self, Run.self, Demo.self, Status.self, Cancel.self, Pause.self, Resume.self, JobCommand.self]
    )
}
