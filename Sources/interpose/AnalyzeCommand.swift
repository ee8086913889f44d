import ArgumentParser
import InterposeAnalysis

/// `interpose analyze FILE`: reads a pcap or pcapng file, rebuilds its TCP conversations, reads
/// them as their protocols and reports them with their findings.
///
/// Exit status: 0 without error findings, 1 with, 2 when the file cannot be read at all.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Summarise the TCP conversations, messages and problems in a pcap or pcapng file.",
        discussion: """
            Reads any pcap or pcapng file (tcpdump, Wireshark, a traffic mirror, an Interpose capture), \
            rebuilds every TCP conversation, reads it as its protocol (HTTP/1, Redis, PostgreSQL...) and lists it \
            with its state, sizes, message counts, per-endpoint latency and findings. Exit status 1 when a finding \
            is an error.
            """
    )

    @Argument(help: "The capture file (pcap or pcapng).")
    var file: String

    @Flag(help: "Print one JSON document (connections, endpoints and findings) instead of the tables.")
    var json = false

    @OptionGroup var dissection: DissectionOptions

    @Flag(help: "List every conversation and finding (the table stops at 200 of each).")
    var all = false

    func run() throws {
        let report = try CaptureRun.analyze(file: file, dissection: dissection)
        if json {
            print(report.renderJSON())
        } else {
            print(report.renderText(limit: all ? nil : 200), terminator: "")
        }
        if report.hasErrors { throw ExitCode(1) }
    }
}
