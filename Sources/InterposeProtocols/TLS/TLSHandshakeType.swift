/// The type of a TLS handshake message (RFC 8446 4, RFC 5246 7.4, RFC 6066 8).
enum TLSHandshakeType: UInt8, Sendable, Hashable {
    case helloRequest = 0
    case clientHello = 1
    case serverHello = 2
    case newSessionTicket = 4
    case encryptedExtensions = 8
    case certificate = 11
    case serverKeyExchange = 12
    case certificateRequest = 13
    case serverHelloDone = 14
    case certificateVerify = 15
    case clientKeyExchange = 16
    case finished = 20
    case certificateStatus = 22

    /// `ClientHello`, `Certificate`...
    var name: String {
        switch self {
        case .helloRequest: return "HelloRequest"
        case .clientHello: return "ClientHello"
        case .serverHello: return "ServerHello"
        case .newSessionTicket: return "NewSessionTicket"
        case .encryptedExtensions: return "EncryptedExtensions"
        case .certificate: return "Certificate"
        case .serverKeyExchange: return "ServerKeyExchange"
        case .certificateRequest: return "CertificateRequest"
        case .serverHelloDone: return "ServerHelloDone"
        case .certificateVerify: return "CertificateVerify"
        case .clientKeyExchange: return "ClientKeyExchange"
        case .finished: return "Finished"
        case .certificateStatus: return "CertificateStatus"
        }
    }
}
