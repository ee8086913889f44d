import InterposeCapture
import InterposeCore
import NIOCore
import XCTest

@testable import InterposeProxy

#if canImport(Glibc)
    import Glibc
#endif

/// The connection lifecycle without sockets: every event order that decides how a connection ends.
final class ProxyConnectionStateMachineTests: XCTestCase {
    typealias Machine = ProxyConnectionStateMachine<ManualClock>

    private let listener = Endpoint(address: IPAddress("127.0.0.1")!, port: 8080)
    private let upstream = HostPort(host: "127.0.0.1", port: 9000)
    private var clock = ManualClock()

    override func setUp() {
        clock = ManualClock()
    }

    private func machine(transparent: Bool = false, intercepting: Bool = false) throws -> Machine {
        Machine(
            configuration: .init(
                upstream: upstream, upstreamAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 9000),
                listener: listener, transparent: transparent, intercepting: intercepting,
                connectTimeout: .seconds(5)),
            clock: clock)
    }

    private func summary(_ actions: [Machine.Action], file: StaticString = #filePath, line: UInt = #line)
        -> Machine.Summary?
    {
        guard actions.count == 1, case .finish(let summary) = actions[0] else {
            XCTFail("expected one finish action, got \(actions)", file: file, line: line)
            return nil
        }
        return summary
    }

    /// A plain connection up to forwarding.
    private func forwarding() throws -> Machine {
        var machine = try machine()
        XCTAssertEqual(machine.clientActive(), [.recordClientLeg, .connect])
        XCTAssertEqual(machine.upstreamConnected(clientActive: true), [.recordUpstreamLeg, .addUpstreamGlue])
        XCTAssertEqual(machine.phase, .forwarding)
        return machine
    }

    private struct TestError: Error, CustomStringConvertible {
        var description: String
    }

    // MARK: Plain connections

    func testBothHalfClosesEndGracefullyWithTheByteCounts() throws {
        var machine = try forwarding()
        XCTAssertNil(machine.read(10, from: .client))
        XCTAssertNil(machine.read(25, from: .upstream))
        XCTAssertTrue(machine.recordsRead(faultsEngaged: false))
        XCTAssertFalse(machine.recordsWritten(faultsEngaged: false), "recorded as read, not again as written")
        XCTAssertTrue(machine.inputEnded(on: .client, faultsEngaged: false))
        XCTAssertFalse(machine.inputEnded(on: .client, faultsEngaged: false), "one FIN per direction")
        XCTAssertTrue(machine.inputEnded(on: .upstream, faultsEngaged: false))
        clock.advance(by: .milliseconds(1250))
        XCTAssertEqual(machine.channelClosed(.client), [])
        let end = try XCTUnwrap(summary(machine.channelClosed(.upstream)))
        XCTAssertEqual(end.end, .graceful)
        XCTAssertEqual(
            end.text, "client and upstream closed (FIN both ways); 10 B client->server, 25 B server->client; 1.250 s")
        XCTAssertEqual(end.unreportedToServer, 10)
        XCTAssertEqual(end.unreportedToClient, 25)
        XCTAssertEqual(end.forwardedTo, "127.0.0.1:9000")
        XCTAssertTrue(machine.isClosed)
        XCTAssertFalse(machine.recordsDelivered)
        XCTAssertFalse(machine.recordsWritten(faultsEngaged: true), "nothing recorded after the close")
        XCTAssertEqual(machine.channelClosed(.client), [], "the end is given out once")
    }

    func testOneHalfCloseOnlyIsAResetByTheProxy() throws {
        var machine = try forwarding()
        XCTAssertTrue(machine.inputEnded(on: .client, faultsEngaged: false))
        _ = machine.channelClosed(.upstream)
        let end = try XCTUnwrap(summary(machine.channelClosed(.client)))
        XCTAssertEqual(end.end, .reset(by: .serverToClient))
        XCTAssertEqual(end.reason, "closed with one direction still open")
    }

    func testResetAfterHalfCloseKeepsTheResetAndRecordsNoLaterFIN() throws {
        var machine = try forwarding()
        XCTAssertTrue(machine.inputEnded(on: .client, faultsEngaged: false))
        machine.failed(on: .upstream, error: IOError(errnoCode: ECONNRESET, reason: "read"))
        XCTAssertFalse(machine.inputEnded(on: .upstream, faultsEngaged: false), "no FIN after a reset")
        XCTAssertFalse(machine.recordsDeliveredEnd)
        machine.aborted(on: .client)
        _ = machine.channelClosed(.upstream)
        let end = try XCTUnwrap(summary(machine.channelClosed(.client)))
        XCTAssertEqual(end.end, .reset(by: .serverToClient))
        XCTAssertEqual(end.reason, "upstream reset the connection", "the first abnormal end is kept")
    }

    func testAnErrorOtherThanAResetIsDescribed() throws {
        var machine = try forwarding()
        machine.failed(on: .client, error: IOError(errnoCode: ETIMEDOUT, reason: "read"))
        _ = machine.channelClosed(.client)
        let end = try XCTUnwrap(summary(machine.channelClosed(.upstream)))
        XCTAssertEqual(end.end, .reset(by: .clientToServer))
        XCTAssertEqual(end.reason, "client error: connection timed out")
    }

    func testClientClosingWithoutFINIsAnAbortByTheClient() throws {
        var machine = try forwarding()
        machine.aborted(on: .client)
        _ = machine.channelClosed(.client)
        let end = try XCTUnwrap(summary(machine.channelClosed(.upstream)))
        XCTAssertEqual(end.end, .reset(by: .clientToServer))
        XCTAssertEqual(end.reason, "client connection closed without FIN")
    }

    func testWithToxicsReadsAndFINsAreRecordedAsTheyLeaveTheFaults() throws {
        var machine = try forwarding()
        XCTAssertNil(machine.read(5, from: .client))
        XCTAssertFalse(machine.recordsRead(faultsEngaged: true))
        XCTAssertTrue(machine.recordsWritten(faultsEngaged: true))
        XCTAssertFalse(machine.inputEnded(on: .client, faultsEngaged: true))
        XCTAssertTrue(machine.recordsDelivered)
        XCTAssertTrue(machine.recordsDeliveredEnd)
    }

    func testStatisticsAreReportedEvery64ReadsOr64KiB() throws {
        var machine = try forwarding()
        for _ in 0..<63 {
            XCTAssertNil(machine.read(1, from: .client))
        }
        let batch = try XCTUnwrap(machine.read(1, from: .upstream))
        XCTAssertEqual(batch.toServer, 63)
        XCTAssertEqual(batch.toClient, 1)
        let bulk = try XCTUnwrap(machine.read(65_536, from: .upstream))
        XCTAssertEqual(bulk.toServer, 0)
        XCTAssertEqual(bulk.toClient, 65_536)
        XCTAssertNil(machine.read(7, from: .client))
        XCTAssertTrue(machine.inputEnded(on: .client, faultsEngaged: false))
        XCTAssertTrue(machine.inputEnded(on: .upstream, faultsEngaged: false))
        _ = machine.channelClosed(.client)
        let end = try XCTUnwrap(summary(machine.channelClosed(.upstream)))
        XCTAssertEqual(end.bytesToServer, 70)
        XCTAssertEqual(end.unreportedToServer, 7, "only what the statistics do not have yet")
        XCTAssertEqual(end.unreportedToClient, 0)
    }

    // MARK: Connecting

    func testClientFINBeforeTheConnectCompletesIsForwardedOnceConnected() throws {
        var machine = try machine()
        _ = machine.clientActive()
        XCTAssertTrue(machine.inputEnded(on: .client, faultsEngaged: false))
        XCTAssertEqual(machine.upstreamConnected(clientActive: true), [.recordUpstreamLeg, .addUpstreamGlue])
        XCTAssertTrue(machine.inputEnded(on: .upstream, faultsEngaged: false))
        _ = machine.channelClosed(.client)
        XCTAssertEqual(try XCTUnwrap(summary(machine.channelClosed(.upstream))).end, .graceful)
    }

    func testClientLeavingBeforeTheConnectCompletesResetsTheLateUpstream() throws {
        var machine = try machine()
        _ = machine.clientActive()
        machine.aborted(on: .client)
        let end = try XCTUnwrap(summary(machine.channelClosed(.client)))
        XCTAssertEqual(end.reason, "client connection closed without FIN")
        XCTAssertEqual(machine.upstreamConnected(clientActive: false), [.reset(.upstream)])
        XCTAssertEqual(machine.channelClosed(.upstream), [])
    }

    func testClientClosingCleanlyBeforeTheUpstreamConnected() throws {
        var machine = try machine()
        _ = machine.clientActive()
        let end = try XCTUnwrap(summary(machine.channelClosed(.client)))
        XCTAssertEqual(end.end, .reset(by: .clientToServer))
        XCTAssertEqual(end.reason, "client closed before the upstream connected")
    }

    func testResetDuringConnectKeepsTheClientsReset() throws {
        var machine = try machine()
        _ = machine.clientActive()
        machine.failed(on: .client, error: IOError(errnoCode: ECONNRESET, reason: "read"))
        let end = try XCTUnwrap(summary(machine.channelClosed(.client)))
        XCTAssertEqual(end.end, .reset(by: .clientToServer))
        XCTAssertEqual(end.reason, "client reset the connection")
        XCTAssertFalse(machine.connectDelayElapsed(clientActive: false), "a delayed connect is not made")
    }

    func testUpstreamRefusingResetsTheClientAndCountsAFailure() throws {
        var machine = try machine()
        _ = machine.clientActive()
        let actions = machine.upstreamConnectFailed(IOError(errnoCode: ECONNREFUSED, reason: "connect"))
        XCTAssertEqual(actions, [.countUpstreamFailure, .reset(.client)])
        machine.failed(on: .client, error: IOError(errnoCode: ECONNRESET, reason: "read"))
        let end = try XCTUnwrap(summary(machine.channelClosed(.client)))
        XCTAssertEqual(end.end, .reset(by: .serverToClient))
        XCTAssertEqual(end.reason, "upstream 127.0.0.1:9000 failed: connection refused")
    }

    func testConnectTimeoutIsDescribedInMilliseconds() throws {
        var machine = try machine()
        _ = machine.clientActive()
        _ = machine.upstreamConnectFailed(ChannelError.connectTimeout(.milliseconds(300)))
        let end = try XCTUnwrap(summary(machine.channelClosed(.client)))
        XCTAssertEqual(end.reason, "upstream 127.0.0.1:9000 failed: connect timed out after 300 ms")
    }

    func testConnectDelayConnectsOnlyWhileTheClientIsThere() throws {
        var machine = try machine()
        XCTAssertFalse(machine.connectDelayElapsed(clientActive: true), "not before the client leg opened")
        _ = machine.clientActive()
        XCTAssertTrue(machine.connectDelayElapsed(clientActive: true))
        XCTAssertFalse(machine.connectDelayElapsed(clientActive: false))
    }

    func testClientActiveTwiceOpensTheClientLegOnce() throws {
        var machine = try machine()
        XCTAssertEqual(machine.clientActive(), [.recordClientLeg, .connect])
        XCTAssertEqual(machine.clientActive(), [])
    }

    // MARK: Ends from the proxy

    func testShutdownAbortResetsBothSides() throws {
        var machine = try forwarding()
        XCTAssertEqual(
            machine.abort(reason: "proxy shut down after the grace period"), [.reset(.client), .reset(.upstream)])
        machine.aborted(on: .client)
        _ = machine.channelClosed(.client)
        let end = try XCTUnwrap(summary(machine.channelClosed(.upstream)))
        XCTAssertEqual(end.reason, "proxy shut down after the grace period")
    }

    func testFaultCloseAndResetKeepTheFaultAsTheReason() throws {
        var closing = try forwarding()
        XCTAssertEqual(closing.faultClosed(reason: "timeout: 100 ms"), [.closeForFault])
        _ = closing.channelClosed(.client)
        XCTAssertEqual(
            try XCTUnwrap(summary(closing.channelClosed(.upstream))).reason, "interpose fault timeout: 100 ms")

        var resetting = try machine()
        _ = resetting.clientActive()
        XCTAssertEqual(resetting.faultReset(reason: "reset_peer"), [.reset(.client)], "no upstream yet")
    }

    // MARK: Transparent mode

    func testTransparentConnectionGoesToItsOriginalDestination() throws {
        var machine = try machine(transparent: true)
        XCTAssertEqual(machine.clientActive(), [.readOriginalDestination])
        let original = Endpoint(address: IPAddress("10.0.0.7")!, port: 443)
        let address = try SocketAddress(ipAddress: "10.0.0.7", port: 443)
        XCTAssertEqual(
            machine.originalDestinationRead(original, address: address),
            [.logOriginalDestination, .recordClientLeg, .connect])
        XCTAssertEqual(machine.destination, HostPort(host: "10.0.0.7", port: 443))
        XCTAssertEqual(machine.destinationAddress, address)
        XCTAssertEqual(machine.server, original)
    }

    func testTransparentConnectionToTheListenerItselfIsRefused() throws {
        var machine = try machine(transparent: true)
        _ = machine.clientActive()
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 8080)
        XCTAssertEqual(
            machine.originalDestinationRead(listener, address: address), [.countUpstreamFailure, .reset(.client)])
        let end = try XCTUnwrap(summary(machine.channelClosed(.client)))
        XCTAssertEqual(end.end, .reset(by: .serverToClient))
        XCTAssertEqual(
            end.reason,
            "refused: not redirected (original destination 127.0.0.1:8080 is the listener itself; forwarding it would loop)"
        )
        XCTAssertEqual(end.forwardedTo, "(not forwarded)")
    }

    func testTransparentConnectionWithoutAnOriginalDestinationIsRefused() throws {
        var machine = try machine(transparent: true)
        _ = machine.clientActive()
        XCTAssertEqual(
            machine.originalDestinationUnreadable(TestError(description: "cannot read the original destination")),
            [.countUpstreamFailure, .reset(.client)])
        let end = try XCTUnwrap(summary(machine.channelClosed(.client)))
        XCTAssertEqual(end.reason, "refused: cannot read the original destination")
    }

    // MARK: TLS interception

    /// An intercepting connection whose upstream is connected and handshaking.
    private func upstreamHandshaking() throws -> Machine {
        var machine = try machine(intercepting: true)
        XCTAssertEqual(machine.clientActive(), [.recordClientLeg, .awaitClientHello])
        XCTAssertEqual(machine.clientHelloReceived(), [.connect])
        clock.advance(by: .seconds(1))
        XCTAssertEqual(
            machine.upstreamConnected(clientActive: true),
            [.recordUpstreamLeg, .startUpstreamTLS(timeoutAt: ManualClock.Instant(.seconds(6)))])
        XCTAssertEqual(machine.phase, .upstreamHandshake)
        return machine
    }

    func testInterceptionHandshakesWithTheUpstreamThenTheClient() throws {
        var machine = try upstreamHandshaking()
        XCTAssertEqual(
            machine.tlsHandshakeCompleted(on: .upstream, applicationProtocol: "h2", clientActive: true),
            [
                .cancelUpstreamHandshakeTimeout, .addUpstreamGlue, .noteInterception(applicationProtocol: "h2"),
                .startClientTLS(applicationProtocol: "h2"),
            ])
        XCTAssertEqual(
            machine.tlsHandshakeCompleted(on: .client, applicationProtocol: "h2", clientActive: true),
            [.interceptionCompleted(applicationProtocol: "h2")])
        XCTAssertEqual(machine.upstreamClosedBeforeForwarding(), [], "the glue reports the close from now on")
        XCTAssertEqual(machine.upstreamHandshakeTimedOut(upstreamActive: true), [])
    }

    func testClientThatIsNotTLSIsRefusedWithAFinding() throws {
        var machine = try machine(intercepting: true)
        _ = machine.clientActive()
        XCTAssertEqual(
            machine.clientNotTLS(reason: "the first byte is 0x47, not a TLS handshake record"),
            [
                .countTLSFailure(upstream: false),
                .reportClientNotTLS(reason: "the first byte is 0x47, not a TLS handshake record"),
                .countUpstreamFailure, .reset(.client),
            ])
        XCTAssertEqual(machine.clientHelloReceived(), [])
        let end = try XCTUnwrap(summary(machine.channelClosed(.client)))
        XCTAssertEqual(end.reason, "refused: the first byte is 0x47, not a TLS handshake record")
    }

    func testClientClosingBeforeItsHelloIsItsOwnEnd() throws {
        var machine = try machine(intercepting: true)
        _ = machine.clientActive()
        machine.clientClosedBeforeHello()
        let end = try XCTUnwrap(summary(machine.channelClosed(.client)))
        XCTAssertEqual(end.end, .reset(by: .clientToServer))
        XCTAssertEqual(end.reason, "client closed before completing its ClientHello")
    }

    func testUpstreamHandshakeFailureResetsBothAndReportsIt() throws {
        var machine = try upstreamHandshaking()
        let failure = TestError(description: "certificate verify failed")
        let actions = machine.tlsHandshakeFailed(on: .upstream, error: failure)
        guard actions.count == 5, case .reportTLSHandshakeFailure(.upstream, let reason) = actions[2] else {
            return XCTFail("unexpected actions \(actions)")
        }
        XCTAssertEqual(actions[0], .cancelUpstreamHandshakeTimeout)
        XCTAssertEqual(actions[1], .countTLSFailure(upstream: true))
        XCTAssertEqual(Array(actions[3...]), [.reset(.client), .reset(.upstream)])
        // The upstream channel has no glue yet: its close comes from its close future.
        XCTAssertEqual(machine.upstreamClosedBeforeForwarding(), [])
        XCTAssertEqual(machine.upstreamClosedBeforeForwarding(), [], "counted once")
        machine.failed(on: .client, error: IOError(errnoCode: ECONNRESET, reason: "read"))
        let end = try XCTUnwrap(summary(machine.channelClosed(.client)))
        XCTAssertEqual(end.reason, "tls upstream handshake failed: \(reason)")
    }

    func testUpstreamHandshakeTimeoutFailsTheHandshake() throws {
        var machine = try upstreamHandshaking()
        XCTAssertEqual(machine.upstreamHandshakeTimedOut(upstreamActive: false), [], "already closed")
        let actions = machine.upstreamHandshakeTimedOut(upstreamActive: true)
        XCTAssertEqual(actions.last, .reset(.upstream))
        XCTAssertTrue(actions.contains(.countTLSFailure(upstream: true)))
        XCTAssertEqual(
            machine.abnormalEnd?.reason, "tls upstream handshake failed: the handshake did not finish within 5000 ms")
    }

    func testClientRefusingTheInterceptionCertificateResetsBoth() throws {
        var machine = try upstreamHandshaking()
        _ = machine.tlsHandshakeCompleted(on: .upstream, applicationProtocol: nil, clientActive: true)
        let actions = machine.tlsHandshakeFailed(on: .client, error: TestError(description: "unknown ca"))
        XCTAssertEqual(actions.first, .countTLSFailure(upstream: false))
        XCTAssertEqual(Array(actions.suffix(2)), [.reset(.client), .reset(.upstream)])
        XCTAssertEqual(machine.abnormalEnd?.end, .reset(by: .serverToClient))
    }

    func testClientLeavingDuringTheUpstreamHandshakeResetsTheUpstream() throws {
        var machine = try upstreamHandshaking()
        XCTAssertEqual(
            machine.tlsHandshakeCompleted(on: .upstream, applicationProtocol: nil, clientActive: false),
            [.cancelUpstreamHandshakeTimeout, .reset(.upstream)])
    }

    func testHandshakeEventsAfterTheCloseOnlyCancelTheTimeout() throws {
        var machine = try upstreamHandshaking()
        machine.aborted(on: .client)
        _ = machine.channelClosed(.client)
        XCTAssertEqual(machine.upstreamClosedBeforeForwarding().count, 1, "the last channel closes the connection")
        XCTAssertEqual(
            machine.tlsHandshakeFailed(on: .upstream, error: TestError(description: "eof")),
            [.cancelUpstreamHandshakeTimeout])
        XCTAssertEqual(
            machine.tlsHandshakeCompleted(on: .upstream, applicationProtocol: nil, clientActive: false),
            [.cancelUpstreamHandshakeTimeout])
    }
}
