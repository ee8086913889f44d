import InterposeAnalysis
import InterposeCore

extension ReplayReport {
    /// `report.json`: one object, snake_case keys in a stable order.
    ///
    /// Top level: `recorded`, `target`, `baseline` (or `null`), `duration_ns`, `regression` (the
    /// target regressed), `failed` (the exit status is 1: a regression, or more unreproducible
    /// messages than allowed), `conversations` (how many), `messages_compared`, `same`, `differs`,
    /// `missing`, `extra`, `stopped_early`, `noise_cancelled`, `error_findings` (counts),
    /// `differences` (`[{"conversation","message","request","field","recorded","replayed"}]`, values
    /// `null` when absent), `unreproducible` (`{"count","max_unreproducible","allowed","exceeded",
    /// "messages":[{"conversation","message","request","reason","recorded","replayed"}]}`), `noise`
    /// (`[{"field","count","source"}]`), `correlations` and `correlation_rules_unmatched`
    /// (`writeCorrelations`), `latency` (`threshold`, `overall` and
    /// `rows` with `recorded_p50_us`..., `warnings`), `findings`, `conversation_results` (every
    /// conversation with its messages, texts and verdicts) and `verdict` (the verdict line).
    public func renderJSON() -> String {
        var json = JSONWriter()
        json.beginObject()
        json.string("recorded", recorded)
        json.string("target", target)
        json.string("baseline", baseline)
        json.number("duration_ns", durationNanoseconds)
        json.bool("regression", hasRegressions)
        json.bool("failed", failed)
        json.number("conversations", conversations.count)
        json.number("messages_compared", messagesCompared)
        json.number("same", count(.same))
        json.number("differs", count(.differs))
        json.number("missing", count(.missing))
        json.number("extra", count(.extra))
        json.number("stopped_early", stoppedEarly.count)
        json.number("noise_cancelled", noiseCancelled)
        json.number("error_findings", errorFindings.count)
        json.number("regression_findings", regressionFindings.count)
        json.beginArray("differences")
        for row in differences {
            json.beginObject()
            json.number("conversation", row.conversation)
            json.number("message", row.message.index)
            json.string("request", row.message.request)
            json.string("field", row.difference.field)
            json.string("recorded", row.difference.recorded)
            json.string("replayed", row.difference.replayed)
            json.endObject()
        }
        json.endArray()
        writeUnreproducible(into: &json)
        json.beginArray("noise")
        for row in noise {
            json.beginObject()
            json.string("field", row.field)
            json.number("count", row.count)
            json.string("source", row.source)
            json.endObject()
        }
        json.endArray()
        writeCorrelations(into: &json)
        writeLatency(into: &json)
        json.beginArray("findings")
        for finding in findings {
            writeFinding(finding, into: &json)
        }
        json.endArray()
        json.beginArray("conversation_results")
        for conversation in conversations {
            writeConversation(conversation, into: &json)
        }
        json.endArray()
        json.string("verdict", verdictLine)
        json.endObject()
        return json.text
    }

    private func writeUnreproducible(into json: inout JSONWriter) {
        json.beginObject("unreproducible")
        json.number("count", count(.unreproducible))
        json.string("max_unreproducible", unreproducibleLimit.description)
        json.string("allowed", unreproducibleLimit.allowed(compared: messagesCompared))
        json.bool("exceeded", exceedsUnreproducibleLimit)
        json.beginArray("messages")
        for (conversation, message) in unreproducibleMessages {
            json.beginObject()
            json.number("conversation", conversation)
            json.number("message", message.index)
            json.string("request", message.request)
            json.string("reason", message.unreproducible)
            json.string("recorded", message.recordedSummary)
            json.string("replayed", message.replayedSummary)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }

    private func writeLatency(into json: inout JSONWriter) {
        json.beginObject("latency")
        json.double("threshold", latency.threshold)
        if let overall = latency.overall {
            json.beginObject("overall")
            Self.writeLatencyFields(overall, into: &json)
            json.endObject()
        } else {
            json.null("overall")
        }
        json.beginArray("rows")
        for row in latency.rows {
            json.beginObject()
            Self.writeLatencyFields(row, into: &json)
            json.endObject()
        }
        json.endArray()
        json.beginArray("warnings")
        for warning in latency.warnings { json.string(nil, warning) }
        json.endArray()
        json.endObject()
    }

    private static func writeLatencyFields(_ row: LatencyComparison.Row, into json: inout JSONWriter) {
        json.string("key", row.key)
        json.number("recorded_count", row.recorded.count)
        json.number("recorded_p50_us", row.recorded.p50 / 1_000)
        json.number("recorded_p99_us", row.recorded.p99 / 1_000)
        json.number("replayed_count", row.replayed.count)
        json.number("replayed_p50_us", row.replayed.p50 / 1_000)
        json.number("replayed_p99_us", row.replayed.p99 / 1_000)
    }

    private func writeFinding(_ finding: CheckFinding, into json: inout JSONWriter) {
        json.beginObject()
        json.number("conversation", finding.conversation)
        json.string("severity", finding.severity.rawValue)
        json.string("code", finding.code)
        json.string("message", finding.message)
        json.string("also_in", finding.alsoIn)
        json.endObject()
    }

    private func writeConversation(_ conversation: ConversationResult, into json: inout JSONWriter) {
        json.beginObject()
        json.number("id", conversation.id)
        json.string("server", conversation.server)
        json.string("application", conversation.application)
        json.number("replayed_id", conversation.replayedID)
        json.string("error", conversation.error)
        json.string("unreproducible_stop", conversation.unreproducibleStop)
        json.bool("regression", conversation.hasRegression)
        json.beginArray("messages")
        for message in conversation.messages {
            json.beginObject()
            json.number("index", message.index)
            json.string("request", message.request)
            json.string("key", message.key)
            json.string("verdict", message.verdict.rawValue)
            json.string("unreproducible", message.unreproducible)
            json.beginArray("differences")
            for difference in message.differences {
                json.beginObject()
                json.string("field", difference.field)
                json.string("recorded", difference.recorded)
                json.string("replayed", difference.replayed)
                json.endObject()
            }
            json.endArray()
            json.beginArray("noise")
            for field in message.noise { json.string(nil, field) }
            json.endArray()
            json.string("recorded_summary", message.recordedSummary)
            json.string("replayed_summary", message.replayedSummary)
            json.number("recorded_latency_us", message.recordedLatency.map { $0 / 1_000 })
            json.number("replayed_latency_us", message.replayedLatency.map { $0 / 1_000 })
            json.string("request_text", message.requestText)
            json.string("recorded_text", message.recordedText)
            json.string("replayed_text", message.replayedText)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }
}
