/// What Interpose reads from a server's leaf certificate: subject common name, DNS names, validity
/// and a fingerprint. Enough to say "expired", "expiring" or "rotated", nothing more.
///
/// The DER is walked by hand: the only complete X.509 parsers for Swift (swift-certificates and
/// swift-asn1 with swift-crypto) pull in BoringSSL, which takes longer to build than the rest of
/// Interpose, and the few fields needed here sit at fixed places in the TBSCertificate. The walker
/// is bounds-checked (`ByteReader`), so any byte sequence yields `nil` or a summary, never a crash.
struct X509Summary: Hashable {
    /// The subject's commonName (OID 2.5.4.3), when present.
    var commonName: String?
    /// The subjectAltName extension's dNSName entries.
    var dnsNames: [String] = []
    /// Start of validity, seconds since 1970.
    var notBefore: Int64
    /// End of validity, seconds since 1970.
    var notAfter: Int64
    /// FNV-1a of the whole DER: equal certificates, equal fingerprints.
    var fingerprint: UInt64

    private static let commonNameOID: [UInt8] = [0x55, 0x04, 0x03]
    private static let subjectAltNameOID: [UInt8] = [0x55, 0x1D, 0x11]

    /// Reads a DER certificate; `nil` when it is not one this walker understands.
    init?(der: [UInt8]) {
        var hash = FNV1a()
        hash.add(der)
        fingerprint = hash.value
        var top = ByteReader(der)
        guard var certificate = X509Summary.element(&top, tag: 0x30),
            var tbs = X509Summary.element(&certificate, tag: 0x30)
        else { return nil }
        if X509Summary.peekTag(tbs) == 0xA0 { _ = X509Summary.anyElement(&tbs) }  // version
        guard X509Summary.element(&tbs, tag: 0x02) != nil,  // serialNumber
            X509Summary.element(&tbs, tag: 0x30) != nil,  // signature algorithm
            X509Summary.element(&tbs, tag: 0x30) != nil,  // issuer
            var validity = X509Summary.element(&tbs, tag: 0x30),
            let notBefore = X509Summary.time(&validity),
            let notAfter = X509Summary.time(&validity),
            var subject = X509Summary.element(&tbs, tag: 0x30)
        else { return nil }
        self.notBefore = notBefore
        self.notAfter = notAfter
        commonName = X509Summary.commonName(in: &subject).flatMap { $0.isEmpty ? nil : $0 }
        _ = X509Summary.element(&tbs, tag: 0x30)  // subjectPublicKeyInfo
        while let (tag, content) = X509Summary.anyElement(&tbs) {
            guard tag == 0xA3 else { continue }  // [3] extensions
            var wrapper = content
            if var extensions = X509Summary.element(&wrapper, tag: 0x30) {
                dnsNames = X509Summary.dnsNames(in: &extensions)
            }
        }
    }

    /// The name to show: the common name, else the first DNS name, else `?`.
    var displayName: String { commonName ?? dnsNames.first ?? "?" }

    /// Whether the certificate names `hostName` (RFC 6125): the DNS names of subjectAltName when
    /// there are any, else the common name; a `*` matches one whole left-most label.
    func matches(hostName: String) -> Bool {
        let host = hostName.lowercased().split(separator: ".", omittingEmptySubsequences: false)
        let names = dnsNames.isEmpty ? commonName.map { [$0] } ?? [] : dnsNames
        return names.contains { name in
            let pattern = name.lowercased().split(separator: ".", omittingEmptySubsequences: false)
            guard pattern.count == host.count, !pattern.isEmpty else { return false }
            return zip(pattern, host).enumerated().allSatisfy { position, pair in
                pair.0 == pair.1 || (position == 0 && pair.0 == "*" && !pair.1.isEmpty)
            }
        }
    }

    private static func commonName(in name: inout ByteReader) -> String? {
        while var set = element(&name, tag: 0x31) {
            while var attribute = element(&set, tag: 0x30) {
                guard let oid = element(&attribute, tag: 0x06), let (_, value) = anyElement(&attribute) else {
                    continue
                }
                var oidReader = oid
                var valueReader = value
                if oidReader.readRest() == commonNameOID {
                    return ByteReader.printable(valueReader.readRest(), limit: 128)
                }
            }
        }
        return nil
    }

    private static func dnsNames(in extensions: inout ByteReader) -> [String] {
        while var item = element(&extensions, tag: 0x30) {
            guard var oid = element(&item, tag: 0x06), oid.readRest() == subjectAltNameOID else { continue }
            if peekTag(item) == 0x01 { _ = anyElement(&item) }  // critical
            guard var octets = element(&item, tag: 0x04), var names = element(&octets, tag: 0x30) else { return [] }
            var found: [String] = []
            while let (tag, content) = anyElement(&names), found.count < 16 {
                var value = content
                if tag == 0x82 { found.append(ByteReader.printable(value.readRest(), limit: 128)) }
            }
            return found
        }
        return []
    }

    /// UTCTime (`YYMMDDHHMMSSZ`, years 1950-2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
    private static func time(_ reader: inout ByteReader) -> Int64? {
        guard let (tag, content) = anyElement(&reader), tag == 0x17 || tag == 0x18 else { return nil }
        var value = content
        let digits = value.readRest()
        let yearWidth = tag == 0x17 ? 2 : 4
        guard digits.count >= yearWidth + 10 else { return nil }
        func number(_ from: Int, _ width: Int) -> Int? {
            var result = 0
            for byte in digits[from..<from + width] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                result = result * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return result
        }
        guard var year = number(0, yearWidth), let month = number(yearWidth, 2), let day = number(yearWidth + 2, 2),
            let hour = number(yearWidth + 4, 2), let minute = number(yearWidth + 6, 2),
            let second = number(yearWidth + 8, 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        if tag == 0x17 { year += year < 50 ? 2000 : 1900 }
        return CivilDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
            .secondsSinceEpoch
    }

    private static func peekTag(_ reader: ByteReader) -> UInt8? {
        var copy = reader
        return copy.readUInt8()
    }

    /// The content of the next element when its tag is `tag` (the element is consumed either way).
    private static func element(_ reader: inout ByteReader, tag: UInt8) -> ByteReader? {
        guard let (found, content) = anyElement(&reader), found == tag else { return nil }
        return content
    }

    /// The next element's tag and content (single-byte tags, definite lengths up to 4 bytes).
    private static func anyElement(_ reader: inout ByteReader) -> (UInt8, ByteReader)? {
        guard let tag = reader.readUInt8(), tag & 0x1F != 0x1F, let first = reader.readUInt8() else { return nil }
        var length = Int(first)
        if first & 0x80 != 0 {
            let width = Int(first & 0x7F)
            guard let long = reader.readInteger(width: width) else { return nil }
            length = long
        }
        guard let content = reader.readReader(length) else { return nil }
        return (tag, content)
    }
}
