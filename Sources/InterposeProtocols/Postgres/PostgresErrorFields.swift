/// The fields of an ErrorResponse or NoticeResponse that reports use: severity, SQLSTATE and message.
struct PostgresErrorFields {
    /// `ERROR`, `FATAL`, `PANIC` (the non-localised `V` field when sent, else `S`).
    var severity = "ERROR"
    /// The SQLSTATE (`C`): `42P01`, `28P01`.
    var code = "XX000"
    /// The primary message (`M`).
    var message = ""

    /// Reads the fields from the start of a body: `(field type, NUL-terminated text)*` then a 0.
    init(body: [UInt8]) {
        var reader = PostgresBody(body)
        var localized: String?
        var nonLocalized: String?
        while let field = reader.byte(), field != 0, let value = reader.string() {
            switch field {
            case UInt8(ascii: "S"): localized = value
            case UInt8(ascii: "V"): nonLocalized = value
            case UInt8(ascii: "C"): code = value
            case UInt8(ascii: "M"): message = value
            default: break
            }
        }
        severity = nonLocalized ?? localized ?? severity
    }

    /// Whether the session ends with it (FATAL, PANIC): no ReadyForQuery follows.
    var endsSession: Bool { severity == "FATAL" || severity == "PANIC" }

    /// `ERROR 42P01: relation "x" does not exist`.
    var summary: String { "\(severity) \(code): \(PostgresSQL.excerpt(message, truncated: false))" }

    /// The outcome its SQLSTATE class stands for: 28 authentication; 53 (resources), 54 (limits),
    /// 55 (object state), 57 (operator intervention), 58 (system), XX (internal) the server's;
    /// every other class (22 data, 23 constraints, 25 transaction state, 40 rollback, 42 syntax or
    /// access, 0A unsupported...) the client's.
    var status: MessageStatus {
        let outcome: MessageStatus.Outcome
        switch code.prefix(2) {
        case "28": outcome = .authenticationFailure
        case "53", "54", "55", "57", "58", "XX": outcome = .serverError
        default: outcome = .clientError
        }
        return MessageStatus(outcome, code: code)
    }
}
