import InterposeCapture
import InterposeCore
import InterposeTestSupport
import XCTest

@testable import InterposeReader

/// The pcapng file `interpose sniff --capture` writes: packets byte for byte with nanosecond
/// timestamps, and the drop counts in the last block, read back by libpcap and tshark.
final class PcapngPacketRecorderTests: XCTestCase {
    private var path = ""

    override func setUp() {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("recorder-\(UUID().uuidString).pcapng")
            .path
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func testPacketsReadBackByteForByteWithNanosecondTimestamps() throws {
        // Raw IP as libpcap names it live (DLT_RAW, 12; LINKTYPE_RAW, 101, in files), odd lengths to exercise padding, one cut by the snap length.
        let packets: [[UInt8]] = [[0x45, 0, 0, 20], [1, 2, 3, 4, 5, 6, 7], Array(repeating: 0xAB, count: 61)]
        let recorder = try PcapngPacketRecorder(
            path: path, interface: "veth-test", linkType: .raw, snapshotLength: 262_144)
        for (index, bytes) in packets.enumerated() {
            bytes.withUnsafeBytes { buffer in
                recorder.write(
                    RawPacket(
                        timestamp: Timestamp(nanosecondsSinceEpoch: 1_700_000_000_123_456_789 + Int64(index)),
                        linkType: .raw, originalLength: bytes.count + (index == 2 ? 100 : 0), bytes: buffer))
            }
        }
        var drops = LiveCaptureDrops()
        drops.received = 5
        drops.dropped = 2
        XCTAssertTrue(
            recorder.finish(drops: drops, at: Timestamp(nanosecondsSinceEpoch: 1_700_000_001_000_000_000), delivered: 3)
        )

        let info = try ProcessRunner.run("capinfos", [path], timeout: 30)
        XCTAssertTrue(info.stdoutText.contains("Encapsulation = Raw IP"), info.stdoutText)
        XCTAssertTrue(info.stdoutText.contains("Number of stat entries = 1"), info.stdoutText)

        let source = try LibpcapPacketSource(path: path, format: .pcapng)
        XCTAssertEqual(source.linkType, .raw, "written as LINKTYPE_RAW, which libpcap reads back as DLT_RAW")
        for (index, expected) in packets.enumerated() {
            guard case .packet(let raw) = source.next() else { return XCTFail("packet \(index) missing") }
            XCTAssertEqual(Array(raw.bytes), expected)
            XCTAssertEqual(raw.timestamp.nanosecondsSinceEpoch, 1_700_000_000_123_456_789 + Int64(index))
            XCTAssertEqual(raw.originalLength, expected.count + (index == 2 ? 100 : 0))
        }
        guard case .end = source.next() else { return XCTFail("more packets than written") }
    }

    func testDropSummaryNamesEveryCounter() {
        var drops = LiveCaptureDrops()
        drops.received = 10
        drops.dropped = 3
        drops.interfaceDropped = 1
        drops.undecodable = 2
        XCTAssertEqual(
            drops.summary,
            "libpcap received 10, dropped 3 (buffer full), interface dropped 1; Interpose could not decode 2")
    }
}
