import InterposeCore
import InterposeProtocols

/// The checks on one conversation's messages: pairing of requests and responses (completeness,
/// responses without a request), requests in flight when it ended, and what the cross-conversation
/// checks need (its version, the requests that failed).
///
/// Pure value type: messages in, findings out. The offline reader and the live proxy drive it the
/// same way.
package struct ConversationChecker {
    package let descriptor: ConnectionDescriptor
    package private(set) var application: ApplicationProtocol = .raw
    package private(set) var messages = 0
    package private(set) var requests = 0
    package private(set) var responses = 0
    package private(set) var version: String?
    private var responseVersion: String?
    private var unanswered = PendingRequests()
    private var answeredEarly: Set<Int> = []
    private var unmatchedResponses = 0
    private var unmatched: [(response: Message, beforeAnyRequest: Bool)] = []
    private var dissectionEnded = false
    /// The server ended the session as the protocol says (`Message.endsSession`): what the client
    /// still waited for, or wrote before it saw that, was answered by it.
    private var sessionEnded = false

    /// Most requests in flight tracked; more means a client that never waits, and pairing stops.
    package static let unansweredLimit = 100_000

    package init(descriptor: ConnectionDescriptor) {
        self.descriptor = descriptor
    }

    package var id: ConnectionID { descriptor.id }

    /// The version to compare across conversations: the server's, else the client's.
    package var negotiatedVersion: String? { responseVersion ?? version }

    /// Takes one message; returns the request it answers, when it is a paired response.
    package mutating func take(_ message: Message, findings: inout [Finding]) -> Message? {
        application = message.application
        defer {
            if message.endsSession {
                sessionEnded = true
                _ = unanswered.removeAll()
            }
        }
        messages += 1
        if let version = message.version {
            self.version = version
            if message.role == .response { responseVersion = version }
        }
        switch message.role {
        case .request:
            requests += 1
            if sessionEnded { return nil }
            // A response can complete before its request does (an early 413): then nothing waits.
            if message.expectsResponse, answeredEarly.isEmpty || answeredEarly.remove(message.index) == nil,
                unanswered.count < ConversationChecker.unansweredLimit
            {
                unanswered.append(message)
            }
            return nil
        case .response:
            responses += 1
            guard let index = message.answers else {
                // Held until the end: a conversation the capture joined late explains it.
                if unmatched.count < 10 { unmatched.append((message, requests == 0)) }
                unmatchedResponses += 1
                return nil
            }
            guard let request = unanswered.remove(index: index) else {
                answeredEarly.insert(index)
                return nil
            }
            return request
        case .event:
            // An event can close a request without answering it (a TLS HelloRetryRequest: the
            // client asks again, and the second request gets the answer).
            if let index = message.answers { _ = unanswered.remove(index: index) }
            return nil
        }
    }

    /// The server half-closed: a request written after this (into a connection the server had
    /// already closed, a `CLIENT KILL` the client had not seen yet) cannot be answered, and is the
    /// client's write into a closed connection, not a server that failed to answer.
    package mutating func serverClosed() {
        sessionEnded = true
    }

    /// The dissector stopped reading the conversation: what it did not read cannot be checked for
    /// completeness (its finding says why).
    package mutating func endDissection() {
        dissectionEnded = true
    }

    /// How a conversation ended, as far as the checks care.
    package enum Ending: Equatable {
        /// FINs (or one FIN and the capture's end after it).
        case closed
        /// A RST, sent by that side.
        case reset(by: Direction?)
        /// The capture ended with the conversation still open.
        case captureEnded
    }

    /// The conversation ended: responses without a request and requests still unanswered are
    /// findings, softened to information where the capture explains them (it joined the
    /// conversation late, or stopped before the answer).
    /// - Parameters:
    ///   - ending: how it ended.
    ///   - clientGaveUp: whether the client closed (half-closed first, or reset) rather than the server.
    ///   - joinedLate: whether the capture began after the conversation did (no SYN seen).
    /// - Returns: the unanswered requests, each with what became of it, for the retry check.
    package mutating func close(
        ending: Ending, clientGaveUp: Bool = false, joinedLate: Bool, findings: inout [Finding]
    ) -> [(Message, String)] {
        let prefix = ConversationChecker.prefix(application)
        // After the dissector lost its footing (a gap), pairing is not trusted either way.
        if dissectionEnded { unmatched.removeAll() }
        for (position, (response, beforeAnyRequest)) in unmatched.enumerated() {
            let explained = joinedLate && beforeAnyRequest
            findings.append(
                Finding(
                    code: .responseWithoutRequest, layer: prefix, severity: explained ? .info : .error, connection: id,
                    frame: response.packet,
                    message: "response '\(response.summary)' \(response.direction) answers no request that was seen",
                    detail: explained
                        ? "the capture began after the conversation did; its request is not in the file"
                        : position == 9 && unmatchedResponses > 10
                            ? "\(unmatchedResponses - 10) more not listed"
                            : "unsolicited data from the server, or requests missing from the capture"))
        }
        unmatched.removeAll()
        guard !unanswered.isEmpty, !dissectionEnded else { return [] }
        var waiting = unanswered.removeAll()
        // A blocking request (BRPOP key 0) the client stopped waiting for is the client's choice.
        if clientGaveUp, ending != .captureEnded, waiting.contains(where: \.waitsIndefinitely) {
            let abandoned = waiting.filter(\.waitsIndefinitely)
            waiting.removeAll(where: \.waitsIndefinitely)
            findings.append(
                Finding(
                    code: .abandonedBlockingRequest, layer: prefix, connection: id, frame: abandoned[0].packet,
                    message:
                        "the client closed while \(abandoned.count == 1 ? "a blocking request was" : "\(abandoned.count) blocking requests were") still waiting: '\(abandoned[0].summary)'",
                    detail: "sent at \(abandoned[0].start); the server may hold it until data arrives"))
            guard !waiting.isEmpty else { return [] }
        }
        let first = waiting[0]
        let more = waiting.count > 1 ? " and \(waiting.count - 1) more" : ""
        if case .captureEnded = ending {
            findings.append(
                Finding(
                    code: .unansweredAtCaptureEnd, layer: prefix, connection: id, frame: first.packet,
                    message:
                        "the capture ended before \(waiting.count) \(waiting.count == 1 ? "request was" : "requests were") answered: '\(first.summary)'\(more)",
                    detail: "the conversation was still open; not a fault of the service"))
            return []
        }
        let fate: String
        switch ending {
        case .reset(let resetBy):
            fate = "was in flight when the connection was reset"
            let who = resetBy.map { $0 == .clientToServer ? "the client" : "the server" } ?? "a reset"
            findings.append(
                Finding(
                    code: .disconnectInFlight, layer: prefix, connection: id, frame: first.packet,
                    message:
                        "connection reset by \(who) with \(waiting.count) \(waiting.count == 1 ? "request" : "requests") in flight: '\(first.summary)'\(more)",
                    detail: "sent at \(first.start); the client never got an answer"))
        case .closed, .captureEnded:
            fate = "got no response"
            findings.append(
                Finding(
                    code: application == .redis ? .redisUnansweredCommand : .unansweredRequest, layer: prefix,
                    severity: .error, connection: id, frame: first.packet,
                    message:
                        "\(waiting.count) \(waiting.count == 1 ? "request" : "requests") without a response when the connection closed: '\(first.summary)'\(more)",
                    detail: "sent at \(first.start)"))
        }
        return waiting.map { ($0, fate) }
    }

    /// The finding-code prefix of a protocol: `http`, `redis`, `postgres`... (its descriptor's layer).
    package static func prefix(_ application: ApplicationProtocol) -> String {
        ProtocolRegistry.standard.descriptor(for: application).findingLayer
    }
}
