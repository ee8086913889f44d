import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

/// The `interpose` command: a capturing man-in-the-middle TCP proxy and the tools around its captures.
///
/// This target only parses and wires; the work is done in the library targets.
@main
struct Interpose: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpose",
        abstract: "A capturing man-in-the-middle TCP proxy: forward, record, check, replay.",
        version: "0.1.0",
        subcommands: [
            ProxyCommand.self, AnalyzeCommand.self, CheckCommand.self, SniffCommand.self, DiffCommand.self,
            ReplayCommand.self,
            ExplainCommand.self, DemoServiceCommand.self, CACommand.self,
        ]
    )

    /// Runs the command with docs/DESIGN.md's exit statuses: 0 clean, 1 findings or regressions,
    /// 2 bad usage or unusable input, always with one line that names the problem.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exitWithStatus(for: error)
        }
        Glibc.exit(0)
    }

    private static func exitWithStatus(for error: Error) -> Never {
        if let code = error as? ExitCode {
            Glibc.exit(code.rawValue)
        }
        let code = exitCode(for: error)
        if code == .success {
            // --help, --version: argument-parser prints them, and they are not errors.
            print(fullMessage(for: error))
            Glibc.exit(0)
        }
        let message = fullMessage(for: error)
        let line = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? message
        var stderrStream = StandardError()
        if let error = error as? CommandLineError {
            print("interpose: \(error.description)", to: &stderrStream)
        } else {
            print("interpose: \(line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line)", to: &stderrStream)
            if message.contains("Usage:") {
                print("Run 'interpose help' for usage.", to: &stderrStream)
            }
        }
        Glibc.exit(2)
    }
}
