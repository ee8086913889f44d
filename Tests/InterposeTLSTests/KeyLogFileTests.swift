import Foundation
import InterposeTLS
import NIOCore
import XCTest

/// `--keylog`: its lines decrypt the traffic, so the file is the owner's only even when it existed.
final class KeyLogFileTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-keylog-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    func testAnExistingWorldReadableKeyLogBecomes0600AndKeepsItsLines() throws {
        let path = work + "/keys.log"
        XCTAssertTrue(
            FileManager.default.createFile(
                atPath: path, contents: Data("CLIENT_RANDOM aa bb\n".utf8), attributes: [.posixPermissions: 0o644]))
        let log = try KeyLogFile(path: path)
        log.append(ByteBuffer(string: "CLIENT_RANDOM cc dd\n"))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "CLIENT_RANDOM aa bb\nCLIENT_RANDOM cc dd\n")
    }

    func testADeviceIsRefusedWithOneLine() {
        XCTAssertThrowsError(try KeyLogFile(path: "/dev/null")) { error in
            XCTAssertEqual(
                "\(error)",
                "--keylog /dev/null: cannot open for appending: is a character device: captured traffic is written "
                    + "to regular files only (give a file path)")
        }
    }
}
