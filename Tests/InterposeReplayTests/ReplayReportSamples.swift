import InterposeCapture
import InterposeCore
import InterposeReplay

/// Hand-built replay reports for the rendering tests: one with every kind of regression and hostile
/// text (markup, quotes, ampersands, control bytes), one without a regression.
enum ReplayReportSamples {
    /// A value a server could send to break a page, a terminal or an XML parser.
    static let hostile = "\"<script>alert('x&y')</script>\u{1b}[31m\u{0}\u{7}\""

    /// Four conversations: a differing JSON field (and an error finding), a missing and an extra
    /// response, a conversation that stopped early, and a clean one; noise, latency with warnings.
    static func regression() -> ReplayReport {
        let differing = MessageResult(
            index: 1, request: "GET /users/7 HTTP/1.1", key: "GET /users/{id}",
            requestText: "GET /users/7 HTTP/1.1\r\nHost: a & b <c>\r\nAccept: */*\r\n\r\n", verdict: .differs,
            differences: [
                FieldDifference(field: "json:$.name", recorded: "\"Ada\"", replayed: hostile),
                FieldDifference(field: "json:$.new_field", recorded: nil, replayed: "1"),
            ],
            noise: ["header:date"], recordedSummary: "200 OK", replayedSummary: "200 OK",
            recordedText:
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\n  \"id\": 7,\n  \"name\": \"Ada\"\n}\n",
            replayedText:
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\n  \"id\": 7,\n  \"name\": \(hostile),\n  \"new_field\": 1\n}\n",
            recordedLatency: 1_000_000, replayedLatency: 1_500_000)
        let http = ConversationResult(
            id: 1, server: "127.0.0.1:8080", application: "http1", replayedID: 11,
            messages: [
                MessageResult(
                    index: 0, request: "GET / HTTP/1.1", key: "GET /", verdict: .same, noise: ["header:date"],
                    recordedSummary: "200 OK", replayedSummary: "200 OK"),
                differing,
                MessageResult(index: 2, request: "GET /health HTTP/1.1", key: "GET /health", verdict: .same),
            ])
        let redis = ConversationResult(
            id: 2, server: "127.0.0.1:6379", application: "redis", replayedID: 12,
            messages: [
                MessageResult(index: 0, request: "GET user:7", key: "GET user:{key}", verdict: .same),
                MessageResult(
                    index: 1, request: "SET a&b \"<i>\"", key: "SET {key}", requestText: "SET a&b \"<i>\"",
                    verdict: .missing, recordedSummary: "+OK", recordedText: "+OK\r\n"),
                MessageResult(
                    index: 2, request: "PING", key: "PING", verdict: .extra,
                    replayedSummary: "-ERR <b>\u{1b}[31m", replayedText: "-ERR <b>\u{1b}[31m\r\n"),
            ])
        let stopped = ConversationResult(
            id: 3, server: "127.0.0.1:8080", application: "http1",
            messages: [MessageResult(index: 0, request: "GET /a HTTP/1.1", key: "GET /a", verdict: .same)],
            error: "reset by the target after 1 of 3 requests <script>boom()</script>")
        let clean = ConversationResult(
            id: 4, server: "127.0.0.1:5432", application: "postgres", replayedID: 14,
            messages: [
                MessageResult(index: 0, request: "SELECT 1", key: "SELECT 1", verdict: .same),
                MessageResult(index: 1, request: "SELECT 2", key: "SELECT 2", verdict: .same),
            ])
        let row = LatencyComparison.Row(
            key: "GET /users/{id}", recorded: .init(count: 2, p50: 1_000_000, p99: 5_000_000),
            replayed: .init(count: 2, p50: 1_500_000, p99: 9_000_000))
        let latency = LatencyComparison(
            overall: LatencyComparison.Row(
                key: "all", recorded: .init(count: 5, p50: 900_000, p99: 5_000_000),
                replayed: .init(count: 5, p50: 1_000_000, p99: 9_000_000)),
            rows: [
                row,
                LatencyComparison.Row(
                    key: "GET user:{key} <&>", recorded: .init(count: 3, p50: 200_000, p99: 250_000),
                    replayed: .init(count: 3, p50: 210_000, p99: 260_000)),
            ],
            threshold: 0.2,
            warnings: ["GET /users/{id}: p99 5.0ms -> 9.0ms (+80%)", "all: p99 5.0ms -> 9.0ms (+80%)"])
        return ReplayReport(
            recorded: "/captures/old <&> \"q\".pcapng", target: "127.0.0.1:8081", baseline: "127.0.0.1:8080",
            conversations: [http, redis, stopped, clean],
            noise: [
                NoiseCount(field: "header:date", count: 3, source: "baseline"),
                NoiseCount(field: "json:$.served_at", count: 2, source: "rule"),
            ],
            latency: latency,
            findings: [
                .init(
                    conversation: 1, severity: .error, code: "http.bad-status-line",
                    message: "status line \"HTTP/1.1 5OO\" <not> valid & \u{0}"),
                .init(conversation: 4, severity: .warning, code: "postgres.slow", message: "slow <query>"),
                .init(conversation: nil, severity: .info, code: "capture.note", message: "replayed on loopback"),
            ],
            durationNanoseconds: 2_500_000_000)
    }

    /// Two conversations, every message the same, three noise fields cancelled, one warning finding.
    static func clean() -> ReplayReport {
        ReplayReport(
            recorded: "old.pcapng", target: "127.0.0.1:8081",
            conversations: [
                ConversationResult(
                    id: 1, server: "127.0.0.1:8080", application: "http1", replayedID: 1,
                    messages: [
                        MessageResult(
                            index: 0, request: "GET / HTTP/1.1", key: "GET /", verdict: .same, noise: ["header:date"]),
                        MessageResult(
                            index: 1, request: "GET /a HTTP/1.1", key: "GET /a", verdict: .same,
                            noise: ["header:date", "json:$.served_at"]),
                    ]),
                ConversationResult(id: 2, server: "127.0.0.1:6379", application: "redis", replayedID: 2),
            ],
            noise: [
                NoiseCount(field: "header:date", count: 2, source: "baseline"),
                NoiseCount(field: "json:$.served_at", count: 1, source: "rule"),
            ],
            findings: [.init(conversation: 1, severity: .warning, code: "http.slow", message: "slow")])
    }
}
