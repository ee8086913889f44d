import Foundation
import InterposeAnalysis
import InterposeCapture
import InterposeCore
import InterposeProtocols
import InterposeTestSupport
import XCTest

/// The dissectors and checks on traffic real clients and servers made, captured with tcpdump on
/// loopback: clean traffic gives no error findings and the message counts tshark's dissectors
/// give; planted faults (responses out of order, a reset in the middle of a response, a wrong
/// Content-Length) give the findings that name them.
final class CheckRealTrafficTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-check-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    private func errors(_ report: AnalysisReport) -> [Finding] {
        report.findings.filter { $0.severity == .error }
    }

    /// Values of a tshark field over the packets, one per message (tshark joins several messages of
    /// one packet with commas).
    private func tsharkValues(
        _ path: String, port: UInt16, as dissector: String, field: String, excluding: String? = nil
    ) throws -> [String] {
        var arguments = ["-r", path, "-d", "tcp.port==\(port),\(dissector)", "-T", "fields", "-e", field]
        if let excluding { arguments += ["-Y", "!(\(excluding))"] }
        let output = try TShark.run(arguments)
        return output.split(separator: "\n").flatMap { $0.split(separator: ",") }.map(String.init)
    }

    func testCurlAndAPipeliningClientAgainstNginxAreCleanAndCountedAsTSharkCounts() throws {
        let nginx = try NginxServer(
            httpDirectives: "gzip on; gzip_types *; gzip_min_length 1; if_modified_since before;")
        defer { nginx.stop() }
        let curl = try ProcessRunner.require("curl", package: "curl")
        let path = "\(work)/nginx.pcap"
        let capture = try LoopbackCapture(path: path, ports: [nginx.port])
        let base = "http://127.0.0.1:\(nginx.port)"
        // Keep-alive: three requests on one connection, one of them chunked (gzip), one 404.
        let keepAlive = try ProcessRunner.run(
            curl,
            [
                "-sS", "--compressed", "-o", "/dev/null", "\(base)/", "-o", "/dev/null", "\(base)/big.bin", "-o",
                "/dev/null", "\(base)/missing",
            ],
            timeout: 30)
        XCTAssertEqual(keepAlive.status, 0, keepAlive.stderrText)
        // HEAD, and a conditional GET answered 304.
        XCTAssertEqual(try ProcessRunner.run(curl, ["-sS", "-I", "\(base)/big.bin"], timeout: 30).status, 0)
        let notModified = try ProcessRunner.run(
            curl,
            [
                "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT", "\(base)/",
            ],
            timeout: 30)
        XCTAssertEqual(notModified.stdoutText, "304")
        // Pipelining: four requests in one write, the last one closing.
        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: nginx.port)
        let request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        try socket.send(
            request + request + "HEAD /big.bin HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /index.html HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        let answers = String(decoding: try socket.receiveUntilEOF(), as: UTF8.self)
        socket.close()
        XCTAssertEqual(answers.components(separatedBy: "HTTP/1.1 200 OK").count - 1, 4)
        capture.stop()

        let report = try CaptureAnalyzer.analyze(path: path)
        XCTAssertEqual(errors(report), [], "\(report.findings)")
        XCTAssertEqual(report.conversations.map(\.protocolName), Array(repeating: "http1", count: 4))
        XCTAssertTrue(
            report.findings.contains { $0.code == "http.client-error" && $0.message.contains("404") },
            "\(report.findings)")
        let requests = report.endpoints.reduce(0) { $0 + $1.requests }
        let responses = report.endpoints.reduce(0) { $0 + $1.responses }
        XCTAssertEqual(requests, 9)
        XCTAssertEqual(responses, 9)
        // tshark 4.0 loses pipelined responses after a HEAD (it takes the HEAD response's
        // Content-Length as a body): the pipelined connection is checked against what the client
        // received (four 200s, asserted above), the others against tshark.
        let pipelined = try XCTUnwrap(report.conversations.last)
        XCTAssertEqual(pipelined.messages, 8)
        let others = "tcp.port==\(pipelined.summary.descriptor.client.port)"
        let tsharkRequests = try tsharkValues(
            path, port: nginx.port, as: "http", field: "http.request.method", excluding: others)
        let tsharkResponses = try tsharkValues(
            path, port: nginx.port, as: "http", field: "http.response.code", excluding: others)
        XCTAssertEqual(tsharkRequests.count, requests - 4, "\(tsharkRequests)")
        XCTAssertEqual(tsharkResponses.count, responses - 4, "\(tsharkResponses)")
        let statuses = report.endpoints.flatMap { group in group.failureCodes.map { $0.key.code } }
        XCTAssertEqual(statuses, ["404"])
        XCTAssertNotNil(report.endpoints.first { $0.key == "GET /" }?.latency(99))
    }

    func testRedisCliAndPipelinedBenchmarkAreCleanAndCountedAsTSharkCounts() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let path = "\(work)/redis.pcap"
        // tcpdump drops packets when the machine is busy; a capture with holes is taken again.
        for attempt in 1...5 {
            let capture = try LoopbackCapture(path: path, ports: [redis.port])
            for command in [["SET", "k", "v"], ["GET", "k"], ["INCR", "n"], ["LPUSH", "k", "x"], ["HELLO", "3"]] {
                _ = try ProcessRunner.run("redis-cli", ["-p", "\(redis.port)"] + command, timeout: 10)
            }
            let bench = try ProcessRunner.run(
                "redis-benchmark", ["-p", "\(redis.port)", "-n", "2000", "-c", "4", "-P", "16", "-t", "set,get", "-q"],
                timeout: 60)
            XCTAssertEqual(bench.status, 0, bench.stderrText)
            capture.stop()
            let gaps = try CaptureAnalyzer.analyze(path: path).findings.filter { $0.code == "tcp.gap" }
            if gaps.isEmpty { break }
            XCTAssertLessThan(attempt, 5, "tcpdump lost packets five times: \(gaps)")
            _ = try ProcessRunner.run("redis-cli", ["-p", "\(redis.port)", "DEL", "k"], timeout: 10)
        }

        let report = try CaptureAnalyzer.analyze(path: path)
        XCTAssertEqual(errors(report), [], "\(report.findings)")
        XCTAssertTrue(report.conversations.allSatisfy { $0.protocolName == "redis" })
        let requests = report.endpoints.reduce(0) { $0 + $1.requests }
        let responses = report.endpoints.reduce(0) { $0 + $1.responses }
        XCTAssertEqual(requests, responses)
        XCTAssertEqual(report.endpoints.first { $0.key == "SET" }.map(\.requests).map { $0 >= 2001 }, true)
        // Every command is a top-level RESP array; tshark's RESP dissector counts array headers.
        let arrays = try TShark.run(
            [
                "-r", path, "-d", "tcp.port==\(redis.port),resp", "-Y", "tcp.dstport==\(redis.port)", "-T", "fields",
                "-e", "resp.array.length",
            ])
        let tsharkCommands = arrays.split(separator: "\n").flatMap { $0.split(separator: ",") }.count
        XCTAssertEqual(requests, tsharkCommands)
        XCTAssertTrue(
            report.findings.contains { $0.code == "redis.client-error" && $0.message.contains("WRONGTYPE") },
            "\(report.findings)")
        XCTAssertTrue(
            report.findings.contains { $0.code == "redis.version-drift" },
            "HELLO 3 made one conversation RESP3: \(report.findings)")
    }

    func testPipelinedHTTPResponsesOutOfOrderAreFound() throws {
        let server = try ScriptedServer.answeringOneRequest(
            until: #"data.count(b"\r\n\r\n") >= 2"#,
            with: """
                ids = [line.split(b":")[1].strip() for line in data.split(b"\\r\\n") if line.lower().startswith(b"x-request-id")]
                for rid in reversed(ids):
                    c.sendall(b"HTTP/1.1 200 OK\\r\\nX-Request-Id: " + rid + b"\\r\\nContent-Length: 2\\r\\n\\r\\nok")
                """)
        defer { server.stop() }
        let path = "\(work)/out-of-order.pcap"
        let capture = try LoopbackCapture(path: path, ports: [server.port])
        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: server.port)
        try socket.send(
            "GET /a HTTP/1.1\r\nHost: x\r\nX-Request-Id: one\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nX-Request-Id: two\r\n\r\n"
        )
        _ = try socket.receiveUntilEOF()
        socket.close()
        capture.stop()
        let report = try CaptureAnalyzer.analyze(path: path)
        XCTAssertEqual(
            report.findings.filter { $0.severity == .error }.map(\.code), ["http.response-out-of-order"],
            "\(report.findings)")
        XCTAssertTrue(report.hasErrors)
    }

    func testRedisRepliesOutOfOrderAreFound() throws {
        let server = try ScriptedServer.answeringOneRequest(
            until: #"data.count(b"*") >= 2"#, with: #"c.sendall(b"$1\r\nv\r\n:1\r\n")"#)
        defer { server.stop() }
        let path = "\(work)/redis-out-of-order.pcap"
        let capture = try LoopbackCapture(path: path, ports: [server.port])
        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: server.port)
        try socket.send("*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
        _ = try socket.receiveUntilEOF()
        socket.close()
        capture.stop()
        let report = try CaptureAnalyzer.analyze(path: path, portHints: [server.port: .redis])
        XCTAssertEqual(
            report.findings.filter { $0.severity == .error }.map(\.code), ["redis.reply-out-of-order"],
            "\(report.findings)")
    }

    func testConnectionResetInTheMiddleOfAResponseIsFound() throws {
        let server = try ScriptedServer.answeringOneRequest(
            with: """
                c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 100000\\r\\n\\r\\n" + b"x" * 1000)
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                """)
        defer { server.stop() }
        let path = "\(work)/killed.pcap"
        let capture = try LoopbackCapture(path: path, ports: [server.port])
        let curl = try ProcessRunner.require("curl", package: "curl")
        let result = try ProcessRunner.run(
            curl, ["-sS", "-o", "/dev/null", "http://127.0.0.1:\(server.port)/file"], timeout: 30)
        XCTAssertNotEqual(result.status, 0, "curl must see the cut response")
        capture.stop()
        let report = try CaptureAnalyzer.analyze(path: path)
        let codes = Set(report.findings.filter { $0.severity == .error }.map(\.code))
        XCTAssertEqual(codes, ["http.incomplete-response", "http.disconnect-in-flight"], "\(report.findings)")
        XCTAssertEqual(report.conversations.first?.summary.state, .reset)
    }

    /// A response that crossed the client's reset on the wire (it arrives after the RST): Linux
    /// loopback never sends data after a RST arrived, so the real capture's RST is moved before the
    /// response, as a capture on a network between the two would show it.
    func testAResponseArrivingAfterTheClientResetIsFound() throws {
        let server = try ScriptedServer.answeringOneRequest(
            with: """
                c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\n\\r\\nlate!")
                """)
        defer { server.stop() }
        let path = "\(work)/late.pcap"
        let capture = try LoopbackCapture(path: path, ports: [server.port])
        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: server.port)
        try socket.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try socket.receive()
        socket.reset()
        capture.stop()
        let fromServer = "tcp.srcport==\(server.port) && tcp.len>0"
        let response = try XCTUnwrap(
            Int(
                try TShark.run(["-r", path, "-Y", fromServer, "-T", "fields", "-e", "frame.number"])
                    .split(separator: "\n").first ?? ""))
        let reset = try XCTUnwrap(
            Int(
                try TShark.run(["-r", path, "-Y", "tcp.flags.reset==1", "-T", "fields", "-e", "frame.number"])
                    .split(separator: "\n").first ?? ""))
        var editor = try PcapRecordEditor(path: path)
        let rst = editor.records.remove(at: reset - 1)
        editor.records.insert(rst, at: response - 1)
        try editor.write(to: "\(work)/crossed.pcap")

        let report = try CaptureAnalyzer.analyze(path: "\(work)/crossed.pcap")
        let codes = Set(report.findings.map(\.code))
        XCTAssertTrue(codes.contains("tcp.data-after-reset"), "\(report.findings)")
        XCTAssertTrue(codes.contains("http.disconnect-in-flight"), "the client never read it: \(report.findings)")
        XCTAssertEqual(report.conversations.count, 1)
        XCTAssertEqual(report.conversations.first?.summary.resetBy, .clientToServer)
    }

    func testWrongContentLengthIsFound() throws {
        let server = try ScriptedServer.answeringOneRequest(
            with: """
                c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\n\\r\\nhello, and then some more bytes\\n")
                """)
        defer { server.stop() }
        let path = "\(work)/content-length.pcap"
        let capture = try LoopbackCapture(path: path, ports: [server.port])
        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: server.port)
        try socket.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try socket.receiveUntilEOF()
        socket.close()
        capture.stop()
        let report = try CaptureAnalyzer.analyze(path: path)
        XCTAssertEqual(
            report.findings.filter { $0.severity == .error }.map(\.code), ["http.content-length-mismatch"],
            "\(report.findings)")
    }
}
