import Foundation
import InterposeTestSupport
import XCTest

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `interpose check` as CI runs it: exit statuses, the JSON findings document, JUnit XML, and
/// the separation of errors from warnings and information.
final class CheckCommandTests: XCTestCase {
    private var corpus: String { CorpusManifest.defaultDirectory }
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-check-cli-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    private func check(_ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run(InterposeBinary.path, ["check"] + arguments, timeout: 60)
    }

    func testCleanCaptureExitsZeroAndFaultyOneExitsOneNamingTheFinding() throws {
        let clean = try check([corpus + "/http1/zeek-get.pcap"])
        XCTAssertEqual(clean.status, 0, clean.stdoutText + clean.stderrText)
        XCTAssertTrue(clean.stdoutText.contains("No findings."), clean.stdoutText)
        XCTAssertTrue(clean.stdoutText.contains("GET /"), "endpoint table: \(clean.stdoutText)")

        let faulty = try check([corpus + "/http1/zeek-variant-04-te_cl_desync.pcap"])
        XCTAssertEqual(faulty.status, 1, faulty.stderrText)
        XCTAssertTrue(faulty.stdoutText.contains("Errors (these fail the check)"), faulty.stdoutText)
        XCTAssertTrue(faulty.stdoutText.contains("http.unanswered-request"), faulty.stdoutText)
        XCTAssertTrue(faulty.stdoutText.contains("FAIL"), faulty.stdoutText)
    }

    func testJSONFindingsHaveTheFieldsOfTheDesign() throws {
        let result = try check(["--json", corpus + "/http1/zeek-variant-04-te_cl_desync.pcap"])
        XCTAssertEqual(result.status, 1)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let findings = try XCTUnwrap(document["findings"] as? [[String: Any]])
        let unanswered = try XCTUnwrap(findings.first { $0["code"] as? String == "http.unanswered-request" })
        for key in ["code", "severity", "connection", "frame", "message", "detail"] {
            XCTAssertTrue(unanswered.keys.contains(key), "finding has \(key): \(unanswered)")
        }
        XCTAssertEqual(unanswered["severity"] as? String, "error")
        let endpoints = try XCTUnwrap(document["endpoints"] as? [[String: Any]])
        XCTAssertEqual(Set(endpoints.compactMap { $0["request"] as? String }), ["POST /", "GET /smuggled-te-cl"])
        XCTAssertEqual(endpoints.reduce(0) { $0 + ($1["responses"] as? Int ?? -1) }, 0)
        XCTAssertTrue(endpoints.allSatisfy { $0.keys.contains("first_byte_p99_us") })
        let connections = try XCTUnwrap(document["connections"] as? [[String: Any]])
        XCTAssertEqual(connections.reduce(0) { $0 + ($1["messages"] as? Int ?? 0) }, 2)
    }

    func testJUnitHasACasePerConversationFailingOnItsErrors() throws {
        let junit = work + "/check.xml"
        let result = try check(["--junit", junit, corpus + "/http1/zeek-variant-04-te_cl_desync.pcap"])
        XCTAssertEqual(result.status, 1)
        let data = try Data(contentsOf: URL(fileURLWithPath: junit))
        let parser = XMLParser(data: data)
        let counter = JUnitCounter()
        parser.delegate = counter
        XCTAssertTrue(parser.parse(), "well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        let analyze = try ProcessRunner.run(
            InterposeBinary.path, ["analyze", "--json", corpus + "/http1/zeek-variant-04-te_cl_desync.pcap"])
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: analyze.stdout) as? [String: Any])
        let conversations = try XCTUnwrap(document["connections"] as? [[String: Any]]).count
        XCTAssertEqual(counter.testCases, conversations + 1, "one case per conversation plus the capture")
        XCTAssertEqual(counter.failureTypes, ["http.unanswered-request"])
    }

    func testBadFlagsAndUnreadableFilesAreOneLineExitTwo() throws {
        for arguments in [
            ["--protocol", "smtp", corpus + "/http1/zeek-get.pcap"],
            ["--port-protocol", "80", corpus + "/http1/zeek-get.pcap"],
            [work + "/missing.pcap"],
            ["--junit", "/nonexistent-dir/x.xml", corpus + "/http1/zeek-get.pcap"],
        ] {
            let result = try check(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderrText)")
            XCTAssertEqual(
                result.stderrText.split(separator: "\n").first.map { $0.hasPrefix("interpose: ") }, true,
                result.stderrText)
        }
    }

    func testPortHintReadsAnUnusualPortAsTheProtocol() throws {
        let plain = try check([
            "--json", corpus + "/redis/tcpdump-resp_1_benchmark.pcap", "--port-protocol", "6379=raw",
        ])
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: plain.stdout) as? [String: Any])
        let protocols = Set(
            (document["connections"] as? [[String: Any]] ?? []).compactMap { $0["protocol"] as? String })
        XCTAssertEqual(protocols, ["raw"])
    }
}

/// Counts test cases and failure types in a JUnit document.
private final class JUnitCounter: NSObject, XMLParserDelegate {
    var testCases = 0
    var failureTypes: Set<String> = []

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if elementName == "testcase" { testCases += 1 }
        if elementName == "failure", let type = attributes["type"] { failureTypes.insert(type) }
    }
}
