import Metrics
import Prometheus

/// The process's metrics backend: swift-metrics bootstrapped once with swift-prometheus, rendered
/// as Prometheus text at the control API's `GET /metrics`.
///
/// Everything counted through swift-metrics in the process lands here: the per-proxy counters the
/// registry keeps (`interpose_connections_total`, `interpose_bytes_total`, ...) and the faults
/// engine's `FaultMetrics.fired(proxy:toxic:)`.
public enum ControlMetrics {
    /// The Prometheus registry; the first use bootstraps the metrics system (once per process).
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Bootstraps the metrics system if it is not yet: call before the first metric is made, so
    /// none goes to the no-op backend. Safe to call more than once.
    public static func bootstrap() {
        _ = registry
    }

    /// All metrics now, in Prometheus text exposition format 0.0.4.
    public static func render() -> String {
        registry.emitToString()
    }
}
