import ArgumentParser
import InterposeAnalysis
import InterposeCapture

#if canImport(Glibc)
    import Glibc
#endif

/// `interpose check FILE`: the conformance, ordering and completeness checks on a capture, for
/// people and for CI.
///
/// Exit status: 0 without error findings, 1 with, 2 when the file cannot be read at all.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the protocol conformance, ordering and completeness of the traffic in a capture.",
        discussion: """
            Reads the capture as analyze does and reports findings: malformed messages, requests without \
            responses, responses without requests or out of order, disconnects with requests in flight, retries, \
            version drift, error statuses by endpoint, TCP gaps and resets. Exit status 1 when any finding is an \
            error (warnings and info do not fail). --junit writes a JUnit XML file for CI.
            """
    )

    @Argument(help: "The capture file (pcap or pcapng).")
    var file: String

    @Flag(help: "Print one JSON document with the findings (and endpoints) instead of the tables.")
    var json = false

    @Option(help: ArgumentHelp("Also write JUnit XML: a test case per conversation.", valueName: "FILE"))
    var junit: String?

    @OptionGroup var dissection: DissectionOptions

    @Flag(help: "List every finding (the table stops at 200).")
    var all = false

    func run() throws {
        let report = try CaptureRun.analyze(file: file, dissection: dissection)
        if let junit {
            try TextFile.write(report.renderJUnit(), to: junit, flag: "--junit")
        }
        if json {
            print(report.renderJSON())
        } else {
            print(report.renderCheckText(limit: all ? nil : 200), terminator: "")
        }
        if report.hasErrors { throw ExitCode(1) }
    }
}

/// Writes a whole text file (`--junit`), with one clear line when it cannot. It quotes captured
/// traffic, so it is a private file: a regular file, mode 0600 (`PrivateFile`).
enum TextFile {
    static func write(_ text: String, to path: String, flag: String) throws {
        let descriptor: Int32
        do {
            descriptor = try PrivateFile.open(path, .truncate)
        } catch {
            throw CommandLineError("\(flag) \(path): cannot write: \(error.reason)")
        }
        var failure = Array(text.utf8).withUnsafeBytes { DescriptorWriter.writeAll(descriptor, $0).errno }
        // A full disk or a network file system may only say so when the file is closed.
        if close(descriptor) != 0 && failure == nil { failure = errno }
        if let failure {
            throw CommandLineError("\(flag) \(path): write failed: \(String(cString: strerror(failure)))")
        }
    }
}
