/// One field that differs between the recorded response and the replayed one (or between captures A
/// and B): the unit a report lists and a noise rule silences.
public struct FieldDifference: Sendable, Hashable {
    /// The field's path (`ContentField.path`), or `status`, `request`, `response` for whole-message
    /// differences.
    public var field: String
    /// The recorded value; `nil` when the recording lacks the field.
    public var recorded: String?
    /// The replayed value; `nil` when the replay lacks the field.
    public var replayed: String?

    /// A difference from its parts.
    public init(field: String, recorded: String?, replayed: String?) {
        self.field = field
        self.recorded = recorded
        self.replayed = replayed
    }
}
