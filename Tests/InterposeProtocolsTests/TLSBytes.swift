/// Builds TLS records, handshake messages and DER certificates byte by byte for the dissector's
/// unit tests.
enum TLSBytes {
    static func u16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    static func u24(_ value: Int) -> [UInt8] { [UInt8(value >> 16 & 0xFF)] + u16(value) }

    static func record(_ type: UInt8, _ body: [UInt8], version: Int = 0x0303) -> [UInt8] {
        [type] + u16(version) + u16(body.count) + body
    }

    static func handshake(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
        [type] + u24(body.count) + body
    }

    static func ext(_ type: Int, _ data: [UInt8]) -> [UInt8] { u16(type) + u16(data.count) + data }

    static func clientHello(
        sni: String? = nil, alpn: [String] = [], versions: [Int] = [], suites: [Int] = [0xC02F, 0xC030]
    ) -> [UInt8] {
        var extensions: [UInt8] = []
        if let sni {
            let entry = [UInt8(0)] + u16(sni.utf8.count) + Array(sni.utf8)
            extensions += ext(0, u16(entry.count) + entry)
        }
        if !alpn.isEmpty {
            let list = alpn.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
            extensions += ext(16, u16(list.count) + list)
        }
        if !versions.isEmpty {
            let list = versions.flatMap(u16)
            extensions += ext(43, [UInt8(list.count)] + list)
        }
        let suiteBytes = suites.flatMap(u16)
        let body =
            u16(0x0303) + Array(repeating: 7, count: 32) + [0] + u16(suiteBytes.count) + suiteBytes + [1, 0]
            + u16(extensions.count) + extensions
        return handshake(1, body)
    }

    static let retryRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    static func serverHello(version: Int? = nil, suite: Int, alpn: String? = nil, retry: Bool = false) -> [UInt8] {
        var extensions: [UInt8] = []
        if let version { extensions += ext(43, u16(version)) }
        if let alpn { extensions += ext(16, u16(alpn.utf8.count + 1) + [UInt8(alpn.utf8.count)] + Array(alpn.utf8)) }
        let random = retry ? retryRandom : Array(repeating: 9, count: 32)
        let body = u16(0x0303) + random + [0] + u16(suite) + [0] + u16(extensions.count) + extensions
        return handshake(2, body)
    }

    static func certificate(_ ders: [[UInt8]]) -> [UInt8] {
        let list = ders.flatMap { u24($0.count) + $0 }
        return handshake(11, u24(list.count) + list)
    }

    static func alert(level: UInt8, _ description: UInt8) -> [UInt8] { record(21, [level, description]) }

    // MARK: DER

    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        let n = content.count
        let length: [UInt8] = n < 128 ? [UInt8(n)] : n < 256 ? [0x81, UInt8(n)] : [0x82] + u16(n)
        return [tag] + length + content
    }

    static func name(_ cn: String) -> [UInt8] {
        tlv(0x30, tlv(0x31, tlv(0x30, tlv(0x06, [0x55, 0x04, 0x03]) + tlv(0x0C, Array(cn.utf8)))))
    }

    /// A certificate with the fields the dissector reads; times as `YYMMDDHHMMSSZ` (UTCTime) or
    /// `YYYYMMDDHHMMSSZ` (GeneralizedTime).
    static func der(cn: String, notBefore: String, notAfter: String, dnsNames: [String] = []) -> [UInt8] {
        func time(_ text: String) -> [UInt8] { tlv(text.count == 13 ? 0x17 : 0x18, Array(text.utf8)) }
        let algorithm = tlv(0x30, tlv(0x06, [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]))
        var tbs = tlv(0xA0, tlv(0x02, [2])) + tlv(0x02, [0x01, 0x23]) + algorithm + name("Test CA")
        tbs += tlv(0x30, time(notBefore) + time(notAfter)) + name(cn)
        tbs += tlv(0x30, algorithm + tlv(0x03, [0, 1, 2, 3]))
        if !dnsNames.isEmpty {
            let names = tlv(0x30, dnsNames.flatMap { tlv(0x82, Array($0.utf8)) })
            let san = tlv(0x30, tlv(0x06, [0x55, 0x1D, 0x11]) + tlv(0x04, names))
            tbs += tlv(0xA3, tlv(0x30, san))
        }
        return tlv(0x30, tlv(0x30, tbs) + algorithm + tlv(0x03, [0, 0xAA, 0xBB]))
    }
}
