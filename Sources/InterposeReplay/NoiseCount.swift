/// A field cancelled as noise and how many messages it was cancelled in.
public struct NoiseCount: Sendable, Hashable {
    /// The field (`header:date`, `json:$.served_at`).
    public var field: String
    /// Messages in which it differed and was not reported.
    public var count: Int
    /// Why it is noise: `rule` (an `--ignore` rule) or `baseline` (it differed old against old).
    public var source: String

    /// A count from its parts.
    public init(field: String, count: Int, source: String) {
        self.field = field
        self.count = count
        self.source = source
    }
}
