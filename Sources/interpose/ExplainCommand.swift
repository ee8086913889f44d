import ArgumentParser
import InterposeAnalysis

/// `interpose explain [CODE]`: what a finding code means and how serious it is.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a finding code (tcp.gap, redis.unanswered-command...), or list them all.",
        discussion: """
            Every finding that analyze, check, sniff, proxy --check and replay report has a code from this
            catalogue. Codes of the form *.problem are reported once per protocol (redis.retried-request).
            """
    )

    @Argument(help: ArgumentHelp("A finding code, as findings carry it. Without one, every code is listed."))
    var code: String?

    @Flag(name: .long, help: "List every code as a Markdown table (the README's table of findings).")
    var markdown = false

    func run() throws {
        guard let code else {
            print(markdown ? FindingExplanation.markdown() : FindingExplanation.table(), terminator: "")
            return
        }
        guard let text = FindingExplanation.text(forCode: code) else {
            let near = FindingExplanation.suggestions(forCode: code).prefix(6)
            let hint = near.isEmpty ? "" : " (did you mean \(near.joined(separator: ", "))?)"
            throw CommandLineError(
                "no finding has the code '\(code)'\(hint); 'interpose explain' lists them all")
        }
        print(text, terminator: "")
    }
}
