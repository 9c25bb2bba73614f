// swift-tools-version:6.0
// verdant: Sentinel-2 cloud masking, gap filling and productivity maps, on this machine or on
// Google Earth Engine. Module boundaries follow ../shared/docs/architecture.md (see README).
import PackageDescription

let package = Package(
    name: "verdant",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "verdant", targets: ["verdant"]),
        .executable(name: "verdant-bench", targets: ["verdant-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/CoreOffice/XMLCoder", from: "0.18.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // GDAL's C API, found through pkg-config (Debian: libgdal-dev).
        .systemLibrary(name: "CGDAL", path: "Sources/CGDAL", pkgConfig: "gdal",
                       providers: [.apt(["libgdal-dev"])]),
        // No UI and no I/O library: parameters, records, state machine, scheduler, protocols.
        .target(name: "VerdantCore", dependencies: [.product(name: "Logging", package: "swift-log")]),
        // parameters.toml -> Parameters (TOMLKit), with file:line in every error.
        .target(name: "VerdantConfig", dependencies: ["VerdantCore", "TOMLKit"]),
        // StatusStore on SQLite through GRDB (WAL, migrations, journal).
        .target(name: "VerdantStore", dependencies: ["VerdantCore", .product(name: "GRDB", package: "GRDB.swift")]),
        // posix_spawn extensions Swift's Glibc module does not import (closefrom in the child).
        .target(name: "CSpawnShim"),
        // libcurl's variadic curl_easy_setopt/getinfo as typed C functions Swift can call.
        .target(name: "CCurlShim", linkerSettings: [.linkedLibrary("curl")]),
        // HTTP over libcurl: pooled handles (connection reuse, TLS), retries with backoff and
        // jitter honouring Retry-After, a request log without secrets.
        .target(name: "VerdantHTTP", dependencies: ["CCurlShim", .product(name: "Logging", package: "swift-log")]),
        // The Earth Engine REST client: credentials and tokens (RS256 JWT with swift-crypto),
        // assets, exports, operations, expression graphs; the Earth Engine `Engine`.
        .target(name: "VerdantEarthEngine", dependencies: [
            "VerdantCore", "VerdantHTTP", "VerdantMask", "VerdantFill", .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        // STAC API search (libcurl through VerdantHTTP), its listing recorded as a static
        // ItemCollection the local engine reads.
        .target(name: "VerdantStacAPI", dependencies: ["VerdantCore", "VerdantHTTP", "VerdantLocal"]),
        // A fake Earth Engine speaking the documented REST API on loopback, for tests and
        // benchmarks only (FlyingFox): tokens, assets, exports, operations, quotas, faults.
        .target(name: "FakeEarthEngine", dependencies: [
            "VerdantMask", .product(name: "FlyingFox", package: "FlyingFox"),
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        // A STAC API on loopback serving a static catalog's items and their files with range
        // requests, for tests and benchmarks only (FlyingFox): paging, faults, a request log.
        .target(name: "FakeStacAPI", dependencies: [.product(name: "FlyingFox", package: "FlyingFox")]),
        .executableTarget(name: "verdant-fake-ee", dependencies: [
            "FakeEarthEngine", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Everything that touches GDAL/OGR.
        .target(name: "VerdantRaster", dependencies: ["CGDAL"]),
        // Cloud tests as pure array code.
        .target(name: "VerdantMask", dependencies: []),
        // Gap filling and productivity metrics as pure array code: the harmonic cascade, the
        // other fill methods, their scores, seasons on a daily curve.
        .target(name: "VerdantFill", dependencies: []),
        // swift-log handlers: the log file, and stderr behind a gate a full-screen view closes.
        .target(name: "VerdantLogging", dependencies: [.product(name: "Logging", package: "swift-log")]),
        // What Swift cannot import from ncursesw (macros, variadic printing), as a few functions.
        .target(name: "CNcursesShim", linkerSettings: [.linkedLibrary("ncursesw")]),
        // The dashboard's look and keys without curses: colours, themes/*.toml, the keymap.
        .target(name: "VerdantStyle", dependencies: ["VerdantCore", "VerdantConfig", "TOMLKit"]),
        // The terminal through ncursesw: frames of styled cells, keys, signals, restore on crash.
        .target(name: "VerdantTerminal", dependencies: ["CNcursesShim", "VerdantStyle"]),
        // The dashboard: data read from the store and log, views drawn into frames, the key
        // controller; actions go through a backend the executable provides.
        .target(name: "VerdantDashboard", dependencies: ["VerdantCore", "VerdantStore", "VerdantStyle", "VerdantTerminal"]),
        // Stand-ins for tests and benchmarks (an in-memory engine); never in the product.
        .target(name: "VerdantTesting", dependencies: ["VerdantCore"]),
        // Local engine: worker pool, jobs gluing Raster + Mask, the STAC catalogs and SAFE products,
        // the band tables of collections/ (TOML).
        .target(name: "VerdantLocal", dependencies: ["VerdantCore", "VerdantRaster", "VerdantMask", "VerdantFill", "CSpawnShim", "TOMLKit"]),
        // Repair: the store against the engine's task list and the outputs, classified, fixed
        // in one transaction after a backup. No ArgumentParser: the dashboard's wizard calls it.
        .target(name: "VerdantRepair", dependencies: ["VerdantCore", "VerdantStore", "VerdantLocal", "VerdantRaster"]),
        // The original tool's status file (Name, Result, Task_id): xlsx (ZIPFoundation, XMLCoder)
        // and csv, written from the store and read into it through repair.
        .target(name: "VerdantStatusFile", dependencies: ["VerdantCore", "VerdantStore", "VerdantRepair",
                                                          "ZIPFoundation", "XMLCoder"]),
        .executableTarget(name: "verdant", dependencies: [
            "VerdantCore", "VerdantConfig", "VerdantStore", "VerdantLocal", "VerdantLogging", "VerdantRepair", "VerdantStatusFile",
            "VerdantStyle", "VerdantTerminal", "VerdantDashboard", "VerdantMask", "VerdantFill", "VerdantRaster",
            "VerdantEarthEngine", "VerdantHTTP", "VerdantStacAPI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "verdant-bench", dependencies: [
            "VerdantCore", "VerdantStore", "VerdantTesting", "VerdantMask", "VerdantFill", "VerdantRaster", "VerdantLocal",
            "VerdantStyle", "VerdantTerminal", "VerdantDashboard", "VerdantEarthEngine", "VerdantHTTP", "FakeEarthEngine",
            "VerdantStacAPI", "FakeStacAPI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .testTarget(name: "VerdantTests", dependencies: [
            "VerdantCore", "VerdantTesting", "VerdantLogging", .product(name: "Logging", package: "swift-log"), "VerdantConfig", "VerdantStore", "VerdantRaster", "VerdantMask", "VerdantFill", "VerdantLocal",
            "VerdantStyle", "VerdantTerminal", "VerdantDashboard", "VerdantRepair", "VerdantStatusFile", "ZIPFoundation",
            "VerdantHTTP", "VerdantEarthEngine", "FakeEarthEngine", "VerdantStacAPI", "FakeStacAPI", .product(name: "FlyingFox", package: "FlyingFox"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
    ]
)
