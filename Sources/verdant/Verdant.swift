import ArgumentParser

@main
struct Verdant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verdant",
        abstract: "Cloud masks for Sentinel-2 images, run as tasks on this machine or on Earth Engine.",
        discussion: "Parameters come from parameters.toml (see `verdant init`). Exit codes of every command: \(ExitStatus.table).",
        subcommands: [Init.self, Check.self, Run.self, Demo.self, Status.self, Cancel.self, Retry.self, Release.self, Pause.self, Resume.self, JobCommand.self]
    )
}
