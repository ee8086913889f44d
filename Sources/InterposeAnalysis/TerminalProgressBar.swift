#if canImport(Glibc)
    import Glibc
#endif

/// A one-line progress bar on standard error, drawn only when standard error is a terminal.
///
/// ```swift
/// let bar = TerminalProgressBar(label: "reading capture.pcap", minimumTotal: 64 << 20)
/// bar?.update(done: 1 << 20, total: 1 << 30)
/// bar?.finish()
/// ```
public final class TerminalProgressBar {
    private let label: String
    private var lastPercent = -1

    /// A bar, or `nil` when standard error is not a terminal.
    public init?(label: String) {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        self.label = label
    }

    /// Redraws the bar when the percentage changed.
    public func update(done: Int64, total: Int64) {
        guard total > 0 else { return }
        let percent = Int(min(100, max(0, done * 100 / total)))
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 30
        let filled = percent * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        write("\r\(label) [\(bar)] \(percent)%")
    }

    /// Erases the bar.
    public func finish() {
        guard lastPercent >= 0 else { return }
        write("\r\u{1B}[K")
    }

    private func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = Glibc.write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }
}
