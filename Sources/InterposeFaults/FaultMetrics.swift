import CoreMetrics

/// The faults engine's one metric: how often each toxic fired, per proxy.
///
/// The engine calls `fired(proxy:toxic:)` each time a toxic acts on a connection (a latency added
/// to a chunk, a reset sent, a request answered with an injected status). It is a swift-metrics
/// counter, `interpose_faults_fired_total{proxy, toxic, type, stream}`, served at the control
/// API's `GET /metrics`; without a metrics backend (no `--control`) it costs a no-op call.
///
/// ```swift
/// FaultMetrics.fired(proxy: configuration.name, toxic: toxic)
/// ```
public enum FaultMetrics {
    /// The counter's name in Prometheus text.
    public static let firedLabel = "interpose_faults_fired_total"

    /// Counts one firing of `toxic` on the proxy named `proxy`.
    /// - Parameters:
    ///   - proxy: the proxy's name (`ProxyServer.Configuration.name`).
    ///   - toxic: the toxic that acted; its name, type and stream become labels.
    ///   - count: how many firings to count at once (default 1).
    public static func fired(proxy: String, toxic: Toxic, count: Int = 1) {
        Counter(
            label: firedLabel,
            dimensions: [
                ("proxy", proxy), ("toxic", toxic.name), ("type", toxic.type.rawValue),
                ("stream", toxic.stream.rawValue),
            ]
        ).increment(by: count)
    }
}
