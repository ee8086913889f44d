import InterposeCore
import InterposeProtocols

/// The checks that look across conversations of one service: per-endpoint statistics and status
/// summaries, protocol version drift, and requests retried after a failure.
///
/// Memory is bounded by the number of distinct services and request keys (capped), never by the
/// number of messages.
package struct ServiceChecks {
    /// No service seen yet.
    package init() {}

    private struct Service: Hashable {
        var server: Endpoint
        var application: ApplicationProtocol
    }

    private struct GroupKey: Hashable {
        var service: Service
        var key: String
    }

    /// One client host of one service: authentication failures are forgiven once it authenticates.
    private struct ClientOfService: Hashable {
        var service: Service
        var client: IPAddress
    }

    private struct Failure {
        var connection: ConnectionID
        var reason: String
        /// The client host that saw it fail, and when it sent the request.
        var client: IPAddress
        var sentAt: Timestamp
    }

    /// How soon after a failed request the same request from the same client host is its retry, in
    /// nanoseconds: later, or from another host, it is the same work asked again, not a retry.
    package static let retryWindow: Int64 = 30_000_000_000

    /// Most request keys per service with their own statistics; the rest are grouped as `(other)`.
    package static let keysPerService = 500
    /// Most failed requests remembered per service for the retry check.
    package static let failuresPerService = 10_000

    private var groupIndex: [GroupKey: Int] = [:]
    private var groups: [EndpointStatistics] = []
    private var recentGroup: (key: GroupKey, position: Int)?
    private var keyCounts: [Service: Int] = [:]
    private var versions: [Service: [String: Int]] = [:]
    private var versionExamples: [Service: [String: ConnectionID]] = [:]
    private var failures: [Service: [UInt64: Failure]] = [:]
    private var retriesReported: [Service: Int] = [:]
    private var certificates: [GroupKey: (fingerprint: UInt64, connection: ConnectionID, summary: String)] = [:]
    private var rotationsReported = 0
    private var retriesSuppressed = 0
    /// Authentication failures no success from the same client host has followed yet: their groups.
    private var unrecoveredAuthentication: [ClientOfService: [Int]] = [:]

    /// A request was seen: counts it, and reports it when it repeats one that failed on another
    /// connection to the same service.
    package mutating func request(_ message: Message, on connection: ConnectionDescriptor, findings: inout [Finding]) {
        let service = Service(server: connection.server, application: message.application)
        modifyGroup(service, message.key) { $0.requests += 1 }
        guard message.fingerprint != 0, let failure = failures[service]?[message.fingerprint],
            failure.connection != connection.id, failure.client == connection.client.address
        else { return }
        failures[service]?[message.fingerprint] = nil
        guard message.start.nanosecondsSinceEpoch - failure.sentAt.nanosecondsSinceEpoch <= ServiceChecks.retryWindow
        else { return }
        guard retriesReported[service, default: 0] < 100 else {
            retriesSuppressed += 1
            return
        }
        retriesReported[service, default: 0] += 1
        let unsafeToRepeat = message.application == .http1 && (message.name == "POST" || message.name == "PATCH")
        findings.append(
            Finding(
                code: .retriedRequest, layer: ConversationChecker.prefix(message.application),
                severity: unsafeToRepeat ? .warning : .info, connection: connection.id, frame: message.packet,
                message:
                    "'\(message.summary)' repeats a request that \(failure.reason) on connection \(failure.connection)\(unsafeToRepeat ? " (not idempotent: it may have run twice)" : "")",
                detail: "a client retry after a failure"))
    }

    /// An event was seen: a server certificate is compared with the one the same service (and
    /// server name) presented before, so a rotation shows.
    package mutating func event(_ message: Message, on connection: ConnectionDescriptor, findings: inout [Finding]) {
        guard message.application == .tls, message.name == "Certificate", message.direction == .serverToClient,
            message.fingerprint != 0
        else { return }
        let group = GroupKey(service: Service(server: connection.server, application: .tls), key: message.key)
        guard let previous = certificates[group] else {
            if certificates.count < 10_000 {
                certificates[group] = (message.fingerprint, connection.id, message.summary)
            }
            return
        }
        guard previous.fingerprint != message.fingerprint else { return }
        certificates[group] = (message.fingerprint, connection.id, message.summary)
        guard rotationsReported < 100 else { return }
        rotationsReported += 1
        findings.append(
            Finding(
                code: .tlsCertificateChanged, connection: connection.id, frame: message.packet,
                message:
                    "\(connection.server) presented a different certificate for \(message.key) than on connection \(previous.connection): \(message.summary) (was \(previous.summary))",
                detail: "a rotation, or clients reaching different servers behind one address"))
    }

    /// A response was paired with its request.
    package mutating func response(_ response: Message, to request: Message, on connection: ConnectionDescriptor) {
        let service = Service(server: connection.server, application: response.application)
        modifyGroup(service, request.key) { $0.record(response: response, requestEnd: request.end) }
        // One rule for every protocol: an authentication failure counts against the service only
        // while the client has not authenticated since (a later success from the same host).
        let client = ClientOfService(service: service, client: connection.client.address)
        switch response.status?.outcome {
        case .authenticationFailure?:
            if let position = recentGroup?.position, unrecoveredAuthentication[client, default: []].count < 10_000 {
                unrecoveredAuthentication[client, default: []].append(position)
            }
        case .success?, nil:
            if let positions = unrecoveredAuthentication.removeValue(forKey: client) {
                for position in positions { groups[position].authenticationRecovered += 1 }
            }
        default:
            break
        }
        // A request asked again after an authentication failure is the client authenticating (an
        // HTTP challenge answered), not a retry: only server errors and silence make retries.
        if response.status?.outcome == .serverError {
            failed(
                request, service: service, connection: connection,
                reason: "was answered \(response.status?.code ?? "with an error")")
        }
    }

    /// A conversation ended: its version, and the requests it left unanswered.
    package mutating func conversationEnded(
        _ checker: ConversationChecker, unanswered: [(Message, String)]
    ) {
        let service = Service(server: checker.descriptor.server, application: checker.application)
        if let version = checker.negotiatedVersion, checker.application != .raw {
            versions[service, default: [:]][version, default: 0] += 1
            if versionExamples[service]?[version] == nil {
                versionExamples[service, default: [:]][version] = checker.id
            }
        }
        for (request, reason) in unanswered {
            failed(request, service: service, connection: checker.descriptor, reason: reason)
        }
    }

    /// The findings only the whole capture shows: version drift and status summaries, by service.
    package func summaryFindings() -> [Finding] {
        var findings: [Finding] = []
        for (service, seen) in versions.sorted(by: { "\($0.key.server)" < "\($1.key.server)" }) where seen.count > 1 {
            let prefix = ConversationChecker.prefix(service.application)
            let counts = seen.sorted { $0.key < $1.key }.map { version, count in
                "\(version) on \(count) \(count == 1 ? "conversation" : "conversations") (e.g. connection \(versionExamples[service]?[version]?.description ?? "?"))"
            }
            findings.append(
                Finding(
                    code: .versionDrift, layer: prefix,
                    connection: versionExamples[service]?[seen.min(by: { $0.value < $1.value })!.key],
                    message:
                        "clients of \(service.server) speak different \(service.application) versions: \(counts.joined(separator: ", "))",
                    detail: "mixed client builds or configuration; the rarer version is pointed at"))
        }
        for group in endpoints() where group.failures > 0 {
            let prefix = ConversationChecker.prefix(group.application)
            for (outcome, severity, code) in [
                (MessageStatus.Outcome.authenticationFailure, Severity.error, FindingCode.authFailure),
                (.serverError, .warning, .serverError), (.clientError, .info, .clientError),
            ] {
                guard let count = group.outcomes[outcome], count > 0 else { continue }
                let codes = group.failureCodes.filter { $0.key.outcome == outcome }
                var severity = severity
                var recovery = ""
                if outcome == .authenticationFailure {
                    // An error only while some client never authenticated after its failure; HTTP
                    // 401 and 407 alone, unanswered by credentials, are a challenge: a warning.
                    let recovered = min(group.authenticationRecovered, count)
                    let challengesOnly =
                        group.application == .http1 && codes.keys.allSatisfy { ["401", "407"].contains($0.code) }
                    severity = recovered == count ? .info : challengesOnly ? .warning : .error
                    if recovered > 0 {
                        recovery =
                            recovered == count
                            ? " (each followed by a successful authentication from the same client)"
                            : " (\(recovered) followed by a successful authentication from the same client)"
                    }
                }
                let list = codes.sorted { $0.value > $1.value }.prefix(5).map { "\($0.value)x \($0.key.code)" }
                    .joined(separator: ", ")
                findings.append(
                    Finding(
                        code: code, layer: prefix, severity: severity,
                        message:
                            "\(count) of \(group.responses) responses to \(group.key) on \(group.server) were \(ServiceChecks.describe(outcome))\(list.isEmpty ? "" : ": \(list)")\(recovery)"
                    ))
            }
        }
        if retriesSuppressed > 0 {
            findings.append(
                Finding(
                    code: .captureRetriesNotListed,
                    message: "\(retriesSuppressed) more retried requests not listed one by one"))
        }
        return findings
    }

    /// Statistics per service and request key, busiest first.
    package func endpoints() -> [EndpointStatistics] {
        groups.sorted {
            $0.requests != $1.requests
                ? $0.requests > $1.requests : ($0.server.description, $0.key) < ($1.server.description, $1.key)
        }
    }

    // MARK: - Internals

    private mutating func failed(
        _ request: Message, service: Service, connection: ConnectionDescriptor, reason: String
    ) {
        guard request.fingerprint != 0 else { return }
        if failures[service, default: [:]].count >= ServiceChecks.failuresPerService { return }
        failures[service, default: [:]][request.fingerprint] = Failure(
            connection: connection.id, reason: reason, client: connection.client.address, sentAt: request.start)
    }

    private mutating func modifyGroup(_ service: Service, _ key: String, _ body: (inout EndpointStatistics) -> Void) {
        // Consecutive messages mostly share a group (a benchmark's GETs): compare before hashing.
        if let recent = recentGroup, recent.key.service == service, recent.key.key == key {
            body(&groups[recent.position])
            return
        }
        var group = GroupKey(service: service, key: key)
        if groupIndex[group] == nil, keyCounts[service, default: 0] >= ServiceChecks.keysPerService {
            group.key = "(other)"
        }
        let position: Int
        if let known = groupIndex[group] {
            position = known
        } else {
            keyCounts[service, default: 0] += 1
            position = groups.count
            groupIndex[group] = position
            groups.append(EndpointStatistics(server: service.server, application: service.application, key: group.key))
        }
        recentGroup = (GroupKey(service: service, key: key), position)
        body(&groups[position])
    }

    private static func describe(_ outcome: MessageStatus.Outcome) -> String {
        switch outcome {
        case .success: return "successes"
        case .clientError: return "refused as client errors"
        case .serverError: return "server errors"
        case .authenticationFailure: return "authentication failures"
        }
    }
}
