import Foundation
import InterposeCapture
import InterposeCore
import InterposeProtocols
import InterposeReader
import InterposeTestSupport
import XCTest

/// Real HTTP/2 traffic captured on loopback and dissected: nghttpd served to h2load and nghttp
/// (prior knowledge), and gRPC between Python grpcio peers; counts compared with tshark's.
final class HTTP2TrafficTests: XCTestCase {
    private var work = ""

    private struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-h2-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    /// Drives one `ConversationDissector` per connection of a capture and keeps what they say.
    private struct Dissected: FrameConsumer {
        var conversations: [ConnectionID: ConversationDissector] = [:]
        var output = DissectorOutput()
        var applications: [ApplicationProtocol] = []
        /// What the reader found in the capture itself (gaps where tcpdump lost packets).
        var captureFindings: [Finding] = []

        /// Holes in the captured streams.
        var captureGaps = 0

        mutating func report(_ finding: Finding) {
            if finding.severity >= .warning { captureFindings.append(finding) }
        }

        mutating func connectionOpened(_ connection: ConnectionDescriptor, at timestamp: Timestamp) {
            conversations[connection.id] = ConversationDissector(connection: connection)
        }

        mutating func consume(_ frame: Frame) {
            conversations[frame.connection]?.consume(frame, into: &output)
        }

        mutating func connectionClosed(_ summary: ConnectionSummary) {
            captureGaps += summary.toServer.gaps + summary.toClient.gaps
            guard var conversation = conversations.removeValue(forKey: summary.descriptor.id) else { return }
            conversation.consume(
                Frame(
                    connection: summary.descriptor.id, direction: .clientToServer, timestamp: summary.end, event: .close
                ),
                into: &output)
            if let application = conversation.detection?.application { applications.append(application) }
        }

        var requests: [Message] { output.messages.filter { $0.role == .request } }
        var responses: [Message] { output.messages.filter { $0.role == .response } }
    }

    private func dissect(_ path: String) throws -> Dissected {
        let reader = try CaptureReader(path: path)
        var consumer = Dissected()
        _ = reader.read(into: &consumer)
        return consumer
    }

    /// HEADERS frames tshark reads from `path` sent to the server (`toServer`) or from it.
    private func tsharkHeadersFrames(_ path: String, port: UInt16, toServer: Bool) throws -> Int {
        let text = try TShark.run([
            "-r", path, "-d", "tcp.port==\(port),http2", "-Y", "tcp.\(toServer ? "dst" : "src")port==\(port)",
            "-T", "fields", "-e", "http2.type",
        ])
        return text.split(whereSeparator: { $0 == "\n" || $0 == "," }).filter { $0 == "1" }.count
    }

    private func waitUntilListening(_ port: UInt16, _ process: BackgroundProcess) throws {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if let socket = try? BlockingSocket.connect(host: "127.0.0.1", port: port, timeout: 1) {
                socket.close()
                return
            }
            usleep(50_000)
        }
        throw SetupError(description: "nothing listens on 127.0.0.1:\(port): \(process.stderrText)")
    }

    func testH2loadAndNghttpAgainstNghttpdAreReadAsTSharkReadsThem() throws {
        let nghttpd = try ProcessRunner.require("nghttpd", package: "nghttp2-server")
        let h2load = try ProcessRunner.require("h2load", package: "nghttp2-client")
        let nghttp = try ProcessRunner.require("nghttp", package: "nghttp2-client")
        let root = work + "/www"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let body = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(body).write(to: URL(fileURLWithPath: root + "/file"))
        let port = FreePort.next()
        let server = try BackgroundProcess(nghttpd, ["--no-tls", "-d", root, String(port)])
        defer { server.stop() }
        try waitUntilListening(port, server)

        // The capture must be complete: retake it if tcpdump lost packets (the machine under load).
        var path = ""
        var loads: [ProcessRunner.Result] = []
        for attempt in 1...3 {
            path = work + "/h2-\(attempt).pcap"
            let capture = try LoopbackCapture(path: path, ports: [port])
            loads.append(
                try ProcessRunner.run(
                    h2load, ["-n", "200", "-c", "2", "-m", "10", "http://127.0.0.1:\(port)/file"], timeout: 60))
            let single = try ProcessRunner.run(nghttp, ["-v", "http://127.0.0.1:\(port)/file?x=1"], timeout: 30)
            XCTAssertEqual(single.status, 0, single.stderrText)
            try ProcessRunner.run(nghttp, ["http://127.0.0.1:\(port)/missing"], timeout: 30)
            let said = capture.stop()
            let read = try dissect(path)
            let complete = said.split(separator: "\n").contains { $0.hasPrefix("0 packets dropped by kernel") }
            if complete, read.captureFindings.isEmpty, read.captureGaps == 0 { break }
        }
        let load = try XCTUnwrap(loads.last)
        XCTAssertEqual(load.status, 0, load.stderrText)
        let succeeded = load.stdoutText.split(separator: "\n").first { $0.hasPrefix("requests:") }
            .flatMap { line in line.split(separator: ",").first { $0.hasSuffix("succeeded") } }
            .flatMap { Int($0.split(separator: " ").first ?? "") }
        XCTAssertEqual(succeeded, 200, load.stdoutText)

        let dissected = try dissect(path)
        XCTAssertEqual(dissected.applications, [.http2, .http2, .http2, .http2])
        let problems = dissected.output.findings.filter { $0.severity >= .warning }
        XCTAssertEqual(problems, [], "\(problems)")
        XCTAssertEqual(dissected.requests.count, 202)
        XCTAssertEqual(dissected.responses.count, 202)
        XCTAssertEqual(dissected.responses.filter { $0.name == "200" }.count, 201)
        XCTAssertEqual(dissected.responses.filter { $0.name == "404" }.count, 1)
        XCTAssertEqual(Set(dissected.requests.map(\.key)), ["GET /file", "GET /missing"])
        XCTAssertTrue(dissected.responses.filter { $0.name == "200" }.allSatisfy { $0.bytes > 40_000 })
        XCTAssertEqual(try tsharkHeadersFrames(path, port: port, toServer: true), dissected.requests.count)
        XCTAssertEqual(try tsharkHeadersFrames(path, port: port, toServer: false), dissected.responses.count)
    }

    func testGRPCCallsBetweenGrpcioPeersCarryTheirStatus() throws {
        let python = try HTTP2TrafficTests.grpcPython()
        let script = work + "/peer.py"
        try Data(HTTP2TrafficTests.grpcPeer.utf8).write(to: URL(fileURLWithPath: script))
        let port = FreePort.next()
        let server = try BackgroundProcess(python, [script, "server", String(port)])
        defer { server.stop() }
        _ = try server.waitForOutput(containing: "ready", timeout: 30)
        try waitUntilListening(port, server)

        let path = work + "/grpc.pcap"
        let capture = try LoopbackCapture(path: path, ports: [port])
        let client = try ProcessRunner.run(python, [script, "client", String(port)], timeout: 60)
        capture.stop()
        XCTAssertEqual(client.status, 0, client.stderrText)
        XCTAssertTrue(client.stdoutText.contains("ok b'hello'"), client.stdoutText)
        XCTAssertTrue(client.stdoutText.contains("StatusCode.UNAVAILABLE"), client.stdoutText)

        let dissected = try dissect(path)
        let grpcRequests = dissected.requests.filter { $0.key.hasPrefix("POST /svc/") }
        XCTAssertEqual(grpcRequests.map(\.summary), ["POST /svc/Ok (1 message)", "POST /svc/Fail (1 message)"])
        let grpcResponses = dissected.responses.filter { $0.key.hasPrefix("POST /svc/") }
        XCTAssertEqual(
            grpcResponses.map(\.status),
            [MessageStatus(.success, code: "grpc-0"), MessageStatus(.serverError, code: "grpc-14")])
        XCTAssertEqual(grpcResponses.first?.summary, "grpc-status 0 (OK), 1 message")
        XCTAssertEqual(grpcResponses.map(\.answers), grpcRequests.map(\.index))
        let errors = dissected.output.findings.filter { $0.severity == .error }
        XCTAssertEqual(errors, [], "\(errors)")
        XCTAssertEqual(try tsharkHeadersFrames(path, port: port, toServer: true), 2)
    }

    /// The Python with grpcio that scripts/setup puts in `.build/venv`.
    private static func grpcPython() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let python = root.appendingPathComponent(".build/venv/bin/python3").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw SetupError(description: "\(python) is missing: run scripts/setup (it creates the venv with grpcio)")
        }
        return python
    }

    /// A gRPC server with generic handlers (bytes in, bytes out: no protoc) and a client calling
    /// one method that answers and one that aborts with UNAVAILABLE.
    private static let grpcPeer = """
        import sys
        from concurrent import futures
        import grpc

        def ok(request, context):
            return request

        def fail(request, context):
            context.abort(grpc.StatusCode.UNAVAILABLE, "backend down")

        role, port = sys.argv[1], sys.argv[2]
        if role == "server":
            handler = grpc.method_handlers_generic_handler("svc", {
                "Ok": grpc.unary_unary_rpc_method_handler(ok),
                "Fail": grpc.unary_unary_rpc_method_handler(fail),
            })
            server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
            server.add_generic_rpc_handlers((handler,))
            server.add_insecure_port("127.0.0.1:" + port)
            server.start()
            print("ready", flush=True)
            server.wait_for_termination()
        else:
            with grpc.insecure_channel("127.0.0.1:" + port) as channel:
                print("ok", channel.unary_unary("/svc/Ok")(b"hello", timeout=20), flush=True)
                try:
                    channel.unary_unary("/svc/Fail")(b"x", timeout=20)
                except grpc.RpcError as error:
                    print(error.code(), flush=True)
        """
}
