import ArgumentParser
import InterposeCore
import InterposeProtocols
import InterposeReplay

/// The flags `replay` and `diff` share: noise rules, the latency threshold and where the report goes.
struct ComparisonOptions: ParsableArguments {
    @Option(
        name: .customLong("ignore"),
        help: ArgumentHelp(
            "A field that is noise: header:NAME, json:$.PATH, field:PATH or regex:PATTERN (repeatable).",
            valueName: "RULE"))
    var ignore: [String] = []

    @Option(help: ArgumentHelp("Noise rules, one per line (# comments).", valueName: "FILE"))
    var ignoreFile: String?

    @Option(
        help: ArgumentHelp(
            "gRPC message fields by name: a FileDescriptorSet (protoc --include_imports -o FILE).",
            valueName: "FILE"))
    var protoDescriptor: String?

    @Option(
        help: ArgumentHelp(
            "Warn when p50 or p99 latency grew by more than this (0 to 1000000; default 20).", valueName: "PERCENT"),
        transform: NumberRange.latencyThreshold.parser)
    var latencyThreshold = 20.0

    @Option(help: ArgumentHelp("Write report.json, junit.xml and report.html here.", valueName: "DIR"))
    var report: String?

    @Flag(help: "Print report.json to standard output instead of the tables.")
    var json = false

    @Flag(help: "List every difference (the table stops at 200).")
    var all = false

    /// The rules of `--ignore` and `--ignore-file`.
    func rules() throws -> NoiseRules {
        var rules = try NoiseRules(ignore)
        if let ignoreFile { rules = rules + (try NoiseRules.load(file: ignoreFile)) }
        return rules
    }

    /// The schemas of `--proto-descriptor`; none without it.
    func schema() throws -> ContentSchema {
        guard let protoDescriptor else { return .none }
        do {
            return ContentSchema(protobuf: try ProtobufSchema(contentsOf: protoDescriptor))
        } catch {
            throw CommandLineError("--proto-descriptor: \(error)")
        }
    }

    /// Writes the report files (when `--report`) and prints the report; exit status 1 on regression
    /// or too many unreproducible messages.
    func finish(_ result: ReplayReport) throws {
        if let directory = report {
            let paths = try ReplayReportWriter.write(result, to: directory)
            var standardError = StandardError()
            print("report: \(paths.joined(separator: ", "))", to: &standardError)
        }
        if json {
            print(result.renderJSON())
        } else {
            print(result.renderText(limit: all ? nil : 200), terminator: "")
        }
        if result.failed { throw ExitCode(1) }
    }
}
