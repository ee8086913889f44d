import Foundation
import InterposeAnalysis
import InterposeCapture
import InterposeCore
import InterposeProtocols
import InterposeReader
import InterposeTestSupport
import XCTest

/// The analysis report: JSON and text rendering, on real captures.
final class AnalysisReportTests: XCTestCase {
    private var corpus: String { CorpusManifest.defaultDirectory }

    func testJSONWriterEscapesAndKeepsFieldOrder() throws {
        var json = JSONWriter()
        json.beginObject()
        json.string("b", "quote \" backslash \\ newline \n control \u{01}")
        json.number("a", 42)
        json.number("n", Optional<Int>.none)
        json.beginArray("list")
        json.bool(nil, true)
        json.endArray()
        json.endObject()
        XCTAssertEqual(
            json.text, #"{"b":"quote \" backslash \\ newline \n control \u0001","a":42,"n":null,"list":[true]}"#)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(json.text.utf8)))
    }

    func testTableColumnsAreAligned() {
        var table = TextTable(headers: ["ID", "NAME"], alignments: [.right, .left])
        table.add(["1", "short"])
        table.add(["100", "longer name"])
        XCTAssertEqual(table.render(indent: 0), " ID  NAME\n  1  short\n100  longer name")
    }

    func testReportOfARedisCaptureAsJSONAndText() throws {
        let report = try CaptureAnalyzer.analyze(path: corpus + "/redis/tcpdump-resp_1_benchmark.pcap")
        XCTAssertEqual(report.conversations.count, 15)
        XCTAssertEqual(report.conversations.map(\.id.rawValue), Array(1...15))
        XCTAssertTrue(report.conversations.allSatisfy { $0.protocolName == "redis" && $0.summary.state == .complete })
        XCTAssertFalse(report.hasErrors)
        let document = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(report.renderJSON().utf8)) as? [String: Any])
        let connections = try XCTUnwrap(document["connections"] as? [[String: Any]])
        XCTAssertEqual(connections.first?["server"] as? String, "127.0.0.1:6379")
        XCTAssertEqual(connections.first?["state"] as? String, "complete")
        let text = report.renderText(limit: 5)
        XCTAssertTrue(text.contains("... 10 more conversations"), text)
        XCTAssertTrue(report.verdict().hasPrefix("15 conversations (15 complete)"), report.verdict())
    }

    func testProtocolOverrideReplacesTheGuess() throws {
        let report = try CaptureAnalyzer.analyze(path: corpus + "/http1/zeek-get.pcap", forced: .raw)
        XCTAssertEqual(report.conversations.map(\.protocolName), ["raw"])
    }
}
