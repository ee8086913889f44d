/// How a recorded conversation ended, which is how its replay ends.
public enum ReplayEnding: Sendable, Hashable {
    /// The client half-closed (FIN) this many nanoseconds after the conversation began, after
    /// receiving `responses` responses and `serverBytes` bytes; the replay does the same, then waits
    /// for the server to close.
    case clientFinish(offset: Int64, responses: Int, serverBytes: Int64)
    /// The client reset the connection; the replay resets it at the same point.
    case clientReset(offset: Int64, responses: Int, serverBytes: Int64)
    /// The server closed or reset first; the replay waits for the server to close after the last
    /// response, then closes.
    case serverClose
    /// The capture ended with the conversation open; the replay closes after the last response.
    case open
}
