import Foundation
import InterposeProtocols
import InterposeTestSupport
import XCTest

/// `--protocol` and `--port-protocol` accept exactly the protocols the registry lists.
final class ProtocolOptionsCommandTests: XCTestCase {
    private var capture: String { CorpusManifest.defaultDirectory + "/http1/zeek-get.pcap" }

    private func protocols(_ arguments: [String]) throws -> (status: Int32, protocols: [String], stderr: String) {
        let result = try ProcessRunner.run(
            InterposeBinary.path, ["analyze", "--json"] + arguments + [capture], timeout: 30)
        guard result.status != 2 else { return (result.status, [], result.stderrText) }
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let connections = try XCTUnwrap(document["connections"] as? [[String: Any]])
        return (result.status, connections.compactMap { $0["protocol"] as? String }, result.stderrText)
    }

    func testEveryRegisteredNameForcesItsProtocol() throws {
        XCTAssertEqual(try protocols([]).protocols, ["http1"])
        for descriptor in ProtocolRegistry.standard.selectable {
            for arguments in [["--protocol", descriptor.name], ["--port-protocol", "80=" + descriptor.name]] {
                let result = try protocols(arguments)
                XCTAssertNotEqual(result.status, 2, "\(arguments): \(result.stderr)")
                XCTAssertEqual(result.protocols, [descriptor.name], "\(arguments)")
            }
        }
    }

    func testNamesOutsideTheRegistryAreUsageErrorsNamingTheRegisteredOnes() throws {
        for arguments in [["--protocol", "ssh"], ["--protocol", "HTTP1"], ["--port-protocol", "80=mysql"]] {
            let result = try protocols(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertTrue(result.stderr.hasPrefix("interpose: --"), result.stderr)
            XCTAssertTrue(result.stderr.contains(ProtocolRegistry.standard.names), result.stderr)
        }
    }
}
