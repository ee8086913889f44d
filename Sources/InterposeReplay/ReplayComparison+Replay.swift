import InterposeAnalysis
import InterposeCapture
import InterposeCore
import InterposeProtocols

extension ReplayComparison {
    /// Each planned conversation with its replay.
    public static func pairs(plan: ReplayPlan, run: ReplayRun) -> [Pair] {
        zip(plan.conversations, run.conversations).map { planned, replayed in
            Pair(
                recorded: planned.recorded, replayed: replayed.replayed, error: replayed.error,
                skipped: replayed.skipped, application: planned.application.rawValue)
        }
    }

    /// The report of `interpose replay`: the target's replay compared with the recording, noise
    /// learned from the baseline runs, findings of the checks on the target's traffic, judged
    /// against `unreproducibleLimit` (`--max-unreproducible`).
    public static func report(
        plan: ReplayPlan, outcome: ReplaySession.Outcome, rules: NoiseRules, latencyThreshold: Double,
        recorded: String, target: String, baseline: String?, unreproducibleLimit: UnreproducibleLimit = .automatic,
        schema: ContentSchema = .none
    ) -> ReplayReport {
        var comparison = ReplayComparison(
            rules: rules, baselines: outcome.baselines.map { pairs(plan: plan, run: $0) },
            latencyThreshold: latencyThreshold, schema: schema)
        let inRecording = Set(plan.recordedFindings.map(FindingKey.init))
        let inBaseline = Set(
            (outcome.baselines.flatMap(\.findings) + outcome.baselineSummaryFindings.flatMap { $0 }).map(
                FindingKey.init))
        let findings = (outcome.target.findings + outcome.summaryFindings).map { finding in
            let key = FindingKey(finding)
            let alsoIn: String? =
                switch (inRecording.contains(key), inBaseline.contains(key)) {
                case (true, true): "recording and baseline"
                case (true, false): "recording"
                case (false, true): "baseline"
                case (false, false): nil
                }
            return ReplayReport.CheckFinding(
                conversation: finding.connection.map { Int($0.rawValue) }, severity: finding.severity,
                code: finding.code, message: finding.message, alsoIn: alsoIn)
        }
        var report = comparison.report(
            pairs(plan: plan, run: outcome.target), recorded: recorded, target: target, baseline: baseline,
            findings: findings, durationNanoseconds: outcome.target.durationNanoseconds)
        report.correlations = CorrelationSummary.rows(
            plan, target: outcome.target.correlations, baselines: outcome.baselines.map(\.correlations))
        report.unmatchedCorrelationRules = plan.unmatchedCorrelationRules
        report.unreproducibleLimit = unreproducibleLimit
        return report
    }

    /// The same finding in two runs: the same code on the same recorded conversation (replayed
    /// connections carry their recorded conversation's id), or file-wide.
    private struct FindingKey: Hashable {
        var conversation: ConnectionID?
        var code: String

        init(_ finding: Finding) {
            conversation = finding.connection
            code = finding.code
        }
    }

    /// One line on how much was replayed how fast: `replayed 50 conversations, 200,000 requests in
    /// 3.1 s (64,516 requests/s)`.
    public static func throughputLine(plan: ReplayPlan, run: ReplayRun) -> String {
        let requests = run.conversations.reduce(0) { $0 + ($1.replayed?.exchanges.count ?? 0) }
        let seconds = Double(max(run.durationNanoseconds, 1)) / 1e9
        return "replayed \(ReportFormatting.plural(plan.conversations.count, "conversation")), "
            + "\(ReportFormatting.grouped(requests)) requests in \(ReportFormatting.fixed(seconds, 2)) s "
            + "(\(ReportFormatting.grouped(Int(saturating: (Double(requests) / seconds).rounded()))) requests/s)"
    }
}
