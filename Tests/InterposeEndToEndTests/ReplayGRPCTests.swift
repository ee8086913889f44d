import Foundation
import InterposeTestSupport
import XCTest

/// `interpose replay` and `interpose diff` on gRPC, field by field: a grpcio client's unary and
/// server-streaming calls to the `demo.Users` service (GRPCUsersService) recorded through
/// `interpose proxy --capture` in front of build 1, replayed against build 1 (no difference) and
/// build 2 (exactly user 7's `address.zip`, in the unary answer and in the third streamed message),
/// read by field number and, with `--proto-descriptor`, by field name.
final class ReplayGRPCTests: XCTestCase {
    /// The recording and the two builds, made once for the class (the builds are stateless).
    final class Fixture: @unchecked Sendable {
        let service: GRPCUsersService
        let capture: String
        let build1: (process: BackgroundProcess, port: UInt16)
        let build2: (process: BackgroundProcess, port: UInt16)

        init(
            service: GRPCUsersService, capture: String, build1: (BackgroundProcess, UInt16),
            build2: (BackgroundProcess, UInt16)
        ) {
            self.service = service
            self.capture = capture
            self.build1 = build1
            self.build2 = build2
        }

        func stop() {
            build1.process.stop()
            build2.process.stop()
        }
    }

    /// What the client prints in front of each build: the same through the proxy as without it.
    static func clientOutput(build: Int) -> String {
        "get 1: ada\nget 7: \(build == 1 ? 10115 : 10117)\nget 99: NOT_FOUND\nlist: [1, 2, 7]\n"
    }

    nonisolated(unsafe) private static var shared: Fixture?
    nonisolated(unsafe) private static var sharedFailure: String?
    private var fixture: Fixture!

    override func setUpWithError() throws {
        if Self.shared == nil, Self.sharedFailure == nil {
            do {
                Self.shared = try Self.record()
            } catch {
                Self.sharedFailure = "\(error)"
            }
        }
        if let failure = Self.sharedFailure {
            throw ReplayTestFailure(description: "recording the gRPC calls failed: \(failure)")
        }
        fixture = Self.shared
    }

    override class func tearDown() {
        shared?.stop()
        shared = nil
        super.tearDown()
    }

    /// Records the client's calls through the proxy in front of a build into `capture`.
    private static func capture(
        _ service: GRPCUsersService, build: Int, upstream: UInt16, to capture: String
    ) throws {
        let proxy = try InterposeProcess(upstream: "127.0.0.1:\(upstream)", extra: ["--capture", capture])
        let output = try service.runClient(port: proxy.port)
        guard proxy.terminate() == 0 else {
            throw ReplayTestFailure(description: "proxy did not stop cleanly: \(proxy.background.stderrText)")
        }
        guard output == clientOutput(build: build) else {
            throw ReplayTestFailure(description: "the gRPC client printed \(output.debugDescription)")
        }
    }

    private static func record() throws -> Fixture {
        let service = try GRPCUsersService()
        let build1 = try service.start(build: 1)
        let build2 = try service.start(build: 2)
        let capture = service.directory + "/grpc.pcapng"
        try Self.capture(service, build: 1, upstream: build1.port, to: capture)
        return Fixture(service: service, capture: capture, build1: build1, build2: build2)
    }

    private func replay(against port: UInt16, _ extra: [String] = []) throws -> ProcessRunner.Result {
        try runReplay([fixture.capture, "--target", "127.0.0.1:\(port)", "--json"] + extra)
    }

    /// The only differences: user 7's zip in `Get(7)` (message 1) and in the third user `List`
    /// streamed (message 3).
    private func expectedDifferences(unary: String, streamed: String) -> [String] {
        [
            "#1/1 POST /demo.Users/Get (1 message) \(unary): 10115 -> 10117",
            "#1/3 POST /demo.Users/List (1 message) \(streamed): 10115 -> 10117",
        ]
    }

    func testReplayAgainstTheSameBuildFindsNoDifference() throws {
        let result = try replay(against: fixture.build1.port)
        assertReplayStatus(result, 0)
        let report = try ReplayReportDocument(data: result.stdout)
        XCTAssertEqual(
            report.counts,
            ["conversations": 1, "messages_compared": 4, "same": 4, "differs": 0, "missing": 0, "extra": 0])
        XCTAssertEqual(report.differences, [])
        XCTAssertEqual(report.regression, false)
    }

    func testReplayAgainstBuild2NamesExactlyTheChangedFieldByNumber() throws {
        let result = try replay(against: fixture.build2.port)
        assertReplayStatus(result, 1)
        let report = try ReplayReportDocument(data: result.stdout)
        XCTAssertEqual(report.counts["same"], 2)
        XCTAssertEqual(
            report.differences.map(\.description), expectedDifferences(unary: "grpc:5.2", streamed: "grpc[2]:5.2"))
    }

    func testReplayWithTheProtoDescriptorNamesTheFieldAndShowsTheMessagesAsText() throws {
        let descriptor = try fixture.service.descriptorSet()
        let directory = fixture.service.directory + "/report-\(UUID().uuidString)"
        let result = try replay(
            against: fixture.build2.port, ["--proto-descriptor", descriptor, "--report", directory])
        assertReplayStatus(result, 1)
        let report = try ReplayReportDocument(data: result.stdout)
        XCTAssertEqual(
            report.differences.map(\.description),
            expectedDifferences(unary: "grpc:$.address.zip", streamed: "grpc[2]:$.address.zip"))
        // The side-by-side diff of report.html shows the decoded message, the changed line on each side.
        let html = try String(contentsOfFile: directory + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<td class=\"tx del\">  zip: 10115</td>"), "report.html lacks the old line")
        XCTAssertTrue(html.contains("<td class=\"tx add\">  zip: 10117</td>"), "report.html lacks the new line")
        XCTAssertTrue(
            html.contains("<td class=\"tx\">  city: &quot;Berlin&quot;</td>"), "report.html lacks the context")
        // The field, ignored in the first message and in the streamed ones, is all that changed.
        let ignored = try replay(
            against: fixture.build2.port,
            [
                "--proto-descriptor", descriptor, "--ignore", "field:grpc:$.address.zip", "--ignore",
                "field:grpc[*]:$.address.zip",
            ])
        assertReplayStatus(ignored, 0)
        XCTAssertEqual(try ReplayReportDocument(data: ignored.stdout).counts["same"], 4)
    }

    func testDiffOfTwoCapturesComparesTheSameFields() throws {
        let newCapture = fixture.service.directory + "/grpc-build2-\(UUID().uuidString).pcapng"
        try Self.capture(fixture.service, build: 2, upstream: fixture.build2.port, to: newCapture)
        let descriptor = try fixture.service.descriptorSet()
        let result = try ProcessRunner.run(
            InterposeBinary.path, ["diff", fixture.capture, newCapture, "--json", "--proto-descriptor", descriptor],
            timeout: 60)
        assertReplayStatus(result, 1)
        XCTAssertEqual(
            try ReplayReportDocument(data: result.stdout).differences.map(\.description),
            expectedDifferences(unary: "grpc:$.address.zip", streamed: "grpc[2]:$.address.zip"))
    }

    func testAProtoDescriptorThatCannotBeUsedIsOneLineAndExitTwo() throws {
        let missing = fixture.service.directory + "/missing.pb"
        let result = try replay(against: fixture.build1.port, ["--proto-descriptor", missing])
        assertReplayStatus(result, 2)
        XCTAssertTrue(
            result.stderrText.hasPrefix("interpose: --proto-descriptor: \(missing) cannot be read"), result.stderrText)
        XCTAssertEqual(result.stderrText.filter { $0 == "\n" }.count, 1, result.stderrText)
        let proto = fixture.service.directory + "/users.proto"
        let notASet = try ProcessRunner.run(
            InterposeBinary.path, ["diff", fixture.capture, fixture.capture, "--proto-descriptor", proto], timeout: 60)
        assertReplayStatus(notASet, 2)
        XCTAssertTrue(notASet.stderrText.contains("is not a FileDescriptorSet"), notASet.stderrText)
        XCTAssertTrue(notASet.stderrText.contains("protoc --include_imports -o"), notASet.stderrText)
    }
}
