/// A value one recorded response handed out that later client writes sent back, learned from the
/// recording (or named by a `--correlate` rule): where it came from and where it went, so that the
/// replay sends the value the replayed server hands out instead.
public struct Correlation: Sendable, Hashable {
    /// One write that sent the value back.
    public struct Use: Sendable, Hashable {
        /// The write's conversation, by plan index.
        public var conversation: Int
        /// The write, by step index.
        public var step: Int
        /// Where in the write (`header:authorization`, `path`, `arg[1]`, `bind[0]`).
        public var places: [String]
        /// The request key of the first request the places are in, for the report (`GET /items/{id}`).
        public var requestKey: String
    }

    /// Its index in `ReplayPlan.correlations`.
    public var id: Int
    /// The conversation whose response handed the value out, by plan index.
    public var conversation: Int
    /// That response's exchange, by index in the conversation.
    public var exchange: Int
    /// That exchange's request key (`POST /login`), for the report.
    public var requestKey: String
    /// Where in the response: `json:$.token`, `cookie:sid`, `reply`, `row[0].id`.
    public var locator: String
    /// The recorded value.
    public var recorded: [UInt8]
    /// The `--correlate` rule that named it; `nil` when it was learned.
    public var rule: String?
    /// The one place the rule sends it back at (`CorrelationRule.to`); `nil` for every place.
    public var onlyAt: String?
    /// The writes that sent it back, in recorded order.
    public var uses: [Use]
}
