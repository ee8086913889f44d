import Foundation

/// Finds the `interpose` executable the test run was built with.
public enum InterposeBinary {
    /// The path: `$INTERPOSE_BIN` when set, else `interpose` beside the test bundle (SwiftPM puts
    /// every product of a build in one directory).
    public static var path: String {
        if let override = ProcessInfo.processInfo.environment["INTERPOSE_BIN"] { return override }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On Linux arguments[0] is the .xctest executable; on macOS a path inside the bundle.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("interpose").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return "interpose"
    }
}
