import InterposeCapture
import InterposeCore
import InterposeProxy
import Metrics

/// One proxy's swift-metrics series, labelled `proxy`, brought up to date from its counters when
/// `/metrics` is read: the proxy's hot path counts nothing twice.
///
/// Byte counts come from the proxy's statistics, which running connections feed every 64 reads or
/// 64 KiB (and at close).
final class ProxyMetrics {
    private let name: String
    private let openConnections: Gauge
    private let enabled: Gauge
    private let accepted: Counter
    private let upstreamFailures: Counter
    private let bytesToServer: Counter
    private let bytesToClient: Counter
    private let captureBytesWritten: Counter
    private let captureBytesDropped: Counter
    private let captureRecordsDropped: Counter
    private var findings: [String: Counter] = [:]
    /// The value each counter was last brought to, by series key.
    private var exported: [String: Int] = [:]

    init(name: String) {
        self.name = name
        let proxy = [("proxy", name)]
        openConnections = Gauge(label: "interpose_connections_open", dimensions: proxy)
        enabled = Gauge(label: "interpose_proxy_enabled", dimensions: proxy)
        accepted = Counter(label: "interpose_connections_total", dimensions: proxy)
        upstreamFailures = Counter(label: "interpose_upstream_failures_total", dimensions: proxy)
        bytesToServer = Counter(
            label: "interpose_bytes_total", dimensions: proxy + [("direction", "client_to_server")])
        bytesToClient = Counter(
            label: "interpose_bytes_total", dimensions: proxy + [("direction", "server_to_client")])
        captureBytesWritten = Counter(label: "interpose_capture_bytes_written_total", dimensions: proxy)
        captureBytesDropped = Counter(label: "interpose_capture_dropped_bytes_total", dimensions: proxy)
        captureRecordsDropped = Counter(label: "interpose_capture_dropped_records_total", dimensions: proxy)
    }

    /// Brings every series up to the proxy's counters now (totals over all its listeners so far).
    func update(
        statistics: ProxyStatistics.Snapshot, isEnabled: Bool, capture: CaptureStatistics?,
        findingsByCode: [String: Int]
    ) {
        openConnections.record(statistics.open)
        enabled.record(isEnabled ? 1 : 0)
        advance(accepted, key: "accepted", to: statistics.accepted)
        advance(upstreamFailures, key: "upstream_failures", to: statistics.upstreamFailures)
        advance(bytesToServer, key: "bytes_to_server", to: statistics.bytesToServer)
        advance(bytesToClient, key: "bytes_to_client", to: statistics.bytesToClient)
        if let capture {
            advance(captureBytesWritten, key: "capture_written", to: capture.fileBytesWritten)
            advance(captureBytesDropped, key: "capture_dropped", to: capture.droppedBytes)
            advance(captureRecordsDropped, key: "capture_dropped_records", to: capture.droppedRecords)
        }
        for (code, count) in findingsByCode {
            let counter =
                findings[code]
                ?? Counter(label: "interpose_findings_total", dimensions: [("proxy", name), ("code", code)])
            findings[code] = counter
            advance(counter, key: "finding " + code, to: count)
        }
    }

    /// Removes the series (the proxy was deleted).
    func destroy() {
        for counter in [
            accepted, upstreamFailures, bytesToServer, bytesToClient, captureBytesWritten,
            captureBytesDropped, captureRecordsDropped,
        ] + Array(findings.values) {
            counter.destroy()
        }
        openConnections.destroy()
        enabled.destroy()
    }

    private func advance(_ counter: Counter, key: String, to value: Int) {
        let delta = value - exported[key, default: 0]
        guard delta > 0 else { return }
        counter.increment(by: delta)
        exported[key] = value
    }
}
