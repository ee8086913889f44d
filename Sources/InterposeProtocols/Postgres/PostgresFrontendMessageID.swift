/// The type byte of a message the client sends after the startup (PostgreSQL protocol 3, "Message
/// Formats"); startup-phase messages have none (`PostgresStartupCode`).
package enum PostgresFrontendMessageID: UInt8, Sendable, Hashable {
    /// `B`.
    case bind = 0x42
    /// `C`.
    case close = 0x43
    /// `d`.
    case copyData = 0x64
    /// `c`.
    case copyDone = 0x63
    /// `f`.
    case copyFail = 0x66
    /// `D`.
    case describe = 0x44
    /// `E`.
    case execute = 0x45
    /// `H`.
    case flush = 0x48
    /// `F`.
    case functionCall = 0x46
    /// `p`: a password, SASL or GSSAPI response (which one depends on the authentication asked).
    case password = 0x70
    /// `P`.
    case parse = 0x50
    /// `Q`: a simple query.
    case query = 0x51
    /// `S`: ends an extended-query batch.
    case sync = 0x53
    /// `X`.
    case terminate = 0x58
}
