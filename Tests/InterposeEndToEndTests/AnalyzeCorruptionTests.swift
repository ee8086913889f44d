import Foundation
import InterposeTestSupport
import XCTest

/// Hundreds of damaged captures (`editcap -E` byte corruption, cuts at random offsets): `interpose
/// analyze` must end every one within seconds with status 0, 1 or 2, never a crash or a hang.
final class AnalyzeCorruptionTests: XCTestCase {
    private struct Run: Sendable {
        var label: String
        var status: Int32
        var timedOut: Bool
        var stderr: String
    }

    func testCorruptedCorpusFilesNeverCrashOrHang() throws {
        let editcap = try ProcessRunner.require("editcap", package: "wireshark-common")
        let manifest = try CorpusManifest()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-corrupt-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        // Every readable corpus file, a few corruption seeds each: about 300 damaged files.
        var jobs: [(String, [String]?, Int?)] = []  // (source, editcap arguments, cut offset)
        let readable = manifest.entries.filter { $0.tsharkOK && $0.format != "unreadable" }
        for entry in readable {
            let source = manifest.path(of: entry)
            for seed in 1...2 {
                jobs.append((source, ["-E", "0.02", "--seed", "\(seed)"], nil))
            }
            if let size = (try? FileManager.default.attributesOfItem(atPath: source)[.size]) as? Int, size > 40 {
                jobs.append((source, nil, Int.random(in: 24..<size)))
            }
        }
        for entry in manifest.entries where !entry.tsharkOK {
            jobs.append((manifest.path(of: entry), nil, nil))
        }
        XCTAssertGreaterThan(jobs.count, 250)
        let allJobs = jobs
        let lock = NSLock()
        nonisolated(unsafe) var runs: [Run] = []
        nonisolated(unsafe) var setupFailures: [String] = []
        DispatchQueue.concurrentPerform(iterations: allJobs.count) { index in
            let (source, arguments, cut) = allJobs[index]
            let target = "\(work)/\(index)-\(URL(fileURLWithPath: source).lastPathComponent)"
            var label = URL(fileURLWithPath: source).lastPathComponent
            do {
                if let arguments {
                    let made = try ProcessRunner.run(editcap, arguments + [source, target], timeout: 30)
                    guard made.status == 0 else {
                        lock.lock()
                        setupFailures.append("editcap \(arguments) \(source): \(made.stderrText)")
                        lock.unlock()
                        return
                    }
                    label += " editcap \(arguments.joined(separator: " "))"
                } else if let cut {
                    let bytes = try Data(contentsOf: URL(fileURLWithPath: source)).prefix(cut)
                    try bytes.write(to: URL(fileURLWithPath: target))
                    label += " cut at \(cut)"
                } else {
                    try FileManager.default.copyItem(atPath: source, toPath: target)
                }
                let result = try ProcessRunner.run(InterposeBinary.path, ["analyze", "--json", target], timeout: 5)
                lock.lock()
                runs.append(
                    Run(label: label, status: result.status, timedOut: result.timedOut, stderr: result.stderrText))
                lock.unlock()
            } catch {
                lock.lock()
                setupFailures.append("\(label): \(error)")
                lock.unlock()
            }
        }
        XCTAssertEqual(setupFailures, [])
        var byStatus: [Int32: Int] = [:]
        for run in runs {
            byStatus[run.status, default: 0] += 1
            XCTAssertFalse(run.timedOut, "\(run.label): still running after 5 s")
            XCTAssertTrue(
                [0, 1, 2].contains(run.status), "\(run.label): exit \(run.status): \(run.stderr.prefix(500))")
            XCTAssertFalse(run.stderr.contains("Fatal error"), "\(run.label): \(run.stderr.prefix(500))")
            if run.status == 2 {
                XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, "\(run.label): one line: \(run.stderr)")
            }
        }
        print("corruption: \(runs.count) damaged files, exit statuses \(byStatus.sorted { $0.key < $1.key })")
    }
}
