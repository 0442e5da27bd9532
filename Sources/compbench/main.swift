import ArgumentParser

/// `compbench`: measurements of the broker's parts, one subcommand each.
struct CompBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compbench",
        abstract: "Benchmarks of the compensation broker's parts.",
        subcommands: [CodecBench.self, JournalBench.self, RetentionBench.self])
}

CompBench.main()
