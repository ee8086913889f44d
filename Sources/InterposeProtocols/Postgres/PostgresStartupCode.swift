/// The code after the length of a startup-phase message (which has no type byte): a protocol version
/// for a StartupMessage, or one of the special request codes.
package enum PostgresStartupCode: Int32, Sendable, Hashable {
    /// StartupMessage for protocol 3.0 (`3 << 16`).
    case protocol3 = 196_608
    /// SSLRequest (`1234 << 16 | 5679`).
    case sslRequest = 80_877_103
    /// GSSENCRequest (`1234 << 16 | 5680`).
    case gssEncRequest = 80_877_104
    /// CancelRequest (`1234 << 16 | 5678`).
    case cancelRequest = 80_877_102
}
