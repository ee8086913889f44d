import ArgumentParser
import InterposeAnalysis
import InterposeReplay

/// `interpose diff A B`: two captures of the same client traffic compared exchange by exchange.
///
/// Exit status: 0 when every exchange is the same, 1 when any differs, is missing or extra, 2 when a
/// file cannot be read at all.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two captures of the same client traffic, request by request.",
        discussion: """
            Pairs the conversations of A and B by server port and start order, and their requests in order, \
            and says for each exchange: same (same request, status and response content), differs (and what: \
            status 200 -> 404, body changed, request differs), missing (in A, not in B) or extra (in B, not in A). \
            Exit status 1 when anything is not the same.
            """
    )

    @Argument(help: "The old capture (pcap or pcapng).")
    var a: String

    @Argument(help: "The new capture.")
    var b: String

    @Flag(help: "Print one JSON document with the summary and every exchange instead of the tables.")
    var json = false

    @OptionGroup var dissection: DissectionOptions

    @Flag(help: "List every difference (the table stops at 200).")
    var all = false

    func run() throws {
        AllocatorTuning.tuneForStreaming()
        let report = try CaptureDiff.compare(
            pathA: a, pathB: b, filter: dissection.filter, forced: try dissection.forced(),
            portHints: try dissection.portHints())
        if json {
            print(report.renderJSON())
        } else {
            print(report.renderText(limit: all ? nil : 200), terminator: "")
        }
        if report.hasDifferences { throw ExitCode(1) }
    }
}
