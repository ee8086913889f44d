import InterposeCore

extension AnalysisReport {
    /// JUnit XML for CI (`check --junit FILE`): one test case per conversation, failing with its
    /// error findings; findings about the capture or a whole service go in a `capture` test case.
    ///
    /// Warnings and info findings are listed in each case's `system-out`, so a CI page shows them
    /// without failing the build.
    public func renderJUnit() -> String {
        var byConnection: [ConnectionID: [Finding]] = [:]
        var general: [Finding] = []
        for finding in findings {
            if let connection = finding.connection {
                byConnection[connection, default: []].append(finding)
            } else {
                general.append(finding)
            }
        }
        let failures = findings.filter { $0.severity == .error }.count
        let failingCases =
            byConnection.values.filter { $0.contains { $0.severity == .error } }.count
            + (general.contains { $0.severity == .error } ? 1 : 0)
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml +=
            #"<testsuites name="interpose check" tests="\#(conversations.count + 1)" failures="\#(failingCases)">"#
            + "\n"
        xml +=
            #"  <testsuite name="\#(AnalysisReport.escape(path))" tests="\#(conversations.count + 1)" failures="\#(failingCases)" errors="0" skipped="0">"#
            + "\n"
        xml += AnalysisReport.testCase(
            name: "capture", className: "interpose.capture", findings: general, errors: failures)
        for conversation in conversations {
            let summary = conversation.summary
            let name =
                "connection \(summary.id) \(summary.descriptor.client) -> \(summary.descriptor.server) \(conversation.protocolName)"
            xml += AnalysisReport.testCase(
                name: name, className: "interpose.\(conversation.protocolName)",
                findings: byConnection[summary.id] ?? [], errors: nil)
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    private static func testCase(name: String, className: String, findings: [Finding], errors: Int?) -> String {
        var xml = #"    <testcase name="\#(escape(name))" classname="\#(escape(className))">"# + "\n"
        for finding in findings where finding.severity == .error {
            xml += #"      <failure type="\#(escape(finding.code))" message="\#(escape(finding.message))">"#
            xml += escape(finding.description) + "</failure>\n"
        }
        let notes = findings.filter { $0.severity != .error }
        if !notes.isEmpty {
            xml += "      <system-out>" + escape(notes.map(\.description).joined(separator: "\n")) + "</system-out>\n"
        }
        xml += "    </testcase>\n"
        return xml
    }

    /// XML text and attribute escaping (`XMLEscaping.escape`).
    static func escape(_ text: String) -> String {
        XMLEscaping.escape(text)
    }
}
