import Foundation

/// A strict reader of the Prometheus text exposition format (0.0.4) for the tests: every line
/// must be a comment, `# TYPE`/`# HELP`, or `name{label="value",...} number`.
struct PrometheusText {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    private var samples: [String: [([String: String], Double)]] = [:]

    /// The value of the series `name` with exactly these labels.
    subscript(name: String, labels: [String: String]) -> Double? {
        samples[name]?.first { $0.0 == labels }?.1
    }

    static func parse(_ text: String) throws -> PrometheusText {
        var result = PrometheusText()
        let name = #"[a-zA-Z_:][a-zA-Z0-9_:]*"#
        let label = #"[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*""#
        let sample = try NSRegularExpression(
            pattern: "^(\(name))(?:\\{((?:\(label))(?:,(?:\(label)))*)?,?\\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$")
        let type = try NSRegularExpression(pattern: "^# TYPE \(name) (counter|gauge|histogram|summary|untyped)$")
        let labelPattern = try NSRegularExpression(pattern: #"([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)""#)
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            let range = NSRange(line.startIndex..., in: line)
            if line.hasPrefix("# TYPE") {
                guard type.firstMatch(in: line, range: range) != nil else {
                    throw ParseError(description: "bad TYPE line: \(line)")
                }
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let match = sample.firstMatch(in: line, range: range) else {
                throw ParseError(description: "not a Prometheus sample line: \(line)")
            }
            let metric = String(line[Range(match.range(at: 1), in: line)!])
            var labels: [String: String] = [:]
            if let labelRange = Range(match.range(at: 2), in: line) {
                let text = String(line[labelRange])
                for found in labelPattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    labels[String(text[Range(found.range(at: 1), in: text)!])] = String(
                        text[Range(found.range(at: 2), in: text)!])
                }
            }
            guard let value = Double(String(line[Range(match.range(at: 3), in: line)!])) else {
                throw ParseError(description: "bad value: \(line)")
            }
            result.samples[metric, default: []].append((labels, value))
        }
        return result
    }
}
