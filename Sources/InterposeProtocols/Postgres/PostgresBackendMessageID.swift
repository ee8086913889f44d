/// The type byte of a message the server sends (PostgreSQL protocol 3, "Message Formats"), as
/// postgres-nio's `PostgresBackendMessage.ID` names them.
package enum PostgresBackendMessageID: UInt8, Sendable, Hashable {
    /// `R`: an authentication request or its outcome.
    case authentication = 0x52
    /// `K`: the backend's process id and cancel key.
    case backendKeyData = 0x4B
    /// `2`.
    case bindComplete = 0x32
    /// `3`.
    case closeComplete = 0x33
    /// `C`: a command's tag (`SELECT 3`).
    case commandComplete = 0x43
    /// `d`.
    case copyData = 0x64
    /// `c`.
    case copyDone = 0x63
    /// `G`.
    case copyInResponse = 0x47
    /// `H`.
    case copyOutResponse = 0x48
    /// `W`.
    case copyBothResponse = 0x57
    /// `D`: one row.
    case dataRow = 0x44
    /// `I`: the query was empty.
    case emptyQueryResponse = 0x49
    /// `E`.
    case errorResponse = 0x45
    /// `V`.
    case functionCallResponse = 0x56
    /// `v`.
    case negotiateProtocolVersion = 0x76
    /// `n`.
    case noData = 0x6E
    /// `N`.
    case noticeResponse = 0x4E
    /// `A`: a `NOTIFY`.
    case notificationResponse = 0x41
    /// `t`.
    case parameterDescription = 0x74
    /// `S`: a run-time parameter's value.
    case parameterStatus = 0x53
    /// `1`.
    case parseComplete = 0x31
    /// `s`.
    case portalSuspended = 0x73
    /// `Z`: the server is ready for the next query; the body is the transaction state.
    case readyForQuery = 0x5A
    /// `T`: the columns of the rows that follow.
    case rowDescription = 0x54
}
