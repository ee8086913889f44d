/// The content type of a TLS record (RFC 8446 5.1, RFC 5246 6.2.1).
enum TLSContentType: UInt8, Sendable, Hashable {
    case changeCipherSpec = 20
    case alert = 21
    case handshake = 22
    case applicationData = 23
}
