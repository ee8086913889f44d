import Foundation
import InterposeCapture
import InterposeCore
import InterposeProtocols
import InterposeTestSupport
import XCTest

final class TLSDissectorTests: XCTestCase {
    private typealias B = TLSBytes

    /// The harness clock starts at 2023-11-14T22:13:20Z.
    private let validCertificate = TLSBytes.der(
        cn: "example.com", notBefore: "230101000000Z", notAfter: "20300101000000Z",
        dnsNames: ["example.com", "www.example.com"])

    private func tls12(certificate: [UInt8]) -> (client: [[UInt8]], server: [[UInt8]]) {
        let hello = B.record(22, B.clientHello(sni: "example.com", alpn: ["http/1.1"]), version: 0x0301)
        let flight = B.record(
            22, B.serverHello(suite: 0xC02F) + B.certificate([certificate, [0x30, 0x00]]) + B.handshake(14, []))
        let keyExchange = B.record(22, B.handshake(16, [0x20] + Array(repeating: 1, count: 32)))
        let clientFinish = B.record(20, [1]) + B.record(22, Array(repeating: 0x5A, count: 40))
        let serverFinish = B.record(20, [1]) + B.record(22, Array(repeating: 0x5B, count: 40))
        let data = B.record(23, Array(repeating: 0x15, count: 300))
        return ([hello, keyExchange + clientFinish, data, data], [flight, serverFinish, data])
    }

    func testTLS12HandshakeIsReadWhateverTheReadSizes() {
        let flights = tls12(certificate: validCertificate)
        for chunk in [1, 3, 7, 100, Int.max] {
            var h = DissectorHarness(TLSDissector())
            h.send(.clientToServer, flights.client[0], chunk: chunk)
            h.send(.serverToClient, flights.server[0], chunk: chunk)
            h.send(.clientToServer, flights.client[1], chunk: chunk)
            h.send(.serverToClient, flights.server[1], chunk: chunk)
            h.send(.clientToServer, flights.client[2] + flights.client[3], chunk: chunk)
            h.send(.serverToClient, flights.server[2], chunk: chunk)
            h.end()
            XCTAssertEqual(
                h.requests.map(\.summary), ["ClientHello sni=example.com alpn=http/1.1 versions=TLS 1.2 suites=2"],
                "chunk \(chunk)")
            XCTAssertEqual(h.requests.first?.key, "example.com")
            XCTAssertEqual(h.requests.first?.version, "TLS 1.2")
            XCTAssertEqual(h.requests.first?.expectsResponse, true)
            XCTAssertEqual(
                h.responses.map(\.summary), ["ServerHello TLS 1.2 cipher=0xc02f TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"])
            XCTAssertEqual(h.responses.first?.answers, h.requests.first?.index)
            XCTAssertEqual(h.responses.first?.status, MessageStatus(.success, code: "TLS 1.2"))
            XCTAssertEqual(h.events.map(\.name), ["Certificate", "ApplicationData", "ApplicationData"])
            let certificate = h.events[0]
            XCTAssertEqual(certificate.summary, "cn=example.com notAfter=2030-01-01")
            XCTAssertEqual(certificate.key, "example.com")
            XCTAssertNotEqual(certificate.fingerprint, 0)
            // Finished (encrypted after ChangeCipherSpec) and two application data records, headers included.
            XCTAssertEqual(h.events[1].summary, "655 bytes encrypted in 3 records client->server")
            XCTAssertEqual(h.events[2].bytes, 45 + 305)
            XCTAssertEqual(h.output.findings, [], "chunk \(chunk)")
        }
    }

    func testTLS13HelloIsReadAndEverythingAfterTheServerHelloIsCounted() {
        var h = DissectorHarness(TLSDissector())
        let hello = B.clientHello(
            sni: "example.com", alpn: ["h2", "http/1.1"], versions: [0x3A3A, 0x0304, 0x0303],
            suites: [0x1A1A, 0x1301, 0x1302, 0x1303])
        h.send(.clientToServer, B.record(22, hello, version: 0x0301), chunk: 5)
        // Encrypted records may hold anything, including bytes that look like an alert.
        h.send(
            .serverToClient,
            B.record(22, B.serverHello(version: 0x0304, suite: 0x1301)) + B.record(20, [1]) + B.record(23, [2, 40])
                + B.record(23, Array(repeating: 0, count: 1000)))
        h.send(.clientToServer, B.record(20, [1]) + B.record(23, Array(repeating: 0x16, count: 60)))
        h.end()
        XCTAssertEqual(
            h.requests.map(\.summary),
            ["ClientHello sni=example.com alpn=h2,http/1.1 versions=TLS 1.3,TLS 1.2 suites=3"])
        XCTAssertEqual(h.requests.first?.version, "TLS 1.3")
        XCTAssertEqual(h.responses.map(\.summary), ["ServerHello TLS 1.3 cipher=0x1301 TLS_AES_128_GCM_SHA256"])
        XCTAssertEqual(h.responses.first?.version, "TLS 1.3")
        XCTAssertEqual(h.events.map(\.name), ["ApplicationData", "ApplicationData"])
        XCTAssertEqual(h.output.findings, [])
    }

    func testHelloRetryRequestIsAnEventAndTheSecondClientHelloIsAnswered() {
        var h = DissectorHarness(TLSDissector())
        h.send(.clientToServer, B.record(22, B.clientHello(sni: "a.test", versions: [0x0304])))
        h.send(
            .serverToClient,
            B.record(22, B.serverHello(version: 0x0304, suite: 0x1302, retry: true)) + B.record(20, [1]))
        h.send(.clientToServer, B.record(20, [1]) + B.record(22, B.clientHello(sni: "a.test", versions: [0x0304])))
        h.send(.serverToClient, B.record(22, B.serverHello(version: 0x0304, suite: 0x1302, alpn: "h2")))
        h.end()
        XCTAssertEqual(h.requests.count, 2)
        XCTAssertEqual(h.events.map(\.name), ["HelloRetryRequest"])
        XCTAssertEqual(h.events.first?.answers, h.requests[0].index)
        XCTAssertEqual(h.responses.map(\.answers), [h.requests[1].index])
        XCTAssertEqual(h.responses.first?.summary, "ServerHello TLS 1.3 cipher=0x1302 TLS_AES_256_GCM_SHA384 alpn=h2")
    }

    private func certificateFindings(_ der: [UInt8], sni: String = "example.com") -> DissectorHarness {
        var h = DissectorHarness(TLSDissector())
        h.send(.clientToServer, B.record(22, B.clientHello(sni: sni)))
        h.send(.serverToClient, B.record(22, B.serverHello(suite: 0xC030) + B.certificate([der])))
        h.end()
        return h
    }

    func testCertificateValidityIsCheckedAgainstTheCaptureClock() {
        let expired = certificateFindings(
            B.der(cn: "old.example", notBefore: "190101000000Z", notAfter: "200612000000Z"), sni: "old.example")
        XCTAssertEqual(expired.codes, ["tls.certificate-expired"])
        XCTAssertEqual(expired.output.findings.first?.severity, .error)
        XCTAssertEqual(expired.output.findings.first?.messageIndex, expired.events.first?.index)
        XCTAssertTrue(
            expired.output.findings.first?.message.contains("expired on 2020-06-12") ?? false,
            "\(expired.output.findings)")
        XCTAssertEqual(expired.events.first?.summary, "cn=old.example notAfter=2020-06-12")

        let expiring = certificateFindings(
            B.der(cn: "soon.example", notBefore: "230101000000Z", notAfter: "231120000000Z"), sni: "soon.example")
        XCTAssertEqual(expiring.codes, ["tls.certificate-expiring"])
        XCTAssertEqual(expiring.output.findings.first?.severity, .warning)

        let early = certificateFindings(
            B.der(cn: "new.example", notBefore: "20250101000000Z", notAfter: "20260101000000Z"), sni: "new.example")
        XCTAssertEqual(early.codes, ["tls.certificate-not-yet-valid"])

        let valid = certificateFindings(validCertificate)
        XCTAssertEqual(valid.codes, [])
        let sanOnly = certificateFindings(
            B.der(cn: "", notBefore: "230101000000Z", notAfter: "300101000000Z", dnsNames: ["san.example"]),
            sni: "san.example")
        XCTAssertEqual(sanOnly.events.first?.summary, "cn=san.example notAfter=2030-01-01")
    }

    func testACertificateThatDoesNotNameTheRequestedServerIsAMismatch() {
        let wrong = certificateFindings(validCertificate, sni: "api.other.example")
        XCTAssertEqual(wrong.codes, ["tls.certificate-name-mismatch"])
        XCTAssertEqual(wrong.output.findings.first?.severity, .error)
        let wildcard = B.der(
            cn: "ignored", notBefore: "230101000000Z", notAfter: "300101000000Z", dnsNames: ["*.example.net"])
        XCTAssertEqual(certificateFindings(wildcard, sni: "api.example.net").codes, [], "a wildcard names one label")
        XCTAssertEqual(certificateFindings(wildcard, sni: "a.b.example.net").codes, ["tls.certificate-name-mismatch"])
        XCTAssertEqual(
            certificateFindings(wildcard, sni: "ignored").codes, ["tls.certificate-name-mismatch"],
            "subjectAltName names take precedence over the common name")
    }

    func testTheSameCertificateHasTheSameFingerprint() {
        let first = certificateFindings(validCertificate).events.first?.fingerprint
        let again = certificateFindings(validCertificate).events.first?.fingerprint
        let other = certificateFindings(
            B.der(cn: "example.com", notBefore: "230101000000Z", notAfter: "20310101000000Z")
        ).events.first?.fingerprint
        XCTAssertEqual(first, again)
        XCTAssertNotEqual(first, other)
    }

    func testAFatalAlertFromTheServerIsAnEventAndAFinding() {
        for chunk in [1, Int.max] {
            var h = DissectorHarness(TLSDissector())
            h.send(.clientToServer, B.record(22, B.clientHello(sni: "example.com", suites: [0x0005])), chunk: chunk)
            h.send(.serverToClient, B.alert(level: 2, 40), chunk: chunk)
            h.end()
            XCTAssertEqual(h.requests.count, 1)
            XCTAssertEqual(h.responses.count, 0)
            XCTAssertEqual(h.events.map(\.name), ["Alert"])
            XCTAssertEqual(h.events.first?.status, MessageStatus(.clientError, code: "handshake_failure"))
            XCTAssertEqual(h.codes, ["tls.alert"])
            XCTAssertEqual(h.output.findings.first?.severity, .error)
            XCTAssertEqual(
                h.output.findings.first?.message,
                "server sent fatal alert handshake_failure: no cipher suite or version in common")
        }
    }

    func testCertificateAlertsAreAuthenticationFailures() {
        var h = DissectorHarness(TLSDissector())
        h.send(.clientToServer, B.record(22, B.clientHello(sni: "example.com")))
        h.send(
            .serverToClient,
            B.record(22, B.serverHello(suite: 0xC02F) + B.certificate([validCertificate]) + B.handshake(14, [])))
        h.send(.clientToServer, B.alert(level: 2, 48))
        h.send(.serverToClient, B.alert(level: 1, 0))
        h.end()
        XCTAssertEqual(
            h.events.compactMap(\.status),
            [
                MessageStatus(.authenticationFailure, code: "unknown_ca"),
                MessageStatus(.success, code: "close_notify"),
            ])
        XCTAssertEqual(h.output.findings.map(\.severity), [.error, .info])
        XCTAssertTrue(h.output.findings[0].message.hasPrefix("client sent fatal alert unknown_ca"))
    }

    func testAlertsAfterChangeCipherSpecAreEncryptedAndNotRead() {
        var h = DissectorHarness(TLSDissector())
        h.send(.clientToServer, B.record(22, B.clientHello()))
        h.send(
            .serverToClient,
            B.record(22, B.serverHello(suite: 0xC02F)) + B.record(20, [1])
                + B.record(21, Array(repeating: 2, count: 26)))
        h.end()
        XCTAssertEqual(h.events.map(\.name), ["ApplicationData"])
        XCTAssertEqual(h.codes, [])
    }

    func testMalformedRecordsStopTheDirection() {
        var h = DissectorHarness(TLSDissector())
        h.send(.clientToServer, [0x42, 0x03, 0x03, 0x00, 0x02, 0x00, 0x00] + B.record(22, B.clientHello()))
        h.send(.serverToClient, [0x17, 0x03, 0x03, 0xFF, 0xFF] + Array(repeating: 0, count: 100))
        h.send(.serverToClient, B.record(22, B.serverHello(suite: 0x1301)))
        h.end()
        XCTAssertEqual(h.codes, ["tls.malformed", "tls.malformed"])
        XCTAssertTrue(h.output.findings[0].message.contains("content type 66"))
        XCTAssertTrue(h.output.findings[1].message.contains("record length 65535 exceeds"))
        XCTAssertEqual(h.output.messages, [])
    }

    func testAGapInsideApplicationDataLosesNothing() {
        var h = DissectorHarness(TLSDissector())
        h.send(.clientToServer, B.record(22, B.clientHello()))
        h.send(
            .serverToClient,
            B.record(22, B.serverHello(suite: 0x1301, alpn: nil))
                + Array(B.record(23, Array(repeating: 1, count: 5000)).prefix(1005)))
        h.gap(.serverToClient, 3000)
        h.send(.serverToClient, Array(repeating: 1, count: 1000) + B.alert(level: 2, 80))
        h.end()
        XCTAssertEqual(h.codes, ["tls.alert"])
        XCTAssertEqual(h.events.last?.bytes, 5005)

        var lost = DissectorHarness(TLSDissector())
        lost.send(.clientToServer, Array(B.record(22, B.clientHello()).prefix(20)))
        lost.gap(.clientToServer, 30)
        lost.send(.clientToServer, B.record(22, B.clientHello()))
        lost.end()
        XCTAssertEqual(lost.codes, ["tls.unreadable-after-gap"])
        XCTAssertEqual(lost.requests.count, 0)
    }

    func testHandshakeMessagesSpanningRecordsAreReassembledAndHugeOnesSkipped() {
        var h = DissectorHarness(TLSDissector())
        let hello = B.clientHello(sni: "split.example", alpn: ["h2"])
        h.send(
            .clientToServer, B.record(22, Array(hello.prefix(10))) + B.record(22, Array(hello.dropFirst(10))), chunk: 9)
        // A 70,000-byte certificate message in records of 16 KiB, then ServerHelloDone.
        let huge = B.certificate([Array(repeating: 0x30, count: 69_990)])
        var stream: [UInt8] = []
        var rest = B.serverHello(suite: 0xC02F) + huge + B.handshake(14, [])
        while !rest.isEmpty {
            stream += B.record(22, Array(rest.prefix(16_384)))
            rest = Array(rest.dropFirst(16_384))
        }
        h.send(.serverToClient, stream, chunk: 1_000)
        h.send(.clientToServer, B.alert(level: 2, 42))
        h.end()
        XCTAssertEqual(h.requests.map(\.key), ["split.example"])
        XCTAssertEqual(h.responses.count, 1)
        XCTAssertEqual(h.codes, ["tls.certificate-unreadable", "tls.alert"])
        XCTAssertEqual(h.events.first?.status?.outcome, .authenticationFailure)
    }

    func testAnyBytesAreReadWithoutCrashing() {
        var generator = SplitMix64(seed: 42)
        let valid = tls12(certificate: validCertificate)
        let base = valid.client.flatMap { $0 } + valid.server.flatMap { $0 }
        for round in 0..<400 {
            var h = DissectorHarness(TLSDissector())
            var bytes: [UInt8]
            switch round % 4 {
            case 0:
                bytes = (0..<Int(generator.next() % 3000)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            case 1:
                bytes =
                    [0x16, 0x03, 0x01]
                    + (0..<Int(generator.next() % 500)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            default:
                // A valid handshake with bytes flipped, or cut short.
                bytes = Array(base)
                for _ in 0..<(1 + generator.next() % 8) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
                if round % 4 == 3 { bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count)))) }
            }
            let chunk = 1 + Int(generator.next() % 64)
            h.send(.clientToServer, bytes, chunk: chunk)
            h.send(.serverToClient, bytes.reversed(), chunk: chunk)
            if round % 5 == 0 { h.gap(.serverToClient, 17) }
            h.end()
        }
    }
}

/// A small seeded generator, so fuzz rounds are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
