import Foundation
import InterposeTestSupport
import XCTest

/// `report.json` of `interpose replay` (or its `--json` output), parsed, with the parts the
/// replay tests assert on as plain values.
struct ReplayReportDocument {
    /// One row of `differences`.
    struct Difference: Equatable, CustomStringConvertible {
        var conversation: Int
        var message: Int
        var request: String
        var field: String
        var recorded: String?
        var replayed: String?

        var description: String {
            "#\(conversation)/\(message) \(request) \(field): \(recorded ?? "nil") -> \(replayed ?? "nil")"
        }
    }

    /// One row of `noise`.
    struct Noise: Hashable, CustomStringConvertible {
        var field: String
        var count: Int
        var source: String

        var description: String { "\(field) x\(count) (\(source))" }
    }

    /// The whole document.
    let object: [String: Any]

    /// Parses a document; throws when it is not one JSON object.
    init(data: Data) throws {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ReplayTestFailure(
                description: "report is not a JSON object: \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        self.object = object
    }

    /// Reads `DIR/report.json`.
    init(directory: String) throws {
        try self.init(data: try Data(contentsOf: URL(fileURLWithPath: directory + "/report.json")))
    }

    /// A top-level count (`messages_compared`, `same`, `differs`, ...).
    func count(_ key: String) -> Int? { object[key] as? Int }

    /// The top-level counts the tests compare in one assertion.
    var counts: [String: Int] {
        var counts: [String: Int] = [:]
        for key in ["conversations", "messages_compared", "same", "differs", "missing", "extra"] {
            counts[key] = count(key) ?? -1
        }
        return counts
    }

    /// `differences`, in the report's order.
    var differences: [Difference] {
        (object["differences"] as? [[String: Any]] ?? []).map {
            Difference(
                conversation: $0["conversation"] as? Int ?? -1, message: $0["message"] as? Int ?? -1,
                request: $0["request"] as? String ?? "", field: $0["field"] as? String ?? "",
                recorded: $0["recorded"] as? String, replayed: $0["replayed"] as? String)
        }
    }

    /// `noise`, as a set (the order among equal counts is the report's business).
    var noise: Set<Noise> {
        Set(
            (object["noise"] as? [[String: Any]] ?? []).map {
                Noise(
                    field: $0["field"] as? String ?? "", count: $0["count"] as? Int ?? -1,
                    source: $0["source"] as? String ?? "")
            })
    }

    /// `verdict`.
    var verdict: String { object["verdict"] as? String ?? "" }

    /// `regression`.
    var regression: Bool? { object["regression"] as? Bool }

    /// `failed`: the exit status is 1 (a regression, or too many unreproducible messages).
    var failed: Bool? { object["failed"] as? Bool }

    /// `unreproducible`: `count`, `allowed`, `exceeded` and `messages`.
    var unreproducible: [String: Any] { object["unreproducible"] as? [String: Any] ?? [:] }

    /// `unreproducible.count`; -1 when absent.
    var unreproducibleCount: Int { unreproducible["count"] as? Int ?? -1 }

    /// `unreproducible.messages`: each one's request and reason.
    var unreproducibleMessages: [(request: String, reason: String)] {
        (unreproducible["messages"] as? [[String: Any]] ?? []).map {
            ($0["request"] as? String ?? "", $0["reason"] as? String ?? "")
        }
    }
}

/// `interpose replay ARGUMENTS` run to completion (60 s at most).
func runReplay(_ arguments: [String], timeout: Double = 60) throws -> ProcessRunner.Result {
    try ProcessRunner.run(InterposeBinary.path, ["replay"] + arguments, timeout: timeout)
}

/// The last non-empty line of a text: where `interpose replay` prints its verdict.
func lastLine(_ text: String) -> String {
    text.split(separator: "\n").last.map(String.init) ?? ""
}

/// Asserts a replay ran to the expected exit status (not killed by its time limit), with both
/// streams in the failure message.
func assertReplayStatus(
    _ result: ProcessRunner.Result, _ status: Int32, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertFalse(result.timedOut, "interpose replay ran past its time limit", file: file, line: line)
    XCTAssertEqual(
        result.status, status, "exit status; stderr: \(result.stderrText)\nstdout: \(result.stdoutText.suffix(4000))",
        file: file, line: line)
}

/// A replay test's setup or input went wrong before anything could be asserted.
struct ReplayTestFailure: Error, CustomStringConvertible {
    var description: String
}

/// Runs `interpose ARGUMENTS` under umask 000, where a file created without an explicit mode would
/// be 0666: the outputs that hold captured traffic must still be 0600.
func runInterposeWithOpenUmask(_ arguments: [String], timeout: Double = 60) throws -> ProcessRunner.Result {
    try ProcessRunner.run(
        "/bin/sh", ["-c", "umask 000 && exec \"$0\" \"$@\"", InterposeBinary.path] + arguments, timeout: timeout)
}

/// The permission bits of `path` (`0o600`).
func permissionBits(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return ((attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1) & 0o7777
}
