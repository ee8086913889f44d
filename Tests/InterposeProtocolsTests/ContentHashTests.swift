import XCTest

@testable import InterposeProtocols

final class ContentHashTests: XCTestCase {
    private func hash(_ bytes: [UInt8], splits: [Int]) -> UInt64 {
        var hash = ContentHash()
        var start = 0
        for end in splits.sorted() + [bytes.count] where end >= start {
            bytes[start..<end].withUnsafeBytes { hash.add($0) }
            start = end
        }
        return hash.value
    }

    func testTheValueDoesNotDependOnHowTheBytesAreSplit() {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 7, 8, 9, 63, 64, 1000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let whole = hash(bytes, splits: [])
            for _ in 0..<20 {
                let splits = (0..<Int.random(in: 0...6, using: &generator)).map { _ in
                    Int.random(in: 0...length, using: &generator)
                }
                XCTAssertEqual(hash(bytes, splits: splits), whole, "length \(length) splits \(splits)")
            }
        }
    }

    func testDifferentContentAndLengthGiveDifferentValues() {
        let base = Array("hello, world and then some more".utf8)
        var changed = base
        changed[17] ^= 1
        XCTAssertNotEqual(hash(base, splits: []), hash(changed, splits: []))
        XCTAssertNotEqual(hash(base, splits: []), hash(base + [0], splits: []))
        XCTAssertNotEqual(hash([], splits: []), hash([0], splits: []))
    }
}
