import InterposeCapture
import InterposeChecks
import InterposeCore
import InterposeProtocols
import XCTest

@testable import InterposeAnalysis

/// The checks across conversations of one service, on messages as the dissectors make them.
final class ServiceChecksTests: XCTestCase {
    private let server = Endpoint("10.0.0.2:443")!
    private var clock: Int64 = 1_700_000_000_000_000_000

    private func connection(_ id: UInt64) -> ConnectionDescriptor {
        ConnectionDescriptor(id: ConnectionID(id), client: Endpoint("10.0.0.1:\(40000 + id)")!, server: server)
    }

    private func message(
        _ role: Message.Role, _ application: ApplicationProtocol = .http1, name: String = "GET", key: String = "GET /",
        version: String? = nil, answers: Int? = nil, status: MessageStatus? = nil, fingerprint: UInt64 = 0,
        index: Int = 0
    ) -> Message {
        clock += 1_000_000
        return Message(
            index: index, role: role, application: application,
            direction: role == .request ? .clientToServer : .serverToClient,
            start: Timestamp(nanosecondsSinceEpoch: clock), end: Timestamp(nanosecondsSinceEpoch: clock + 500_000),
            name: name, summary: "\(name) \(key)", key: key, version: version, answers: answers,
            expectsResponse: role == .request, status: status, fingerprint: fingerprint)
    }

    func testVersionDriftAcrossConversationsOfOneServiceIsAWarning() {
        var services = ServiceChecks()
        var findings: [Finding] = []
        for (id, version) in [(1, "HTTP/1.1"), (2, "HTTP/1.1"), (3, "HTTP/1.0")] {
            var checker = ConversationChecker(descriptor: connection(UInt64(id)))
            _ = checker.take(message(.request, version: version), findings: &findings)
            _ = checker.take(message(.response, version: version, answers: 0, index: 1), findings: &findings)
            services.conversationEnded(
                checker, unanswered: checker.close(ending: .closed, joinedLate: false, findings: &findings))
        }
        let drift = services.summaryFindings().filter { $0.code == "http.version-drift" }
        XCTAssertEqual(drift.count, 1)
        XCTAssertEqual(drift.first?.severity, .warning)
        XCTAssertEqual(drift.first?.connection, ConnectionID(3), "the rarer version is pointed at")
    }

    func testARequestRepeatedOnANewConnectionAfterAResetIsARetry() {
        var services = ServiceChecks()
        var findings: [Finding] = []
        var first = ConversationChecker(descriptor: connection(1))
        let post = message(.request, name: "POST", key: "POST /orders", fingerprint: 42)
        services.request(post, on: connection(1), findings: &findings)
        _ = first.take(post, findings: &findings)
        services.conversationEnded(
            first, unanswered: first.close(ending: .reset(by: .serverToClient), joinedLate: false, findings: &findings))
        XCTAssertEqual(findings.map(\.code), ["http.disconnect-in-flight"])
        services.request(
            message(.request, name: "POST", key: "POST /orders", fingerprint: 42), on: connection(2),
            findings: &findings)
        XCTAssertEqual(findings.last?.code, "http.retried-request")
        XCTAssertEqual(findings.last?.severity, .warning, "POST is not idempotent")
        XCTAssertEqual(findings.last?.connection, ConnectionID(2))
    }

    func testCertificateChangeForOneServerNameIsReported() {
        var services = ServiceChecks()
        var findings: [Finding] = []
        let certificate = { (fingerprint: UInt64) in
            Message(
                index: 2, role: .event, application: .tls, direction: .serverToClient,
                start: Timestamp(nanosecondsSinceEpoch: 1), end: Timestamp(nanosecondsSinceEpoch: 2),
                name: "Certificate",
                summary: "cn=api notAfter=2027-01-01", key: "api.example", fingerprint: fingerprint)
        }
        services.event(certificate(7), on: connection(1), findings: &findings)
        services.event(certificate(7), on: connection(2), findings: &findings)
        XCTAssertEqual(findings, [])
        services.event(certificate(8), on: connection(3), findings: &findings)
        XCTAssertEqual(findings.map(\.code), ["tls.certificate-changed"])
    }

    func testStatusSummariesSeparateErrorsFromInformation() {
        var services = ServiceChecks()
        let request = message(.request, key: "GET /x")
        for (code, outcome) in [
            ("503", MessageStatus.Outcome.serverError), ("404", .clientError), ("403", .authenticationFailure),
        ] {
            services.response(
                message(.response, answers: 0, status: MessageStatus(outcome, code: code)), to: request,
                on: connection(1))
        }
        let findings = services.summaryFindings()
        XCTAssertEqual(
            Set(findings.map { "\($0.code) \($0.severity)" }),
            ["http.server-error warning", "http.client-error info", "http.auth-failure error"])

        var challenge = ServiceChecks()
        challenge.response(
            message(.response, answers: 0, status: MessageStatus(.authenticationFailure, code: "401")), to: request,
            on: connection(1))
        XCTAssertEqual(
            challenge.summaryFindings().map(\.severity), [.warning], "a 401 challenge alone is not a failed check")
    }
}

/// The list of requests waiting for an answer.
final class PendingRequestsTests: XCTestCase {
    private func request(_ index: Int) -> Message {
        Message(
            index: index, role: .request, application: .http2, direction: .clientToServer,
            start: Timestamp(nanosecondsSinceEpoch: 0), end: Timestamp(nanosecondsSinceEpoch: 0), name: "GET",
            summary: "GET /\(index)", expectsResponse: true)
    }

    func testAnswersInAnyOrderAndRequestsCompletingOutOfOrder() {
        var pending = PendingRequests()
        for index in [0, 2, 4, 3, 6, 1, 8] { pending.append(request(index)) }
        XCTAssertEqual(pending.remove(index: 0)?.index, 0)
        XCTAssertEqual(pending.remove(index: 6)?.index, 6)
        XCTAssertNil(pending.remove(index: 6))
        XCTAssertNil(pending.remove(index: 5))
        XCTAssertEqual(pending.remove(index: 3)?.index, 3)
        pending.append(request(7))
        XCTAssertEqual(pending.remove(index: 1)?.index, 1)
        XCTAssertEqual(pending.count, 4)
        XCTAssertEqual(pending.removeAll().map(\.index), [2, 4, 7, 8])
        XCTAssertTrue(pending.isEmpty)
    }

    func testLongInOrderRunStaysCompact() {
        var pending = PendingRequests()
        for index in 0..<100_000 {
            pending.append(request(index))
            if index >= 10 { XCTAssertEqual(pending.remove(index: index - 10)?.index, index - 10) }
        }
        XCTAssertEqual(pending.count, 10)
    }
}
