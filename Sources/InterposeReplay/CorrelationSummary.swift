/// One row of the report's correlations: the values one kind of response handed out at one
/// locator and sent back at the same places by the same kind of request, learned or given by a
/// rule, with how often the replay sent the live value.
public struct CorrelationSummary: Sendable, Hashable {
    /// The request whose response handed the values out (`POST /login`).
    public var source: String
    /// Where in the response (`json:$.token`, `json:$.items[*].id`).
    public var locator: String
    /// Where they were sent back: `header:authorization in GET /items/{id}`, sorted.
    public var sentBack: [String]
    /// The `--correlate` rule that named them; `nil` when learned.
    public var rule: String?
    /// Distinct values (one per response that handed one out).
    public var values: Int
    /// Writes in the recording that sent one back.
    public var uses: Int
    /// Writes of the target's replay that sent the live value.
    public var applied: Int
    /// Of those, writes whose live value was not the recorded one.
    public var changed: Int
    /// Writes sent before the live value was there (they sent the recorded one).
    public var unavailable: Int
    /// Conversations (recorded ids) whose live response did not contain a value at the locator.
    public var missingIn: [Int]
    /// Writes of the baseline runs that sent the live value (0 without a baseline).
    public var baselineApplied: Int
    /// Live baseline responses that did not contain a value at the locator.
    public var baselineMissing: Int

    /// The rows of a plan's correlations, with the counts of the target's run and the baselines'.
    static func rows(
        _ plan: ReplayPlan, target: [CorrelationCount], baselines: [[CorrelationCount]]
    ) -> [CorrelationSummary] {
        var rows: [CorrelationSummary] = []
        var byKey: [String: Int] = [:]
        for correlation in plan.correlations {
            let source = correlation.requestKey
            let locator = ResponseFields.generalized(correlation.locator)
            let sentBack = Set(
                correlation.uses.flatMap { use in
                    use.places.map { $0 + " in " + use.requestKey }
                }
            ).sorted()
            let key = [source, locator, correlation.rule ?? "", sentBack.joined(separator: "\u{1}")].joined(
                separator: "\u{0}")
            if byKey[key] == nil {
                byKey[key] = rows.count
                rows.append(
                    CorrelationSummary(
                        source: source, locator: locator, sentBack: sentBack, rule: correlation.rule, values: 0,
                        uses: 0, applied: 0, changed: 0, unavailable: 0, missingIn: [], baselineApplied: 0,
                        baselineMissing: 0))
            }
            let row = byKey[key]!
            rows[row].values += 1
            rows[row].uses += correlation.uses.count
            if correlation.id < target.count {
                let count = target[correlation.id]
                rows[row].applied += count.applied
                rows[row].changed += count.changed
                rows[row].unavailable += count.unavailable
                if count.missing {
                    rows[row].missingIn.append(
                        Int(plan.conversations[correlation.conversation].recorded.descriptor.id.rawValue))
                }
            }
            for baseline in baselines where correlation.id < baseline.count {
                rows[row].baselineApplied += baseline[correlation.id].applied
                rows[row].baselineMissing += baseline[correlation.id].missing ? 1 : 0
            }
        }
        return rows
    }
}
