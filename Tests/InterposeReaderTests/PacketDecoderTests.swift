import InterposeCapture
import InterposeCore
import XCTest

@testable import InterposeReader

/// Link-layer, IP and TCP decoding from hand-built packets.
final class PacketDecoderTests: XCTestCase {
    private let tcp: [UInt8] = [
        0xC3, 0x50, 0x00, 0x50,  // ports 50000 -> 80
        0x00, 0x00, 0x03, 0xE8,  // seq 1000
        0x00, 0x00, 0x07, 0xD0,  // ack 2000
        0x50, 0x18, 0xFF, 0xFF,  // header 20 bytes, PSH|ACK, window
        0x00, 0x00, 0x00, 0x00,  // checksum, urgent
    ]
    private let payload = Array("hello".utf8)

    private func ipv4(options: [UInt8] = [], body: [UInt8], protocolNumber: UInt8 = 6, fragment: UInt16 = 0) -> [UInt8]
    {
        let headerLength = 20 + options.count
        let total = headerLength + body.count
        return [
            0x40 | UInt8(headerLength / 4), 0, UInt8(total >> 8), UInt8(total & 0xFF), 0x12, 0x34,
            UInt8(fragment >> 8), UInt8(fragment & 0xFF), 64, protocolNumber, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ]
            + options + body
    }

    private func ipv6(next: UInt8, body: [UInt8]) -> [UInt8] {
        var header: [UInt8] = [0x60, 0, 0, 0, UInt8(body.count >> 8), UInt8(body.count & 0xFF), next, 64]
        header += [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1]
        header += [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [2]
        return header + body
    }

    private func ethernet(_ type: UInt16, _ body: [UInt8], tags: [UInt16] = []) -> [UInt8] {
        var frame = [UInt8](repeating: 0xAA, count: 12)
        for tag in tags { frame += [UInt8(tag >> 8), UInt8(tag & 0xFF), 0x00, 0x05] }
        return frame + [UInt8(type >> 8), UInt8(type & 0xFF)] + body
    }

    private func decode(_ bytes: [UInt8], _ linkType: LinkType, wire: Int? = nil) -> DecodeOutcome {
        bytes.withUnsafeBytes { PacketDecoder.decode($0, originalLength: wire ?? bytes.count, linkType: linkType) }
    }

    private func assertSegment(
        _ outcome: DecodeOutcome, payload expected: String = "hello", missing: Int = 0, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        guard case .tcp(let segment) = outcome else { return XCTFail("not TCP: \(outcome)", file: file, line: line) }
        XCTAssertEqual(segment.source.port, 50000, file: file, line: line)
        XCTAssertEqual(segment.destination.port, 80, file: file, line: line)
        XCTAssertEqual(segment.sequence, 1000, file: file, line: line)
        XCTAssertEqual(segment.acknowledgment, 2000, file: file, line: line)
        XCTAssertEqual(segment.flags, [.psh, .ack], file: file, line: line)
        XCTAssertEqual(String(decoding: segment.payload, as: UTF8.self), expected, file: file, line: line)
        XCTAssertEqual(segment.missingPayload, missing, file: file, line: line)
    }

    func testEthernetIPv4() {
        assertSegment(decode(ethernet(0x0800, ipv4(body: tcp + payload)), .ethernet))
    }

    func testEthernetPaddingIsNotPayload() {
        let frame = ethernet(0x0800, ipv4(body: tcp)) + [0, 0, 0, 0, 0, 0]
        assertSegment(decode(frame, .ethernet), payload: "")
    }

    func testVLANAndQinQTags() {
        assertSegment(decode(ethernet(0x0800, ipv4(body: tcp + payload), tags: [0x8100]), .ethernet))
        assertSegment(decode(ethernet(0x0800, ipv4(body: tcp + payload), tags: [0x88A8, 0x8100]), .ethernet))
    }

    func testIPv4OptionsAreSkipped() {
        assertSegment(decode(ethernet(0x0800, ipv4(options: [1, 1, 1, 0], body: tcp + payload)), .ethernet))
    }

    func testIPv6ExtensionHeadersAndAtomicFragment() {
        let hopByHop: [UInt8] = [44, 0, 1, 4, 0, 0, 0, 0]  // next: fragment
        let atomicFragment: [UInt8] = [6, 0, 0, 0, 0, 0, 0, 9]  // offset 0, M=0
        assertSegment(
            decode(ethernet(0x86DD, ipv6(next: 0, body: hopByHop + atomicFragment + tcp + payload)), .ethernet))
    }

    func testLinuxCookedV1AndV2() {
        let sll = [0, 0, 0, 1, 0, 6] + [UInt8](repeating: 0, count: 8) + [0x08, 0x00] + ipv4(body: tcp + payload)
        assertSegment(decode(sll, .linuxSLL))
        let sll2 = [0x86, 0xDD, 0, 0] + [UInt8](repeating: 0, count: 16) + ipv6(next: 6, body: tcp + payload)
        assertSegment(decode(sll2, .linuxSLL2))
    }

    func testNullInBothByteOrdersLoopAndRaw() {
        assertSegment(decode([2, 0, 0, 0] + ipv4(body: tcp + payload), .null))
        assertSegment(decode([0, 0, 0, 2] + ipv4(body: tcp + payload), .null))
        assertSegment(decode([30, 0, 0, 0] + ipv6(next: 6, body: tcp + payload), .null))
        assertSegment(decode([0, 0, 0, 24] + ipv6(next: 6, body: tcp + payload), .loop))
        for linkType in [LinkType.raw, .rawBSD, .linktypeRaw, .ipv4] {
            assertSegment(decode(ipv4(body: tcp + payload), linkType))
        }
        assertSegment(decode(ipv6(next: 6, body: tcp + payload), .ipv6))
    }

    func testSnaplenCutPayloadIsReportedAsMissing() {
        let frame = ethernet(0x0800, ipv4(body: tcp + payload))
        assertSegment(decode(Array(frame.dropLast(3)), .ethernet, wire: frame.count), payload: "he", missing: 3)
    }

    func testCutHeadersAreTruncatedAndNonsenseIsMalformedNeverACrash() {
        let frame = ethernet(0x0800, ipv4(body: tcp + payload))
        guard case .truncated = decode(Array(frame.prefix(40)), .ethernet, wire: frame.count) else {
            return XCTFail("a cut TCP header is truncated")
        }
        var bad = ipv4(body: tcp + payload)
        bad[0] = 0x43  // header length 12 bytes
        guard case .malformed = decode(bad, .raw) else { return XCTFail("IHL < 5 is malformed") }
        for length in 0..<frame.count {
            _ = decode(Array(frame.prefix(length)), .ethernet)
            _ = decode(Array(frame.prefix(length)), .linuxSLL2)
        }
    }

    func testFragmentsAreHandedToReassemblyAndRebuilt() {
        let body = tcp + payload  // 25 bytes: 24 in the first fragment, 1 in the second
        let first = ipv4(body: Array(body.prefix(24)), fragment: 0x2000)
        let second = ipv4(body: Array(body.suffix(1)), fragment: 3)
        var reassembler = IPFragmentReassembler()
        var datagram: IPFragmentReassembler.Datagram?
        for packet in [second, first] {
            packet.withUnsafeBytes { bytes in
                guard
                    case .fragment(let fragment) = PacketDecoder.decode(
                        bytes, originalLength: bytes.count, linkType: .raw)
                else { return XCTFail("not a fragment") }
                if let done = reassembler.add(fragment, at: Timestamp(nanosecondsSinceEpoch: 0)) { datagram = done }
            }
        }
        guard let datagram else { return XCTFail("not rebuilt") }
        let outcome = datagram.payload.withUnsafeBytes {
            PacketDecoder.decodeReassembled(
                $0, nextProtocol: datagram.key.nextProtocol, source: datagram.key.source,
                destination: datagram.key.destination)
        }
        assertSegment(outcome)
    }
}
