import InterposeCapture
import InterposeChecks
import InterposeCore
import InterposeProxy

/// The JSON of Interpose's own endpoints (`/interpose/...`), with snake_case field names.
enum ControlReports {
    /// `GET /interpose/proxies/NAME/connections`.
    struct Connections: Encodable {
        var proxy: String
        var connections: [Connection]

        struct Connection: Encodable {
            var id: UInt64
            var client: String?
            var upstream: String
            var opened_at_ns: Int64
            var age_seconds: Double
        }

        init(proxy: String, connections: [ProxyConnectionInfo], now: Timestamp) {
            self.proxy = proxy
            self.connections = connections.map {
                Connection(
                    id: $0.id.rawValue, client: $0.client?.description, upstream: $0.upstream.description,
                    opened_at_ns: $0.openedAt.nanosecondsSinceEpoch,
                    age_seconds: Double(now.nanosecondsSinceEpoch - $0.openedAt.nanosecondsSinceEpoch) / 1e9)
            }
        }
    }

    /// `GET /interpose/proxies/NAME/findings`.
    struct Findings: Encodable {
        var proxy: String
        var checks: Bool
        var counts: [String: Int]
        var by_code: [String: Int]
        var findings: [Item]

        struct Item: Encodable {
            var code: String
            var severity: String
            var connection: UInt64?
            var frame: Int?
            var message: String
            var detail: String?
        }

        init(proxy: String, checks: LiveChecks?) {
            self.proxy = proxy
            self.checks = checks != nil
            var counts: [String: Int] = [:]
            for severity in Severity.allCases { counts[severity.rawValue] = checks?.counts[severity] ?? 0 }
            self.counts = counts
            self.by_code = checks?.countsByCode ?? [:]
            self.findings = (checks?.recentFindings ?? []).map {
                Item(
                    code: $0.code, severity: $0.severity.rawValue, connection: $0.connection?.rawValue,
                    frame: $0.frame, message: $0.message, detail: $0.detail)
            }
        }
    }

    /// `GET /interpose/proxies/NAME/capture`.
    struct Capture: Encodable {
        var proxy: String
        var capturing: Bool
        var files: [String]
        var records_written: Int
        var packets_written: Int
        var payload_bytes_recorded: Int
        var file_bytes_written: Int
        var dropped_records: Int
        var dropped_bytes: Int
        var write_error: String?

        init(proxy: String, statistics: CaptureStatistics?) {
            self.proxy = proxy
            capturing = statistics != nil
            files = statistics?.files ?? []
            records_written = statistics?.recordsWritten ?? 0
            packets_written = statistics?.packetsWritten ?? 0
            payload_bytes_recorded = statistics?.payloadBytesRecorded ?? 0
            file_bytes_written = statistics?.fileBytesWritten ?? 0
            dropped_records = statistics?.droppedRecords ?? 0
            dropped_bytes = statistics?.droppedBytes ?? 0
            write_error = statistics?.writeError
        }
    }

    /// `GET /version`: Toxiproxy's field, plus Interpose's own version.
    struct Version: Encodable {
        var version: String
        var interpose: String
    }

    /// `POST /populate`: the proxies, and on failure Toxiproxy's error fields beside them.
    struct Populated: Encodable {
        var proxies: [ProxyView]
        var error: String?
        var status: Int?
    }
}
