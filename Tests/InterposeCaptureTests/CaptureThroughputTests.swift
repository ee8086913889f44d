import Foundation
import InterposeCapture
import InterposeCore
import NIOCore
import XCTest

/// Measures how fast the writer turns records into pcapng (meaningful in release builds:
/// `swift test -c release -Xswiftc -enable-testing --filter CaptureThroughputTests`).
final class CaptureThroughputTests: XCTestCase {
    func testWriterThroughputWith64KiBRecords() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let total = Int(ProcessInfo.processInfo.environment["INTERPOSE_BENCH_BYTES"] ?? "") ?? (256 << 20)
        var configuration = CaptureSink.Configuration(path: directory + "/throughput.pcapng")
        configuration.overflow = .block
        let sink = try CaptureSink(configuration: configuration)
        let clock = CaptureClock()
        let id = ConnectionID(1)
        var generator = SystemRandomNumberGenerator()
        let payload = ByteBuffer(bytes: (0..<65_536).map { _ in UInt8.random(in: 0...255, using: &generator) })
        sink.submit(
            .clientConnected(
                id, client: Endpoint("127.0.0.1:50001")!, listener: Endpoint("127.0.0.1:47000")!, at: clock.now(),
                comment: ""))
        let start = clock.now()
        var submitted = 0
        while submitted < total {
            while sink.isOverLimit { usleep(50) }
            sink.submit(
                .data(id, submitted % (1 << 20) == 0 ? .serverToClient : .clientToServer, payload, at: clock.now()))
            submitted += payload.readableBytes
        }
        sink.submit(.closed(id, .graceful, at: clock.now(), comment: ""))
        let statistics = sink.close()
        let seconds = Double(clock.now().nanosecondsSinceEpoch - start.nanosecondsSinceEpoch) / 1e9
        XCTAssertEqual(statistics.payloadBytesRecorded, total)
        XCTAssertEqual(statistics.droppedBytes, 0)
        print(
            "capture writer: \(total >> 20) MiB in 64 KiB records, \(String(format: "%.3f", seconds)) s, "
                + "\(String(format: "%.2f", Double(total) / seconds / 1e9)) GB/s payload, "
                + "\(statistics.packetsWritten) packets, \(statistics.fileBytesWritten) file bytes")
    }
}
