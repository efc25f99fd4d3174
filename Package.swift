// swift-tools-version:6.1
import PackageDescription

/// casa-release: an event-sourced release ledger for BrainVISA's container and VM images.
///
/// Arrows point one way (see ARCHITECTURE.md): ReleaseLedger and Executors build on the pure
/// ReleaseStateMachine and never import each other; ReleaseDriver (the step loop) wires them
/// through protocols; the command line wires the driver to the real world.
let package = Package(
    name: "casa-release",
    products: [
        .executable(name: "casa-release", targets: ["casa-release"]),
        // The dashboard's server, which `casa-release serve` becomes; installed beside it.
        .executable(name: "casa-release-dashboard", targets: ["casa-release-dashboard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // Where a library loaded on first use is found (CCurl, CLibpq, COpenSSL): dlopen, once.
        .target(
            name: "CLibraryLoader"
        ),
        // libcurl, the system library, loaded on first use, for the transfers (Debian: libcurl4;
        // headers: libcurl4-openssl-dev).
        .target(
            name: "CCurl",
            dependencies: ["CLibraryLoader"]
        ),
        // libpq, PostgreSQL's own client library, loaded on first use, for the PostgreSQL ledger
        // (Debian: libpq5; headers: libpq-dev).
        .target(
            name: "CLibpq",
            dependencies: ["CLibraryLoader"]
        ),
        // OpenSSL's libcrypto, the system library, loaded on first use (Debian: libssl3; headers:
        // libssl-dev).
        .target(
            name: "COpenSSL",
            dependencies: ["CLibraryLoader"]
        ),
        // SHA-256 and MD5 as Swift values, over COpenSSL.
        .target(
            name: "Hashing",
            dependencies: ["COpenSSL"]
        ),
        // Release keys (ECDSA P-256), their files, and DSSE envelopes, over COpenSSL's EVP.
        .target(
            name: "Signing",
            dependencies: ["COpenSSL", "Hashing", "ReleaseStateMachine"]
        ),
        // Starts tools as children that die with casa-release (own process group, PR_SET_PDEATHSIG):
        // fork and prctl are not reachable from Swift, and Foundation's Process sets neither.
        .target(
            name: "CProcessControl"
        ),
        .target(
            name: "ReleaseStateMachine"
        ),
        .target(
            name: "ReleaseLedger",
            dependencies: [
                "ReleaseStateMachine",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The C API, for what GRDB does not wrap (SQLITE_FCNTL_HAS_MOVED).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                "Hashing",
                "CLibpq",
            ],
            plugins: ["EmbedMigrations"]
        ),
        .target(
            name: "Executors",
            dependencies: [
                "ReleaseStateMachine",
                "CCurl",
                "CProcessControl",
                "Hashing",
                "Signing",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // The step loop, lease, reconcile and rollback: a library whose effects, clock and
        // identity come through protocols, so that tests drive it in process.
        .target(
            name: "ReleaseDriver",
            dependencies: ["ReleaseStateMachine", "ReleaseLedger", "Executors", "Signing"]
        ),
        // The release dashboard (`casa-release serve`, `report --html`): pages read from the
        // ledger, rendered with every value escaped, and served read-only.
        .target(
            name: "Dashboard",
            dependencies: ["ReleaseLedger", "ReleaseStateMachine"]
        ),
        // The program `serve` becomes (exec): the dashboard's HTTP server. A program of its own
        // because FlyingFox brings Foundation's networking, which links libcurl, and casa-release
        // loads libcurl only when it transfers (CCurl), to start fast.
        .executableTarget(
            name: "casa-release-dashboard",
            dependencies: [
                "Dashboard", "ReleaseLedger", "ReleaseStateMachine",
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
            ],
            linkerSettings: [.unsafeFlags(["-Xlinker", "--no-export-dynamic"])]
        ),
        .executableTarget(
            name: "casa-release",
            dependencies: [
                "Dashboard",
                "ReleaseDriver",
                "ReleaseStateMachine",
                "ReleaseLedger",
                "Executors",
                "Signing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // swiftc links executables with --export-dynamic: every public symbol of every module
            // (16,000) went into the dynamic symbol table, which the loader and the runtime's
            // dladdr at start walk for nothing (no library looks them up): 0.4 ms of every start.
            linkerSettings: [.unsafeFlags(["-Xlinker", "--no-export-dynamic"])]
        ),
        // Turns Migrations/*.sql into Swift string literals, so the binary carries its schema.
        .executableTarget(
            name: "MigrationEmbedder",
            path: "Plugins/MigrationEmbedder"
        ),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["MigrationEmbedder"]
        ),
        .executableTarget(
            name: "ledger-append-benchmark",
            dependencies: ["ReleaseLedger", "ReleaseStateMachine"],
            path: "Benchmarks/LedgerAppendBenchmark"
        ),
        // Builds a ledger of 100,000 runs through the ledger's API and times provenance, audit and status.
        .executableTarget(
            name: "provenance-benchmark",
            dependencies: ["ReleaseLedger", "ReleaseStateMachine"],
            path: "Benchmarks/ProvenanceBenchmark"
        ),
        .testTarget(
            name: "ReleaseStateMachineTests",
            dependencies: ["ReleaseStateMachine"]
        ),
        .testTarget(
            name: "ReleaseLedgerTests",
            dependencies: ["ReleaseLedger", "ReleaseStateMachine", "TestSupport"]
        ),
        .testTarget(
            name: "HashingTests",
            dependencies: ["Hashing"]
        ),
        .testTarget(
            name: "SigningTests",
            dependencies: ["Signing", "Hashing", "TestSupport"]
        ),
        .testTarget(
            name: "ExecutorsTests",
            dependencies: ["Executors", "ReleaseStateMachine", "Hashing"]
        ),
        // What several test targets start: the PostgreSQL server of the tests and the store a test
        // process keeps its ledgers in, free ports, process trees. Used by tests only.
        .target(
            name: "TestSupport",
            // CProcessControl: the test servers are started with nothing of the test process.
            dependencies: ["CProcessControl", "ReleaseLedger"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "ReleaseDriverTests",
            dependencies: [
                "ReleaseDriver", "ReleaseLedger", "ReleaseStateMachine", "Executors", "Signing", "Hashing", "TestSupport",
            ]
        ),
        .testTarget(
            name: "DashboardTests",
            dependencies: ["Dashboard", "ReleaseLedger", "ReleaseStateMachine"]
        ),
        // The command line's own parts (its parsing, its catalog) in process.
        .testTarget(
            name: "CommandLineTests",
            dependencies: [
                "casa-release",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "casa-release", "casa-release-dashboard", "ReleaseLedger", "ReleaseStateMachine", "CProcessControl", "Hashing", "TestSupport",
            ]
        ),
    ],
    swiftLanguageModes: [.v5]
)
