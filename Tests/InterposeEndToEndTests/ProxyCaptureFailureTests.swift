import Foundation
import InterposeTestSupport
import XCTest

/// A capture that runs out of disk: a 200 KiB tmpfs the test mounts (tests run as root). For the
/// proxy the failure is logged when it happens, forwarding goes on byte for byte, the file stays
/// readable up to the failure, and the exit status is 1 with the reason in the summary; `sniff`
/// keeps the complete packets too and reports a `capture.write-failed` error.
final class ProxyCaptureFailureTests: XCTestCase {
    private var disk = ""

    override func setUpWithError() throws {
        disk = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-full-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mount = try ProcessRunner.run(
            try ProcessRunner.require("mount", package: "mount"), ["-t", "tmpfs", "-o", "size=200k", "tmpfs", disk],
            timeout: 10)
        guard mount.status == 0 else {
            throw MountFailed(description: "mount -t tmpfs (needs root): \(mount.stderrText)")
        }
    }

    override func tearDown() {
        _ = try? ProcessRunner.run("umount", [disk], timeout: 10)
        try? FileManager.default.removeItem(atPath: disk)
    }

    private struct MountFailed: Error, CustomStringConvertible {
        var description: String
    }

    func testAFullDiskIsLoggedForwardingGoesOnTheFileStaysReadableAndTheExitStatusIsOne() async throws {
        try await runOutOfDisk(overflow: "drop")
    }

    func testUnderBlockOverflowAFullDiskDoesNotHoldTheConnections() async throws {
        try await runOutOfDisk(overflow: "block")
    }

    private func runOutOfDisk(overflow: String) async throws {
        let server = try await PatternServer.start()
        let capture = disk + "/capture-\(overflow).pcapng"
        let proxy = try InterposeProcess(
            upstream: "127.0.0.1:\(server.port)", extra: ["--capture", capture, "--capture-overflow", overflow])
        // 1 MiB each way: far more than the disk holds.
        let first = try await runPatternClient(
            host: "127.0.0.1", port: Int(proxy.port), seed: 1, clientLength: 1 << 20, serverLength: 1 << 20)
        XCTAssertTrue(first.isExact, "forwarded byte for byte while the capture fails: \(first)")
        _ = try proxy.background.waitForOutput(containing: "capture failed", timeout: 20)
        XCTAssertTrue(
            proxy.background.stderrText.contains("No space left on device"), "logged when it happens, with the reason")
        // After the failure the proxy still forwards.
        let second = try await runPatternClient(
            host: "127.0.0.1", port: Int(proxy.port), seed: 2, clientLength: 300_000, serverLength: 300_000)
        XCTAssertTrue(second.isExact, "forwarding goes on after the capture failed: \(second)")

        let status = proxy.terminate()
        await server.close()
        XCTAssertEqual(status, 1, "exit status 1: \(proxy.background.stderrText)")
        let summary = proxy.background.stderrText.split(separator: "\n").filter { $0.contains("interpose: capture ") }
        XCTAssertEqual(summary.count, 1, proxy.background.stderrText)
        XCTAssertTrue(
            summary.first?.contains("write error: error writing capture file \(capture): No space left on device")
                == true, "the reason in one summary line: \(summary)")

        // Readable by tshark (it exits non-zero on a record cut in the middle), with the complete
        // blocks that fitted: the handshake and data of the first connection, not an empty file.
        let dataPackets = try TShark.fields(file: capture, filter: "tcp.len > 0", fields: ["tcp.stream", "tcp.len"])
        XCTAssertGreaterThan(dataPackets.count, 0, "the part that fitted is in the file")
        XCTAssertEqual(try TShark.conversations(file: capture).count, 1, "only the first connection fitted")
        XCTAssertEqual(try TShark.problemPackets(file: capture), [])
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: capture)[.size] as? NSNumber).intValue
        XCTAssertGreaterThan(size, 150_000, "the file holds most of what fitted on the disk, not only its header")
    }

    func testSniffOnAFullDiskKeepsTheCompletePacketsAndReportsTheFailure() async throws {
        let server = try await PatternServer.start()
        let capture = disk + "/sniff.pcapng"
        let sniff = try BackgroundProcess(
            InterposeBinary.path,
            [
                "sniff", "--interface", "lo", "--filter", "tcp port \(server.port)", "--duration", "3", "--check",
                "--capture", capture,
            ])
        try sniff.waitForOutput(containing: "capturing on", timeout: 10)
        let transfer = try await runPatternClient(
            host: "127.0.0.1", port: server.port, seed: 3, clientLength: 1 << 20, serverLength: 1 << 20)
        XCTAssertTrue(transfer.isExact, "\(transfer)")
        let status = sniff.waitForExit(timeout: 20)
        await server.close()
        XCTAssertEqual(status, 1, "an error finding: \(sniff.stderrText)")
        XCTAssertTrue(sniff.stdoutText.contains("capture.write-failed"), sniff.stdoutText)
        XCTAssertTrue(sniff.stdoutText.contains("No space left on device"), sniff.stdoutText)
        // tshark exits non-zero on a packet cut in the middle: the file ends on a complete block.
        let frames = try TShark.run(["-r", capture, "-T", "fields", "-e", "frame.len"], timeout: 30)
        XCTAssertGreaterThan(frames.split(separator: "\n").count, 3, "the packets that fitted are in the file")
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: capture)[.size] as? NSNumber).intValue
        XCTAssertGreaterThan(size, 150_000, "most of the disk, not only the header")
    }
}
