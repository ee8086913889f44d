import Foundation
import InterposeTestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The files that hold captured traffic, from every command that writes one: regular files only
/// (a device, a FIFO or a directory is refused with one line and left as it was) and mode 0600
/// whatever the umask.
final class PrivateOutputCommandTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-private-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    private func assertRefused(
        _ result: ProcessRunner.Result, path: String, kind: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertFalse(result.timedOut, "refused at once, not blocked: \(result.stderrText)", file: file, line: line)
        XCTAssertEqual(result.status, 2, result.stderrText, file: file, line: line)
        let lines = result.stderrText.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, result.stderrText, file: file, line: line)
        XCTAssertTrue(
            lines.first?.contains(path) == true && lines.first?.contains("is \(kind)") == true,
            "names \(path) and that it is \(kind): \(result.stderrText)", file: file, line: line)
    }

    private func mode(_ path: String) -> mode_t {
        var status = stat()
        XCTAssertEqual(lstat(path, &status), 0, path)
        return status.st_mode
    }

    func testProxyRefusesDevNullAFIFOADirectoryAndALinkAsCapture() throws {
        let fifo = work + "/fifo"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let link = work + "/link.pcapng"
        XCTAssertEqual(symlink(work + "/elsewhere.pcapng", link), 0)
        let devNullBefore = mode("/dev/null")
        for (path, kind) in [
            ("/dev/null", "a character device"), (fifo, "a FIFO"), (work, "a directory"), (link, "a symbolic link"),
        ] {
            let port = FreePort.next()
            let result = try ProcessRunner.run(
                InterposeBinary.path,
                ["proxy", "--listen", "127.0.0.1:\(port)", "--upstream", "127.0.0.1:1", "--capture", path],
                timeout: 20)
            assertRefused(result, path: path, kind: kind)
            XCTAssertNoThrow(try BlockingSocket.listen(port: port), "nothing half-started")
        }
        XCTAssertEqual(mode("/dev/null"), devNullBefore, "/dev/null keeps its mode")
        XCTAssertEqual(mode("/dev/null") & 0o777, 0o666)
        XCTAssertEqual(mode(fifo) & 0o7777, 0o644, "the FIFO keeps its mode")
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/elsewhere.pcapng"), "the link is not followed")
    }

    func testCheckJUnitAndDiffReportAreOwnerOnlyAndRefuseADevice() throws {
        let capture = RepositoryFixtures.path("corpus/http1/zeek-get.pcap")
        let junit = work + "/check.xml"
        let check = try runInterposeWithOpenUmask(["check", capture, "--junit", junit])
        XCTAssertNotEqual(check.status, 2, check.stderrText)
        XCTAssertEqual(try permissionBits(junit), 0o600)
        assertRefused(
            try runInterposeWithOpenUmask(["check", capture, "--junit", "/dev/null"]), path: "/dev/null",
            kind: "a character device")

        let report = work + "/report"
        let diff = try runInterposeWithOpenUmask(["diff", capture, capture, "--report", report])
        XCTAssertEqual(diff.status, 0, diff.stderrText)
        XCTAssertEqual(try permissionBits(report), 0o700)
        for name in ["report.json", "junit.xml", "report.html"] {
            XCTAssertEqual(try permissionBits(report + "/" + name), 0o600, name)
        }
        // A report file that is a FIFO is refused, not renamed over.
        let fifoReport = work + "/fifo-report"
        try FileManager.default.createDirectory(atPath: fifoReport, withIntermediateDirectories: true)
        XCTAssertEqual(mkfifo(fifoReport + "/report.json", 0o644), 0)
        let refused = try runInterposeWithOpenUmask(["diff", capture, capture, "--report", fifoReport])
        XCTAssertEqual(refused.status, 2, refused.stderrText)
        XCTAssertEqual(
            refused.stderrText,
            "interpose: cannot write \(fifoReport)/report.json: it is a FIFO, not a regular file (free space or choose "
                + "another --report directory)\n")
        XCTAssertEqual(mode(fifoReport + "/report.json") & S_IFMT, S_IFIFO)
    }

    func testSniffCaptureIsOwnerOnlyAndRefusesADevice() throws {
        let capture = work + "/sniff.pcapng"
        let result = try runInterposeWithOpenUmask(
            ["sniff", "--interface", "lo", "--duration", "0.3", "--capture", capture], timeout: 30)
        XCTAssertEqual(result.status, 0, result.stderrText)
        XCTAssertEqual(try permissionBits(capture), 0o600)
        let refused = try runInterposeWithOpenUmask(
            ["sniff", "--interface", "lo", "--duration", "0.3", "--capture", "/dev/null"], timeout: 30)
        assertRefused(refused, path: "/dev/null", kind: "a character device")
    }
}
