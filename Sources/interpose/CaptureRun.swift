import InterposeAnalysis

/// Runs the offline analysis for a command, with a progress bar on a terminal.
enum CaptureRun {
    static func analyze(file: String, dissection: DissectionOptions) throws -> AnalysisReport {
        AllocatorTuning.tuneForStreaming()
        let bar = TerminalProgressBar(label: "reading \(file)")
        let report = try CaptureAnalyzer.analyze(
            path: file, filter: dissection.filter, forced: try dissection.forced(),
            portHints: try dissection.portHints(),
            progress: bar.map { bar in
                { done, total in if total >= 64 << 20 { bar.update(done: done, total: total) } }
            })
        bar?.finish()
        return report
    }
}
