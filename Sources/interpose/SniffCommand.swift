import ArgumentParser
import Dispatch
import InterposeAnalysis
import InterposeCore
import InterposeReader

#if canImport(Glibc)
    import Glibc
#endif

/// `interpose sniff --interface IF`: passive capture from a network interface, analysed as
/// `analyze` (or with `--check`, `check`) analyses a file.
///
/// Exit status: 0 without error findings, 1 with (as for `analyze` and `check`), 2 when the capture
/// cannot start.
struct SniffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sniff",
        abstract: "Capture live traffic from an interface and report its conversations, messages and problems.",
        discussion: """
            Captures with libpcap (immediate mode, 256 KiB snap length, 16 MiB buffer, nanosecond timestamps) \
            and reads the packets as analyze reads a file. Stops on Ctrl-C/SIGTERM, after --duration or after \
            --count packets, then prints the analyze report (with --check, the check report); exit status 1 on error \
            findings and libpcap's drop counters. --capture also writes the packets, byte for byte, to a pcapng \
            file whose final Interface Statistics Block carries the drop counts (and a comment with them).
            """
    )

    @Option(help: ArgumentHelp("The interface to capture on (lo, eth0...).", valueName: "IF"))
    var interface: String

    @Option(help: "A BPF filter expression (as for tcpdump), run in the kernel.")
    var filter: String?

    @Option(help: ArgumentHelp("Also write the captured packets to this pcapng file.", valueName: "FILE"))
    var capture: String?

    @Flag(help: "Print the check report instead of the analyze report.")
    var check = false

    @Option(
        help: ArgumentHelp("Stop after this many seconds (0.001 to 31536000).", valueName: "SECONDS"),
        transform: NumberRange.sniffDuration.parser)
    var duration: Double?

    @Option(
        help: ArgumentHelp("Stop after this many packets (1 to 1000000000000).", valueName: "N"),
        transform: NumberRange.packetCount.parser)
    var count: Int?

    @Flag(help: "Print one JSON document instead of the tables.")
    var json = false

    @OptionGroup var protocols: ProtocolOptions

    func run() async throws {
        let forced = try protocols.forced()
        let hints = try protocols.portHints()
        let liveCapture = try LiveCapture(interface: interface, filter: filter, capturePath: capture)
        let stop = LiveCaptureStop()
        let waiter = SignalWaiter(signals: [SIGINT, SIGTERM])
        let signalTask = Task {
            await waiter.wait()
            stop.request()
        }
        var stderrStream = StandardError()
        print(
            "interpose: capturing on \(interface) (link type \(liveCapture.linkType)); Ctrl-C stops and reports",
            to: &stderrStream)
        let limits = LiveCaptureLimits(duration: duration, packetCount: count)
        let box = UncheckedBox(liveCapture)
        let report = await withCheckedContinuation { (continuation: CheckedContinuation<AnalysisReport, Never>) in
            // A queue of its own (a thread of its own): the capture blocks it until it stops.
            DispatchQueue(label: "interpose-sniff").async {
                continuation.resume(
                    returning: LiveAnalyzer.sniff(
                        box.value, forced: forced, portHints: hints, limits: limits, stop: stop))
            }
        }
        signalTask.cancel()
        if json {
            print(report.renderJSON())
        } else if check {
            print(report.renderCheckText(), terminator: "")
        } else {
            print(report.renderText(), terminator: "")
        }
        if let capture {
            print("interpose: wrote \(capture); its statistics block records the drops", to: &stderrStream)
        }
        if report.hasErrors { throw ExitCode(1) }
    }
}

/// Hands the capture, used by one thread at a time, to the capture thread.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
