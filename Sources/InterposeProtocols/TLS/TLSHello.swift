/// The parts of a ClientHello or ServerHello that tell what was offered and chosen (RFC 8446
/// §4.1.2-4.1.3): versions, server name, application protocols, cipher suites. GREASE values
/// (RFC 8701) are left out.
struct TLSHello: Hashable {
    /// The legacy `version` field (0x0303 in every TLS 1.3 hello).
    var legacyVersion: Int
    /// ClientHello: the versions of `supported_versions`, in the client's order; ServerHello: the
    /// one it selected. Empty when the extension is absent.
    var versions: [Int] = []
    /// The server_name extension's host name.
    var serverName: String?
    /// ClientHello: the protocols offered; ServerHello: the one chosen.
    var protocols: [String] = []
    /// ClientHello: the suites offered; ServerHello: the one chosen.
    var cipherSuites: [Int] = []
    /// A ServerHello with the HelloRetryRequest random (RFC 8446 §4.1.3).
    var isRetryRequest = false

    private static let retryRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    /// The version spoken: the highest of `versions`, else the legacy version.
    var version: Int { versions.max() ?? legacyVersion }

    /// Reads a ClientHello body (without its 4-byte handshake header); `nil` when it is cut short.
    init?(clientHello body: [UInt8]) {
        var reader = ByteReader(body)
        guard let legacy = reader.readUInt16(), reader.skip(32), reader.readPrefixed(width: 1) != nil,
            var suites = reader.readPrefixed(width: 2), reader.readPrefixed(width: 1) != nil
        else { return nil }
        legacyVersion = legacy
        while let suite = suites.readUInt16() {
            if !TLSNames.isGREASE(suite) { cipherSuites.append(suite) }
        }
        readExtensions(&reader, isClient: true)
    }

    /// Reads a ServerHello body; `nil` when it is cut short.
    init?(serverHello body: [UInt8]) {
        var reader = ByteReader(body)
        guard let legacy = reader.readUInt16(), let random = reader.readBytes(32), reader.readPrefixed(width: 1) != nil,
            let suite = reader.readUInt16(), reader.readUInt8() != nil
        else { return nil }
        legacyVersion = legacy
        cipherSuites = [suite]
        isRetryRequest = random == TLSHello.retryRandom
        readExtensions(&reader, isClient: false)
    }

    private mutating func readExtensions(_ reader: inout ByteReader, isClient: Bool) {
        guard var extensions = reader.readPrefixed(width: 2) else { return }
        while let type = extensions.readUInt16(), var data = extensions.readPrefixed(width: 2) {
            switch type {
            case 0:  // server_name: a list of (type, name); type 0 is a host name.
                guard var list = data.readPrefixed(width: 2) else { continue }
                while let nameType = list.readUInt8(), var name = list.readPrefixed(width: 2) {
                    if nameType == 0, serverName == nil {
                        serverName = ByteReader.printable(name.readRest(), limit: 255)
                    }
                }
            case 16:  // application_layer_protocol_negotiation
                guard var list = data.readPrefixed(width: 2) else { continue }
                while var name = list.readPrefixed(width: 1), protocols.count < 16 {
                    protocols.append(ByteReader.printable(name.readRest(), limit: 64))
                }
            case 43:  // supported_versions: a list in a ClientHello, one version in a ServerHello.
                if isClient {
                    guard var list = data.readPrefixed(width: 1) else { continue }
                    while let version = list.readUInt16() {
                        if !TLSNames.isGREASE(version) { versions.append(version) }
                    }
                } else if let version = data.readUInt16() {
                    versions = [version]
                }
            default:
                break
            }
        }
    }
}
