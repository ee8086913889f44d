import ArgumentParser
import InterposeAnalysis
import InterposeCapture
import InterposeCore
import InterposeReplay
import NIOCore

/// `interpose replay FILE --target HOST:PORT`: the recorded client traffic played against a new
/// build, every response compared with the recorded one.
///
/// Exit status: 0 without regression, 1 with (or with more unreproducible messages than
/// `--max-unreproducible` allows), 2 for unusable input or an unreachable target.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a capture's client traffic against a new build and report what changed.",
        discussion: """
            One connection per recorded conversation, the client's messages sent as recorded: each after the \
            replies it waited for, pipelined where the recording pipelined, conversations overlapping where they \
            overlapped and in order where they followed each other. Each response is compared with the recorded \
            one field by field (HTTP status, headers, JSON by path; Redis replies; PostgreSQL rows and errors; \
            raw bytes). With --baseline, the same traffic also goes to a second instance of the old build: what \
            differs there is noise and is not reported, and a message the baseline answers with another status \
            is unreproducible. Exit status 1 when anything regressed or too many messages are unreproducible.
            """
    )

    @Argument(help: "The capture to replay (pcap or pcapng).")
    var file: String

    @Option(help: ArgumentHelp("The new build to replay against.", valueName: "HOST:PORT"))
    var target: String

    @Option(
        help: ArgumentHelp("A second instance of the old build; what differs there is noise.", valueName: "HOST:PORT"))
    var baseline: String?

    @Option(
        help: ArgumentHelp("Replays against the baseline to learn noise from (1 to 1000; default 1).", valueName: "N"),
        transform: NumberRange.baselineRuns.parser)
    var runs = 1

    @Option(
        help: ArgumentHelp(
            "1 for the recorded pacing, N for N times faster (0.001 to 1000000), max for no pauses; default 1.",
            valueName: "N|max"),
        transform: { text in try ReplaySpeed(parsing: text) })
    var speed = ReplaySpeed.factor(1)

    @Option(
        help: ArgumentHelp("At most this many connections at once (1 to 100000).", valueName: "N"),
        transform: NumberRange.replayConnections.parser)
    var connections: Int?

    @Option(help: ArgumentHelp("Record the replay's own traffic as pcapng.", valueName: "FILE"))
    var capture: String?

    @Option(
        help: ArgumentHelp(
            "Give up on a conversation after this long without progress (0.001 to 86400; default 10).",
            valueName: "SECONDS"),
        transform: NumberRange.replayTimeout.parser)
    var timeout = 10.0

    @Option(
        help: ArgumentHelp(
            "Password for PostgreSQL targets that ask for one (cleartext, md5, SCRAM): PASSWORD for every user, "
                + "USER=PASSWORD for one (repeatable; *=PASSWORD when the password has an '=').",
            valueName: "[USER=]PASSWORD"))
    var pgPassword: [String] = []

    @Option(
        help: ArgumentHelp(
            "Fail (exit 1) when more messages than this are unreproducible (the baseline answers them otherwise "
                + "than the recording): a count (0 to 1000000000000) or a percentage of the messages compared "
                + "(0% to 100%); default none when fewer than 100 messages are compared, else 1%.",
            valueName: "N|PERCENT%"),
        transform: { text in try UnreproducibleLimit(parsing: text) })
    var maxUnreproducible = UnreproducibleLimit.automatic

    @Flag(help: "Do not run the protocol checks on the replayed traffic.")
    var noChecks = false

    @Option(
        name: .customLong("correlate"),
        help: ArgumentHelp(
            "A value responses hand out that later requests send back, for what replay does not learn on its own: "
                + "FIELD => PLACE, e.g. 'json:$.token => header:authorization' (repeatable).",
            valueName: "RULE"))
    var correlate: [String] = []

    @Flag(help: "Send the recorded requests unchanged: learn no values the servers handed out.")
    var noCorrelation = false

    @OptionGroup var comparison: ComparisonOptions

    @OptionGroup var dissection: DissectionOptions

    @OptionGroup var tlsOptions: ReplayTLSOptions

    func validate() throws {
        if runs > 1 && baseline == nil { throw ValidationError("--runs needs --baseline") }
        if noCorrelation && !correlate.isEmpty {
            throw ValidationError("--correlate cannot be used with --no-correlation")
        }
    }

    func run() throws {
        AllocatorTuning.tuneForStreaming()
        let rules = try comparison.rules()
        let schema = try comparison.schema()
        var settings = ReplaySession.Settings(target: try HostPort(parsing: target, what: "--target"))
        settings.baseline = try baseline.map { try HostPort(parsing: $0, what: "--baseline") }
        settings.runs = runs
        settings.speed = speed
        settings.connections = connections
        settings.responseTimeout = .nanoseconds(Int64(saturating: timeout * 1e9))
        settings.capturePath = capture
        settings.checks = !noChecks
        settings.postgresPasswords = PostgresPasswords(options: pgPassword)
        settings.tls = try tlsOptions.client()
        settings.tlsServerName = tlsOptions.tlsServerName

        var correlationRules = try correlate.map { spec throws(CorrelationRuleError) in
            try CorrelationRule(parsing: spec)
        }
        if let ignoreFile = comparison.ignoreFile { correlationRules += try CorrelationRule.load(file: ignoreFile) }
        var plan = try ReplayPlan.read(
            file, filter: dissection.filter, forced: try dissection.forced(), portHints: try dissection.portHints())
        guard !plan.conversations.isEmpty else { throw ReplayError.nothingToReplay(file) }
        if !noCorrelation { plan.correlate(rules: correlationRules) }
        let outcome = try ReplaySession.run(plan, settings: settings)
        let result = ReplayComparison.report(
            plan: plan, outcome: outcome, rules: rules, latencyThreshold: comparison.latencyThreshold / 100,
            recorded: file, target: settings.target.description, baseline: settings.baseline?.description,
            unreproducibleLimit: maxUnreproducible, schema: schema)
        var standardError = StandardError()
        print(ReplayComparison.throughputLine(plan: plan, run: outcome.target), to: &standardError)
        if let capture = outcome.capture {
            if let error = capture.writeError { print("interpose: --capture: \(error)", to: &standardError) }
            if capture.droppedBytes > 0 {
                print("interpose: --capture: \(capture.droppedBytes) bytes could not be written", to: &standardError)
            }
        }
        try comparison.finish(result)
    }
}
