import Foundation
import InterposeTestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `interpose analyze` as a user runs it: output, exit statuses and one-line errors.
final class AnalyzeCommandTests: XCTestCase {
    private var corpus: String { CorpusManifest.defaultDirectory }

    private func analyze(_ arguments: [String], timeout: Double = 30) throws -> ProcessRunner.Result {
        try ProcessRunner.run(InterposeBinary.path, ["analyze"] + arguments, timeout: timeout)
    }

    private func json(_ result: ProcessRunner.Result, file: StaticString = #filePath, line: UInt = #line) throws
        -> [String: Any]
    {
        let object = try JSONSerialization.jsonObject(with: result.stdout)
        return try XCTUnwrap(object as? [String: Any], "one JSON object on stdout", file: file, line: line)
    }

    private func assertOneLineError(
        _ result: ProcessRunner.Result, mentions texts: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(result.status, 2, "stderr: \(result.stderrText)", file: file, line: line)
        let lines = result.stderrText.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line: \(result.stderrText)", file: file, line: line)
        for text in texts {
            XCTAssertTrue(
                result.stderrText.contains(text), "mentions \(text): \(result.stderrText)", file: file, line: line)
        }
        XCTAssertTrue(result.stdoutText.isEmpty, "nothing on stdout", file: file, line: line)
    }

    func testJSONHasTheFieldsOfTheDesign() throws {
        let result = try analyze(["--json", corpus + "/http1/zeek-get.pcap"])
        XCTAssertEqual(result.status, 0, result.stderrText)
        let document = try json(result)
        let connections = try XCTUnwrap(document["connections"] as? [[String: Any]])
        XCTAssertEqual(connections.count, 1)
        let connection = connections[0]
        for key in [
            "id", "client", "server", "protocol", "state", "start_ns", "end_ns", "bytes_to_server",
            "bytes_to_client", "frames", "messages",
        ] {
            XCTAssertNotNil(connection[key], "connection has \(key)")
        }
        XCTAssertEqual(connection["client"] as? String, "141.142.228.5:59856")
        XCTAssertEqual(connection["server"] as? String, "192.150.187.43:80")
        XCTAssertEqual(connection["state"] as? String, "complete")
        XCTAssertEqual(connection["protocol"] as? String, "http1")
        XCTAssertEqual(connection["bytes_to_server"] as? Int, 136)
        XCTAssertEqual(connection["bytes_to_client"] as? Int, 5007)
        XCTAssertEqual((document["findings"] as? [Any])?.count, 0)
    }

    func testIPv6EndpointsAreBracketed() throws {
        let document = try json(try analyze(["--json", corpus + "/ipv6/suricata-http-ipv6.pcap"]))
        let connections = try XCTUnwrap(document["connections"] as? [[String: Any]])
        let client = try XCTUnwrap(connections.first?["client"] as? String)
        XCTAssertTrue(client.hasPrefix("["), client)
    }

    func testHumanOutputIsATableWithAVerdict() throws {
        let result = try analyze([corpus + "/redis/tcpdump-resp_1_benchmark.pcap"])
        XCTAssertEqual(result.status, 0, result.stderrText)
        let text = result.stdoutText
        XCTAssertTrue(text.contains("CLIENT"), text)
        XCTAssertTrue(text.contains("127.0.0.1:6379"), text)
        XCTAssertTrue(text.contains("redis"), text)
        XCTAssertTrue(text.split(separator: "\n").last?.hasPrefix("15 conversations") ?? false, text)
        XCTAssertTrue(result.stderrText.isEmpty, "no progress bar when stderr is not a terminal")
    }

    func testErrorFindingExitsOne() throws {
        let result = try analyze(["--json", corpus + "/tcp-anomalies/suricata-tcp-overlap.pcap"])
        XCTAssertEqual(result.status, 1, result.stderrText)
        let findings = try XCTUnwrap(try json(result)["findings"] as? [[String: Any]])
        let mismatch = try XCTUnwrap(findings.first { $0["code"] as? String == "tcp.overlap-mismatch" })
        XCTAssertEqual(mismatch["severity"] as? String, "error")
        XCTAssertEqual(mismatch["connection"] as? Int, 1)
        XCTAssertNotNil(mismatch["frame"] as? Int)
    }

    func testGapsAreFindingsWithTheirSize() throws {
        let result = try analyze(["--json", corpus + "/tcp-anomalies/suricata-tcp-simple-gap2.pcap"])
        let document = try json(result)
        let findings = try XCTUnwrap(document["findings"] as? [[String: Any]])
        let gap = try XCTUnwrap(findings.first { $0["code"] as? String == "tcp.gap" }, "\(findings)")
        XCTAssertTrue((gap["message"] as? String)?.contains("bytes missing") ?? false)
        let connection = try XCTUnwrap((document["connections"] as? [[String: Any]])?.first)
        XCTAssertEqual(connection["state"] as? String, "incomplete")
    }

    func testNotACaptureIsOneLineExitTwo() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-not-a-capture.html").path
        try Data("<html>hello</html>".utf8).write(to: URL(fileURLWithPath: path))
        assertOneLineError(try analyze([path]), mentions: [path, "not a pcap or pcapng file (bad magic 0x3c68746d)"])
    }

    func testMissingFileAndUnsupportedLinkTypeAreOneLineExitTwo() throws {
        assertOneLineError(try analyze(["/nonexistent/x.pcap"]), mentions: ["/nonexistent/x.pcap", "No such file"])
        let linkType160 = corpus + "/malformed/tcpdump-unsupported-link-type-160.pcap"
        assertOneLineError(try analyze([linkType160]), mentions: [linkType160, "unsupported link type"])
        let badVersion = corpus + "/malformed/libpcap-pcap-invalid-version-1.pcap"
        assertOneLineError(try analyze([badVersion]), mentions: [badVersion, "libpcap"])
    }

    func testTruncatedFileIsAnalysedUpToTheDamageAndNamesTheOffset() throws {
        let source = corpus + "/http1/zeek-pipelined-requests.pcap"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        bytes = bytes.prefix(bytes.count - 37)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-truncated.pcap").path
        try bytes.write(to: URL(fileURLWithPath: path))
        let result = try analyze(["--json", path])
        XCTAssertEqual(result.status, 1, result.stderrText)
        let document = try json(result)
        let findings = try XCTUnwrap(document["findings"] as? [[String: Any]])
        let truncated = try XCTUnwrap(findings.first { $0["code"] as? String == "capture.truncated" })
        XCTAssertTrue((truncated["message"] as? String)?.contains("at byte offset") ?? false, "\(truncated)")
        XCTAssertTrue((truncated["detail"] as? String)?.contains("truncated") ?? false, "libpcap's words: \(truncated)")
        XCTAssertEqual((document["connections"] as? [Any])?.count, 1, "what came before is analysed")
    }

    func testAPipeAFIFOOrADirectoryIsRefusedWithOneLineInsteadOfAHang() throws {
        let capture = corpus + "/http1/zeek-get.pcap"
        let piped = try ProcessRunner.run(
            "/bin/bash", ["-c", "exec \"$0\" analyze <(cat \"$1\")", InterposeBinary.path, capture], timeout: 30)
        XCTAssertFalse(piped.timedOut)
        assertOneLineError(piped, mentions: ["/dev/fd/", "is a FIFO, not a regular file", "save it to a file first"])

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("capture.pcap").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        // No writer ever opens it: the open must not wait for one.
        let waiting = try analyze([fifo], timeout: 20)
        XCTAssertFalse(waiting.timedOut, "refused, not blocked")
        assertOneLineError(waiting, mentions: [fifo, "is a FIFO"])
        assertOneLineError(try analyze([directory.path]), mentions: [directory.path, "is a directory"])
    }

    func testFilterSelectsPacketsWithBPF() throws {
        let file = corpus + "/redis/tcpdump-resp_1_benchmark.pcap"
        let all = try XCTUnwrap(try json(try analyze(["--json", file]))["connections"] as? [Any])
        let one = try XCTUnwrap(
            try json(try analyze(["--json", "--filter", "tcp port 35901", file]))["connections"] as? [Any])
        XCTAssertEqual(all.count, 15)
        XCTAssertEqual(one.count, 1)
        assertOneLineError(
            try analyze(["--filter", "tcp port banana", file]), mentions: ["--filter 'tcp port banana'"])
    }

    func testPcapngWithInterfacesLibpcapRefusesIsReadByOurOwnParser() throws {
        let result = try analyze(["--json", corpus + "/format/zeek-gap-data-missing.pcapng"])
        let document = try json(result)
        XCTAssertEqual((document["connections"] as? [Any])?.count, 1, result.stdoutText)
        let codes = (document["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
        XCTAssertTrue(codes.contains("capture.pcapng-interfaces"), "\(codes)")
    }
}
