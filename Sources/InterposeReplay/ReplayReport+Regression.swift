extension ReplayReport {
    /// One regression in a conversation, as the JUnit and HTML reports list it.
    public struct Regression: Sendable, Hashable {
        /// What kind of regression.
        public enum Kind: Sendable, Hashable {
            /// A message that differs, is missing or is extra.
            case message(MessageVerdict)
            /// The replay of the conversation stopped before its end.
            case stoppedEarly
            /// An error finding of the checks on the replayed conversation, with its code.
            case finding(String)

            /// A short name: `differs`, `missing`, `extra`, `stopped-early` or the finding's code.
            public var name: String {
                switch self {
                case .message(let verdict): return verdict.rawValue
                case .stoppedEarly: return "stopped-early"
                case .finding(let code): return code
                }
            }
        }

        /// What kind of regression.
        public var kind: Kind
        /// The message it is about; `nil` for an early stop or a finding.
        public var message: MessageResult?
        /// One line for people (`message 2 GET /users/7 HTTP/1.1: 1 field differs (json:$.name)`).
        public var title: String
    }
}
