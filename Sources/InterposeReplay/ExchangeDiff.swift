import InterposeCapture

/// How one exchange of capture A compares with its partner in capture B: one row of a diff report.
public struct ExchangeDiff: Sendable, Hashable {
    /// The verdict for an exchange.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// Same request, same response status and content.
        case same
        /// Both captures have it, and something changed (`detail` says what).
        case differs
        /// In A, not in B.
        case missing
        /// In B, not in A.
        case extra
    }

    /// The conversation in capture A, when A has it.
    public var connectionA: ConnectionID?
    /// The conversation in capture B, when B has it.
    public var connectionB: ConnectionID?
    /// The request, as A sent it (as B sent it for an extra exchange).
    public var request: String
    /// The verdict.
    public var status: Status
    /// A's response summary (`200 OK`); `nil` when A has no response.
    public var old: String?
    /// B's response summary; `nil` when B has no response.
    public var new: String?
    /// What differs, in words (`status 200 -> 404`); empty when the exchange is the same.
    public var detail: String
    /// A's latency, request start to response end, in nanoseconds.
    public var latencyA: Int64?
    /// B's latency, in nanoseconds.
    public var latencyB: Int64?

    /// A row from its parts.
    public init(
        connectionA: ConnectionID?, connectionB: ConnectionID?, request: String, status: Status, old: String?,
        new: String?, detail: String, latencyA: Int64? = nil, latencyB: Int64? = nil
    ) {
        self.connectionA = connectionA
        self.connectionB = connectionB
        self.request = request
        self.status = status
        self.old = old
        self.new = new
        self.detail = detail
        self.latencyA = latencyA
        self.latencyB = latencyB
    }

    /// Compares an exchange of A with its partner in B.
    /// - Parameters:
    ///   - a: the exchange in A, `nil` when B has one more.
    ///   - b: the exchange in B, `nil` when A has one more.
    ///   - connectionA: A's conversation, when there is one.
    ///   - connectionB: B's conversation, when there is one.
    /// - Returns: the row.
    public static func compare(
        _ a: RecordedExchange?, _ b: RecordedExchange?, connectionA: ConnectionID?, connectionB: ConnectionID?
    ) -> ExchangeDiff {
        let request = a?.summary ?? b?.summary ?? "(no request)"
        var row = ExchangeDiff(
            connectionA: connectionA, connectionB: connectionB, request: request, status: .same,
            old: a?.response?.summary, new: b?.response?.summary, detail: "",
            latencyA: a?.response?.latencyNanoseconds, latencyB: b?.response?.latencyNanoseconds)
        guard let a else {
            row.status = .extra
            row.detail = connectionA == nil ? "conversation only in B" : "request only in B"
            return row
        }
        guard let b else {
            row.status = .missing
            row.detail = connectionB == nil ? "conversation only in A" : "request only in A"
            return row
        }
        var details: [String] = []
        if a.fingerprint != b.fingerprint {
            details.append(a.summary == b.summary ? "request differs" : "request differs (now \(b.summary))")
        }
        switch (a.response, b.response) {
        case (nil, nil):
            break
        case (.some, nil):
            details.append("no response in B")
        case (nil, .some):
            details.append("no response in A")
        case (.some(let old), .some(let new)):
            if old.code != new.code {
                details.append("status \(old.code) -> \(new.code)")
            } else if old.bodyFingerprint != new.bodyFingerprint {
                details.append("body changed (response \(old.bytes) -> \(new.bytes) bytes)")
            }
        }
        if !details.isEmpty {
            row.status = .differs
            row.detail = details.joined(separator: "; ")
        }
        return row
    }
}
