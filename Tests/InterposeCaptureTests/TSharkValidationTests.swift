import Foundation
import InterposeCapture
import InterposeCore
import InterposeTestSupport
import XCTest

/// Captures written by `CaptureSink` read back by tshark: clean, byte-exact, right endpoints.
final class TSharkValidationTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes `script` and checks everything tshark says about it.
    private func assertTSharkAgrees(
        _ script: CaptureScript, upstreamLeg: Bool, file: StaticString = #filePath, line: UInt = #line
    ) throws -> String {
        var configuration = CaptureSink.Configuration(path: directory + "/capture.pcapng")
        configuration.recordUpstreamLeg = upstreamLeg
        configuration.overflow = .block
        configuration.sectionComment = "interpose test"
        let statistics = try script.write(to: configuration)
        XCTAssertEqual(statistics.droppedRecords, 0, file: file, line: line)
        XCTAssertNil(statistics.writeError, file: file, line: line)
        let path = configuration.path

        XCTAssertEqual(try TShark.problemPackets(file: path), [], "tshark flags packets", file: file, line: line)
        // Resets are recorded on purpose; tshark reports each as a Warning. Anything else is a failure.
        let warnings = try TShark.expertWarnings(file: path).filter {
            !$0.hasPrefix("Warns (") && !$0.hasPrefix("Frequency") && !$0.hasSuffix("Connection reset (RST)")
        }
        XCTAssertEqual(warnings, [], "tshark expert warnings", file: file, line: line)

        // Streams are numbered in order of first packet; map them back to connections by endpoints.
        let streamCount = try TShark.streamCount(file: path)
        var expected: [String: (CaptureScript.Connection, isUpstream: Bool)] = [:]
        for connection in script.connections.values {
            expected["\(connection.client) \(connection.listener)"] = (connection, false)
            if upstreamLeg, let local = connection.local, let upstream = connection.upstream {
                expected["\(local) \(upstream)"] = (connection, true)
            }
        }
        XCTAssertEqual(streamCount, expected.count, "one TCP stream per recorded leg", file: file, line: line)
        for stream in 0..<streamCount {
            let followed = try TShark.followTCP(file: path, stream: stream)
            guard let (connection, _) = expected["\(followed.node0) \(followed.node1)"] else {
                XCTFail("unexpected stream \(followed.node0) -> \(followed.node1)", file: file, line: line)
                continue
            }
            XCTAssertEqual(followed.fromNode0.count, connection.sent.clientToServer.count, file: file, line: line)
            XCTAssertEqual(followed.fromNode1.count, connection.sent.serverToClient.count, file: file, line: line)
            XCTAssert(
                followed.fromNode0 == connection.sent.clientToServer, "client bytes differ", file: file, line: line)
            XCTAssert(
                followed.fromNode1 == connection.sent.serverToClient, "server bytes differ", file: file, line: line)
        }

        let conversations = try TShark.conversations(file: path)
        XCTAssertEqual(conversations.count, expected.count, file: file, line: line)
        for conversation in conversations {
            // tshark prints IPv6 endpoints without brackets.
            let pair = Set([conversation.endpointA, conversation.endpointB])
            let unbracketed = { (text: Substring) in
                text.replacingOccurrences(of: "[", with: "").replacingOccurrences(of: "]", with: "")
            }
            XCTAssert(
                expected.keys.contains { Set($0.split(separator: " ").map(unbracketed)) == pair },
                "unexpected conversation \(conversation)", file: file, line: line)
        }

        // Nanosecond timestamps survive: the script's clock always has a non-zero nanosecond digit.
        let times = try TShark.fields(file: path, fields: ["frame.time_epoch"]).map { $0[0] }
        XCTAssertFalse(times.isEmpty, file: file, line: line)
        for time in times.prefix(20) {
            let fraction = time.split(separator: ".").last ?? ""
            XCTAssertEqual(fraction.count, 9, "timestamp \(time) lacks ns precision", file: file, line: line)
        }
        return path
    }

    func testSmallExchangeIPv4IsCleanAndByteExact() throws {
        var script = CaptureScript()
        script.connect(1, client: "127.0.0.1:50001", listener: "127.0.0.1:47000", comment: "listener redis")
        script.send(1, .clientToServer, Array("PING\r\n".utf8))
        script.send(1, .serverToClient, Array("+PONG\r\n".utf8))
        script.finish(1, .clientToServer)
        script.finish(1, .serverToClient)
        script.close(1, .graceful, comment: "closed by client")
        _ = try assertTSharkAgrees(script, upstreamLeg: false)
    }

    func testManyConnectionsBothFamiliesBothLegsAreCleanAndByteExact() throws {
        var script = CaptureScript()
        // IPv4, one byte each way, client finishes first.
        script.connect(1, client: "127.0.0.1:40001", listener: "127.0.0.1:47000")
        script.connectUpstream(1, local: "127.0.0.1:41001", upstream: "127.0.0.1:46379")
        script.send(1, .clientToServer, count: 1)
        script.send(1, .serverToClient, count: 1)
        script.finish(1, .clientToServer)
        script.finish(1, .serverToClient)
        script.close(1, .graceful, comment: "graceful, client first")
        // IPv6, several MiB one way, server finishes first and the client still sends after it.
        script.connect(2, client: "[::1]:40002", listener: "[::1]:47000")
        script.connectUpstream(2, local: "[::1]:41002", upstream: "[::1]:46379")
        script.send(2, .clientToServer, count: 100)
        script.send(2, .serverToClient, count: 3 << 20, chunk: 200_000)
        script.finish(2, .serverToClient)
        script.send(2, .clientToServer, count: 70_000)
        script.finish(2, .clientToServer)
        script.close(2, .graceful, comment: "graceful, server first")
        // IPv4, large reads both ways, reset by the client.
        script.connect(3, client: "10.1.2.3:40003", listener: "10.9.8.7:47000")
        script.connectUpstream(3, local: "10.9.8.7:41003", upstream: "10.0.0.1:46379")
        script.send(3, .clientToServer, count: 5 << 20, chunk: 4 << 20)
        script.send(3, .serverToClient, count: 1 << 20)
        script.close(3, .reset(by: .clientToServer), comment: "reset by client")
        // IPv6, reset by the server after a half-close.
        script.connect(4, client: "[2001:db8::1]:40004", listener: "[2001:db8::2]:47000")
        script.connectUpstream(4, local: "[2001:db8::2]:41004", upstream: "[2001:db8::3]:46379")
        script.send(4, .clientToServer, count: 65_516)
        script.finish(4, .clientToServer)
        script.send(4, .serverToClient, count: 65_515)
        script.close(4, .reset(by: .serverToClient), comment: "reset by server")
        // Refused upstream: only the client leg.
        script.connect(5, client: "127.0.0.1:40005", listener: "127.0.0.1:47000")
        script.close(5, .reset(by: .serverToClient), comment: "upstream refused")
        // Interleaved with another connection, 64 MiB one way with no reply never fills the window.
        script.connect(6, client: "127.0.0.1:40006", listener: "127.0.0.1:47000")
        script.connectUpstream(6, local: "127.0.0.1:41006", upstream: "127.0.0.1:46379")
        script.send(6, .clientToServer, count: 8 << 20, chunk: 65_536)
        script.finish(6, .clientToServer)
        script.finish(6, .serverToClient)
        script.close(6, .graceful)
        _ = try assertTSharkAgrees(script, upstreamLeg: true)
    }

    func testSixtyFourMiBOneWayWithoutReplyNeverFillsTheWindow() throws {
        var script = CaptureScript()
        script.connect(1, client: "127.0.0.1:40001", listener: "127.0.0.1:47000")
        script.send(1, .clientToServer, count: 64 << 20, chunk: 4 << 20)
        script.finish(1, .clientToServer)
        script.finish(1, .serverToClient)
        script.close(1, .graceful)
        var configuration = CaptureSink.Configuration(path: directory + "/bulk.pcapng")
        configuration.overflow = .block
        let statistics = try script.write(to: configuration)
        XCTAssertEqual(statistics.payloadBytesRecorded, 64 << 20)
        XCTAssertEqual(try TShark.problemPackets(file: configuration.path), [])
        let lengths = try TShark.fields(file: configuration.path, filter: "tcp.len > 0", fields: ["tcp.len"])
        XCTAssertEqual(lengths.reduce(0) { $0 + Int($1[0])! }, 64 << 20)
    }
}
