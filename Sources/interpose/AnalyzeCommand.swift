import ArgumentParser
import InterposeAnalysis

/// `interpose analyze FILE`: reads a pcap or pcapng file, rebuilds its TCP conversations and
/// reports them with their findings.
///
/// Exit status: 0 without error findings, 1 with, 2 when the file cannot be read at all.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Summarise the TCP conversations and problems in a pcap or pcapng file.",
        discussion: """
            Reads any pcap or pcapng file (tcpdump, Wireshark, a traffic mirror, an Interpose capture), \
            rebuilds every TCP conversation and lists it with its state, sizes and findings \
            (gaps, retransmissions with different bytes, truncation). Exit status 1 when a finding is an error.
            """
    )

    @Argument(help: "The capture file (pcap or pcapng).")
    var file: String

    @Flag(help: "Print one JSON document (connections and findings) instead of the table.")
    var json = false

    @Option(help: "A BPF filter expression (as for tcpdump); only matching packets are analysed.")
    var filter: String?

    @Option(name: .customLong("protocol"), help: "The application protocol: auto, http1, http2, redis, postgres or raw.")
    var protocolName = "auto"

    @Flag(help: "List every conversation and finding (the table stops at 200 of each).")
    var all = false

    func validate() throws {
        guard ["auto", "http1", "http2", "redis", "postgres", "raw"].contains(protocolName) else {
            throw ValidationError("--protocol must be auto, http1, http2, redis, postgres or raw, not '\(protocolName)'")
        }
    }

    func run() throws {
        AllocatorTuning.tuneForStreaming()
        let bar = TerminalProgressBar(label: "reading \(file)")
        let report = try CaptureAnalyzer.analyze(
            path: file, filter: filter, protocolOverride: protocolName == "auto" ? nil : protocolName,
            progress: bar.map { bar in
                { done, total in if total >= 64 << 20 { bar.update(done: done, total: total) } }
            })
        bar?.finish()
        if json {
            print(report.renderJSON())
        } else {
            print(report.renderText(limit: all ? nil : 200), terminator: "")
        }
        if report.hasErrors { throw ExitCode(1) }
    }
}
