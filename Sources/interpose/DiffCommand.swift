import ArgumentParser
import InterposeAnalysis
import InterposeReplay

/// `interpose diff A B`: two captures of the same client traffic compared message by message, with
/// the noise rules and the report of `interpose replay`.
///
/// Exit status: 0 when nothing regressed, 1 when any message differs, is missing or extra, 2 when a
/// file cannot be read at all.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two captures of the same client traffic, message by message.",
        discussion: """
            Pairs the conversations of A and B by server port and start order, and their requests in order, \
            and compares each response field by field as `interpose replay` does (HTTP status, headers, JSON by \
            path; Redis replies; PostgreSQL rows and errors; raw bytes): same, differs (with the fields), missing \
            (in A, not in B) or extra (in B, not in A). --ignore rules cancel noise. Exit status 1 when anything \
            is not the same.
            """
    )

    @Argument(help: "The old capture (pcap or pcapng).")
    var a: String

    @Argument(help: "The new capture.")
    var b: String

    @OptionGroup var comparison: ComparisonOptions

    @OptionGroup var dissection: DissectionOptions

    func run() throws {
        AllocatorTuning.tuneForStreaming()
        let report = try CaptureDiff.compare(
            pathA: a, pathB: b, filter: dissection.filter, forced: try dissection.forced(),
            portHints: try dissection.portHints(), rules: try comparison.rules(),
            latencyThreshold: comparison.latencyThreshold / 100, schema: try comparison.schema())
        try comparison.finish(report)
    }
}
