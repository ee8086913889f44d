/// gRPC status codes (the `grpc-status` trailer): their names and the outcome class a check counts.
enum GRPCStatus {
    private static let names = [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
        "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ]

    /// `UNAVAILABLE` for 14; `code 42` for codes gRPC does not define.
    static func name(_ code: Int) -> String {
        code >= 0 && code < names.count ? names[code] : "code \(code)"
    }

    /// The status of a response whose trailers carry `grpc-status: code`: code `grpc-14`; 0 is
    /// success, the caller's mistakes (3, 5, 6, 9, 11) client errors, 7 and 16 authentication
    /// failures, everything else a server error.
    static func status(_ code: Int) -> MessageStatus {
        let outcome: MessageStatus.Outcome
        switch code {
        case 0: outcome = .success
        case 3, 5, 6, 9, 11: outcome = .clientError
        case 7, 16: outcome = .authenticationFailure
        default: outcome = .serverError
        }
        return MessageStatus(outcome, code: "grpc-\(code)")
    }
}
