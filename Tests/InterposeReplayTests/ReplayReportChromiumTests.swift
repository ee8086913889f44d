import Foundation
import InterposeReplay
import InterposeTestSupport
import XCTest

/// report.html as a browser sees it: headless Chromium renders it to a PNG without a console error,
/// and the same check does catch a page whose script throws.
final class ReplayReportChromiumTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-chromium-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    func testReportRendersToAScreenshotWithoutConsoleMessages() throws {
        let paths = try ReplayReportWriter.write(ReplayReportSamples.regression(), to: work + "/report")
        let html = try XCTUnwrap(paths.first { $0.hasSuffix("report.html") })
        let shot = try HeadlessChromium.screenshot(of: html, in: work, width: 1280, height: 1800)
        let png = try PNGHeader(path: shot.png)
        XCTAssertEqual(png.width, 1280)
        XCTAssertEqual(png.height, 1800)
        // A blank page of this size compresses to a few KB; text, tables and the chart take far more.
        XCTAssertGreaterThan(png.fileSize, 40_000, "suspiciously small screenshot \(shot.png)")
        XCTAssertLessThan(png.fileSize, 20_000_000)
        XCTAssertEqual(shot.errors, [], shot.log)
        XCTAssertEqual(shot.console, [], "the page logs nothing")
        // The script ran to its end (it marks the document) and the DOM still has the escaped text.
        let (dom, console) = try HeadlessChromium.dumpDOM(of: html, in: work)
        XCTAssertEqual(console, [])
        XCTAssertTrue(dom.contains("data-ready=\"yes\""), String(dom.prefix(500)))
        XCTAssertFalse(dom.contains("<script>alert"))
        XCTAssertTrue(dom.contains("&lt;script&gt;alert"))
    }

    func testAThrowingScriptIsReportedAsAConsoleError() throws {
        let page = work + "/planted.html"
        try Data(
            """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>planted</title></head>
            <body><p>A page whose script throws.</p>
            <script>console.log("before"); throw new Error("planted");</script></body></html>
            """.utf8
        ).write(to: URL(fileURLWithPath: page))
        let shot = try HeadlessChromium.screenshot(of: page, in: work, width: 800, height: 600)
        XCTAssertEqual(try PNGHeader(path: shot.png).width, 800)
        XCTAssertEqual(shot.console.map(\.text), ["before", "Uncaught Error: planted"], shot.log)
        XCTAssertEqual(shot.errors.map(\.text), ["Uncaught Error: planted"])
        XCTAssertTrue(shot.errors.first?.source.hasPrefix("file://\(page)") ?? false, "\(shot.errors)")
    }
}
