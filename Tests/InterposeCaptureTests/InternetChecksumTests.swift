import InterposeCore
import XCTest

@testable import InterposeCapture

final class InternetChecksumTests: XCTestCase {
    /// The straightforward RFC 1071 sum, 16 bits at a time.
    private func referenceSum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var sum: UInt64 = 0
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            sum += UInt64(bytes[index]) << 8 | UInt64(bytes[index + 1])
            index += 2
        }
        if index < bytes.endIndex { sum += UInt64(bytes[index]) << 8 }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return UInt32(sum)
    }

    func testRFC1071ExampleSum() {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2.
        XCTAssertEqual(InternetChecksum.partialSum([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]), 0xDDF2)
    }

    func testKnownIPv4HeaderChecksum() {
        // A classic example header (checksum field zeroed); its checksum is 0xb861.
        let header: [UInt8] = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xC0, 0xA8, 0x00, 0x01,
            0xC0, 0xA8, 0x00, 0xC7,
        ]
        XCTAssertEqual(InternetChecksum.finish(UInt64(InternetChecksum.partialSum(header))), 0xB861)
    }

    func testFastSumMatchesReferenceForEveryLengthAndOffset() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<600).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in stride(from: 0, to: 64, by: 2) {
            for length in 0..<(bytes.count - start) {
                let slice = bytes[start..<(start + length)]
                let fast = slice.withUnsafeBytes { InternetChecksum.partialSum($0) }
                XCTAssertEqual(fast, referenceSum(slice), "start \(start) length \(length)")
            }
        }
    }

    func testAllOnesAndZerosFoldCorrectly() {
        XCTAssertEqual(InternetChecksum.partialSum([UInt8](repeating: 0xFF, count: 65_536)), 0xFFFF)
        XCTAssertEqual(InternetChecksum.partialSum([UInt8](repeating: 0, count: 1001)), 0)
        XCTAssertEqual(InternetChecksum.finish(0), 0xFFFF)
    }

    func testPseudoHeaderSumsAddressWordsProtocolAndLength() {
        let v4 = InternetChecksum.pseudoHeaderSum(
            source: IPAddress("192.168.0.1")!, destination: IPAddress("10.0.0.2")!, tcpLength: 0x1_0002)
        XCTAssertEqual(v4, 0xC0A8 + 0x0001 + 0x0A00 + 0x0002 + 6 + 0x0002 + 0x1)
        let v6 = InternetChecksum.pseudoHeaderSum(
            source: IPAddress("2001:db8::1")!, destination: IPAddress("::1")!, tcpLength: 20)
        XCTAssertEqual(v6, 0x2001 + 0x0DB8 + 1 + 1 + 6 + 20)
    }
}
