import Foundation

/// Renders a local HTML file with headless Chromium (Debian package `chromium`): a PNG screenshot,
/// the page's console messages, and the DOM after its scripts ran.
///
/// Each run gets a fresh profile (`--user-data-dir`) in the caller's directory and a time limit.
/// Chromium writes console messages to standard error with `--enable-logging=stderr` as
/// `[…:INFO:CONSOLE:12] "Uncaught Error: planted", source: file:///… (12)`; all of them are
/// logged at INFO whatever their console level, so an error is recognised by its text: an
/// uncaught exception or rejected promise starts with `Uncaught`. When Chromium is missing the
/// helpers throw with a message naming `scripts/setup` (tests fail, they do not skip).
public enum HeadlessChromium {
    /// One message the page logged.
    public struct ConsoleMessage: Sendable, Equatable, CustomStringConvertible {
        /// The message (`Uncaught Error: planted`).
        public var text: String
        /// The script's URL and line as Chromium printed them (`file:///tmp/x.html (12)`).
        public var source: String
        /// Whether it is an uncaught exception or an unhandled rejection.
        public var isError: Bool { text.hasPrefix("Uncaught") }
        /// `text (source)`.
        public var description: String { "\(text) (\(source))" }
    }

    /// What one screenshot run produced.
    public struct Screenshot: Sendable {
        /// The PNG written.
        public var png: String
        /// Every console message of the page, in order.
        public var console: [ConsoleMessage]
        /// Chromium's standard error, for failure messages.
        public var log: String
        /// The console messages that are errors.
        public var errors: [ConsoleMessage] { console.filter(\.isError) }
    }

    /// Chromium did not run or did not produce what was asked.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with Chromium's output.
        public var description: String
    }

    /// The chromium executable.
    /// - Throws: when it is not installed.
    public static func executable() throws -> String {
        guard let path = ProcessRunner.which("chromium") ?? ProcessRunner.which("chromium-browser") else {
            throw Failure(
                description: "chromium is not installed: run scripts/setup (it installs the Debian package chromium)")
        }
        return path
    }

    /// Renders `html` (a local file) into `directory/NAME.png` in a `width` × `height` window.
    public static func screenshot(
        of html: String, in directory: String, width: Int = 1280, height: Int = 1800, timeout: Double = 90
    ) throws -> Screenshot {
        let png = directory + "/" + URL(fileURLWithPath: html).deletingPathExtension().lastPathComponent + ".png"
        try? FileManager.default.removeItem(atPath: png)
        let result = try run(
            ["--window-size=\(width),\(height)", "--screenshot=\(png)", fileURL(html)], in: directory, timeout: timeout)
        guard !result.timedOut, FileManager.default.fileExists(atPath: png) else {
            throw Failure(
                description: "chromium did not write \(png)"
                    + (result.timedOut ? " (killed after \(Int(timeout)) s)" : " (exit status \(result.status))")
                    + ": \(result.stderrText.suffix(3000))")
        }
        return Screenshot(png: png, console: consoleMessages(result.stderrText), log: result.stderrText)
    }

    /// The page's DOM after its scripts ran (`--dump-dom`), and its console messages.
    public static func dumpDOM(of html: String, in directory: String, timeout: Double = 90) throws -> (
        dom: String, console: [ConsoleMessage]
    ) {
        let result = try run(["--dump-dom", fileURL(html)], in: directory, timeout: timeout)
        guard !result.timedOut, result.status == 0 else {
            throw Failure(
                description:
                    "chromium --dump-dom \(html) failed (status \(result.status)): \(result.stderrText.suffix(3000))")
        }
        return (result.stdoutText, consoleMessages(result.stderrText))
    }

    /// The console messages in Chromium's log.
    public static func consoleMessages(_ log: String) -> [ConsoleMessage] {
        var messages: [ConsoleMessage] = []
        for line in log.split(separator: "\n") {
            guard let tag = line.range(of: ":CONSOLE"), let close = line[tag.upperBound...].range(of: "] ") else {
                if line.contains("Uncaught") { messages.append(ConsoleMessage(text: String(line), source: "")) }
                continue
            }
            var rest = line[close.upperBound...]
            var source = ""
            if let split = rest.range(of: "\", source: ", options: .backwards) {
                source = String(rest[split.upperBound...])
                rest = rest[..<split.lowerBound]
            }
            if rest.hasPrefix("\"") { rest = rest.dropFirst() }
            if rest.hasSuffix("\"") && source.isEmpty { rest = rest.dropLast() }
            messages.append(ConsoleMessage(text: String(rest), source: source))
        }
        return messages
    }

    private static func run(_ arguments: [String], in directory: String, timeout: Double) throws -> ProcessRunner.Result
    {
        let profile = directory + "/chromium-profile-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--enable-logging=stderr", "--v=0", "--user-data-dir=\(profile)",
        ]
        return try ProcessRunner.run(
            try executable(), flags + arguments, timeout: timeout, environment: ["HOME": directory])
    }

    private static func fileURL(_ path: String) -> String {
        URL(fileURLWithPath: path).absoluteString
    }
}
