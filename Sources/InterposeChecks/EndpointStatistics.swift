import Histogram
import InterposeCore
import InterposeProtocols

/// What one kind of request to one service did: counts, outcomes by status code, and latency
/// from the end of the request to the first and to the last byte of its response.
///
/// Grouped by server endpoint, protocol and request key (`GET /users/{id}`, `SET`, `SELECT`), the
/// unit people ask about ("which endpoint got slow, which command fails").
public struct EndpointStatistics: Sendable {
    /// The server.
    public var server: Endpoint
    /// The protocol.
    public var application: ApplicationProtocol
    /// The request key.
    public var key: String
    /// Requests seen.
    public var requests = 0
    /// Responses paired with a request.
    public var responses = 0
    /// Responses by outcome.
    public var outcomes: [MessageStatus.Outcome: Int] = [:]
    /// Failed responses by status (`503`, `WRONGTYPE`, `42P01` with their outcome).
    public var failureCodes: [MessageStatus: Int] = [:]
    /// Authentication failures after which the same client host authenticated to the same service
    /// (a wrong password tried first, an HTTP challenge answered): counted in `outcomes` too.
    public var authenticationRecovered = 0
    /// Request end to first response byte, in microseconds.
    public var firstByte = EndpointStatistics.makeHistogram()
    /// Request end to last response byte, in microseconds.
    public var lastByte = EndpointStatistics.makeHistogram()

    /// Empty statistics for one group.
    public init(server: Endpoint, application: ApplicationProtocol, key: String) {
        self.server = server
        self.application = application
        self.key = key
    }

    /// 1 microsecond to 1 hour with 2 significant digits: 1 % resolution in about 12 KB.
    package static func makeHistogram() -> Histogram<UInt32> {
        Histogram<UInt32>(
            lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .two)
    }

    /// Failed responses (any outcome but success).
    public var failures: Int { outcomes.filter { $0.key != .success }.reduce(0) { $0 + $1.value } }

    /// The latency at `percentile` (0-100) in microseconds, first byte or last byte; `nil` without samples.
    public func latency(_ percentile: Double, lastByte useLast: Bool = false) -> UInt64? {
        let histogram = useLast ? lastByte : firstByte
        guard histogram.totalCount > 0 else { return nil }
        return histogram.valueAtPercentile(percentile)
    }

    package mutating func record(response: Message, requestEnd: Timestamp) {
        responses += 1
        if let status = response.status {
            outcomes[status.outcome, default: 0] += 1
            if status.isFailure, failureCodes.count < 64 || failureCodes[status] != nil {
                failureCodes[status, default: 0] += 1
            }
        } else {
            outcomes[.success, default: 0] += 1
        }
        let first = max(0, response.start.nanosecondsSinceEpoch - requestEnd.nanosecondsSinceEpoch) / 1_000
        let last = max(0, response.end.nanosecondsSinceEpoch - requestEnd.nanosecondsSinceEpoch) / 1_000
        firstByte.record(UInt64(min(max(first, 1), 3_600_000_000)))
        lastByte.record(UInt64(min(max(last, 1), 3_600_000_000)))
    }
}
