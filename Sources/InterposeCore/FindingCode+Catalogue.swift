extension FindingCode {
    /// What a kind of finding is: the severity it is reported at and its meaning, for
    /// `interpose explain` and the README.
    public struct Entry: Sendable, Hashable {
        /// The severity findings of this kind carry.
        public var severity: Severity
        /// When some findings of this kind carry another severity, and which: `nil` when all carry
        /// `severity`.
        public var otherSeverity: String?
        /// What was seen, in one line.
        public var meaning: String
    }

    /// The severity findings of this kind carry (see `entry.otherSeverity` for the exceptions).
    public var severity: Severity { entry.severity }

    /// What was seen, in one line.
    public var meaning: String { entry.meaning }

    // swift-format-ignore: LineLength
    /// The catalogue entry. One `switch`, so the compiler holds every code to an entry.
    public var entry: Entry {
        switch self {
        case .captureTruncated:
            return .error("the capture file ends inside a packet record; what came before it was read")
        case .captureSnaplen:
            return .warning("packets were cut to the capture's snap length, so their payload is incomplete")
        case .captureUndecodable:
            return .warning("packets whose link, IP or TCP headers could not be decoded were skipped")
        case .captureUnsupportedLinkType:
            return .warning("packets on an interface whose link type Interpose does not decode were skipped")
        case .capturePcapngInterfaces:
            return .info(
                "the pcapng file has interfaces libpcap cannot read together; only the first link type was read")
        case .captureInterfaceFailed:
            return .error("live capture on the interface failed part way; the packets before the failure were analysed")
        case .captureDropped:
            return .warning(
                "the kernel or the interface dropped packets before Interpose saw them (libpcap's counters)")
        case .captureWriteFailed:
            return .error(
                "writing the capture file failed (a full disk, an I/O error); the file holds what was written before")
        case .captureRetriesNotListed:
            return .info("more retried requests than are listed one by one; the count is given")
        case .ipFragmentIncomplete:
            return .warning("fragmented IP datagrams whose fragments did not all arrive could not be rebuilt")
        case .tcpGap:
            return .warning(
                "bytes of a TCP stream are missing from the capture (never glued over); the protocol reads on where it can"
            )
        case .tcpOverlapMismatch:
            return .error("a retransmitted TCP segment carries different bytes than the first copy of the same range")
        case .tcpRetransmission: return .info("TCP segments were sent again (counted per direction)")
        case .tcpOutOfOrder: return .info("TCP segments arrived out of order and were put back in order")
        case .tcpOutOfOrderLimit:
            return .warning("the out-of-order buffer of a TCP stream was full, so later segments count as a gap")
        case .tcpDataAfterFin: return .warning("a side sent data after its own FIN; the data is not part of the stream")
        case .tcpDataAfterReset:
            return .warning("segments with data came after the connection was reset; they are ignored")
        case .tcpRSTWithData: return .info("RST segments carried data, which is not part of the stream")
        case .tcpMidStream:
            return .info("the capture began after the connection did (no SYN seen): its first messages may be missing")
        case .httpMalformed:
            return .error(
                "bytes that are not a valid HTTP/1 request or response (RFC 9112); the conversation is not read further"
            )
        case .httpBadContentLength:
            return .error("a Content-Length that is not a number, or several that disagree (RFC 9110 8.6)")
        case .httpContentLengthMismatch: return .error("a body shorter or longer than its Content-Length")
        case .httpAmbiguousLength:
            return .warning(
                "a message with both Transfer-Encoding and Content-Length, the request smuggling shape (RFC 9112 6.3)")
        case .httpIncompleteRequest: return .error("the connection ended in the middle of a request")
        case .httpIncompleteResponse: return .error("the connection ended in the middle of a response")
        case .httpResponseOutOfOrder:
            return .error("a response came before the request it answers was complete, where HTTP/1 does not allow it")
        case .httpUnreadableAfterGap:
            return .warning("a TCP gap fell inside HTTP framing; reading resumes at the next request or status line")
        case .http2Malformed:
            return .error(
                "bytes that are not valid HTTP/2 framing (no connection preface, an undecodable header block)")
        case .http2ProtocolError:
            return .error("a frame HTTP/2 does not allow where it came (RFC 9113 PROTOCOL_ERROR)").otherwise(
                "warning for a stream-level misuse that does not break the connection")
        case .http2FrameSizeError:
            return .error("a frame longer than SETTINGS_MAX_FRAME_SIZE, or with a length its type does not allow")
        case .http2FlowControlError: return .error("a peer sent more data than the flow-control window allowed")
        case .http2TooManyStreams:
            return .error("a client opened more concurrent streams than the server's SETTINGS_MAX_CONCURRENT_STREAMS")
        case .http2StreamReset:
            return .error("a stream was reset (RST_STREAM) before it completed").otherwise(
                "warning for a client's routine NO_ERROR or CANCEL")
        case .http2Goaway: return .warning("a side sent GOAWAY with an error code, closing the connection")
        case .http2IncompleteStream:
            return .warning("the connection ended with streams still open").otherwise("error when it was reset")
        case .http2SettingsUnacknowledged: return .warning("a SETTINGS frame was never acknowledged by the other side")
        case .http2UnreadableAfterGap:
            return .warning("a TCP gap fell inside HTTP/2 framing; the rest of the conversation is not read")
        case .grpcMalformed: return .error("a gRPC message with a bad length prefix or compression flag")
        case .grpcMissingStatus: return .error("a gRPC response ended without a grpc-status trailer")
        case .redisMalformed: return .error("bytes that are not valid RESP; the conversation is not read further")
        case .redisIncompleteCommand: return .error("the connection ended in the middle of a command")
        case .redisIncompleteReply: return .error("the connection ended in the middle of a reply")
        case .redisUnexpectedReplyType:
            return .warning("a reply of a type the command never returns (an integer for GET)")
        case .redisReplyOutOfOrder:
            return .error("a reply that fits a later command rather than the oldest one waiting: replies out of order")
        case .redisUnansweredCommand: return .error("commands without a reply when the connection closed")
        case .redisUnreadableAfterGap:
            return .warning("a TCP gap fell inside RESP framing; the rest of the conversation is not read")
        case .postgresMalformed:
            return .error(
                "bytes that are not a valid PostgreSQL message (an unknown type, a bad length); not read further")
        case .postgresIncompleteMessage: return .error("the connection ended in the middle of a message")
        case .postgresUnexpectedMessage:
            return .warning("a backend message that cannot come at that point of the protocol")
        case .postgresUnreadableAfterGap:
            return .warning("a TCP gap fell outside a message body; the messages after it cannot be framed")
        case .mqttMalformed:
            return .error("bytes that are not a valid MQTT packet; the conversation is not read further")
        case .mqttIncompleteMessage: return .error("the connection ended in the middle of a packet")
        case .mqttAckOutOfOrder:
            return .warning(
                "an acknowledgement (PUBACK, PUBREC, SUBACK...) for a packet id that is not waiting for one")
        case .mqttUnreadableAfterGap:
            return .warning("a TCP gap fell inside MQTT framing; the rest of the conversation is not read")
        case .tlsMalformed: return .error("bytes that are not a valid TLS record or handshake message")
        case .tlsUnreadableAfterGap:
            return .warning("a TCP gap fell inside TLS records; the rest of the conversation is not read")
        case .tlsAlert:
            return .error("a fatal TLS alert (the handshake or the session failed)").otherwise(
                "info for a warning-level alert such as close_notify")
        case .tlsCertificateUnreadable:
            return .warning("a server certificate that could not be parsed or was too large to check")
        case .tlsCertificateNameMismatch:
            return .error("the server certificate does not cover the name the client asked for (SNI)")
        case .tlsCertificateExpired: return .error("the server certificate had expired at the time of the connection")
        case .tlsCertificateNotYetValid:
            return .error("the server certificate was not yet valid at the time of the connection")
        case .tlsCertificateExpiring: return .warning("the server certificate expires within 14 days of the connection")
        case .tlsCertificateChanged:
            return .info("the same server presented a different certificate on another connection")
        case .tlsClientNotTLS:
            return .error(
                "a client sent something other than a TLS ClientHello to an intercepting listener; it was reset")
        case .tlsClientRefusedInterception:
            return .error(
                "the client's TLS handshake with the proxy failed, usually because it does not trust the interception CA"
            )
        case .tlsUpstreamHandshakeFailed:
            return .error(
                "TLS to the upstream failed or timed out (its certificate did not verify); the client was reset")
        case .unansweredRequest: return .error("requests without a response when the connection closed")
        case .disconnectInFlight:
            return .error("the connection was reset with requests still waiting for their responses")
        case .unansweredAtCaptureEnd:
            return .info("the capture ended while requests were still waiting; not a fault of the service")
        case .abandonedBlockingRequest:
            return .info(
                "the client closed while a blocking request (BRPOP key 0, XREAD BLOCK) still waited; the server may hold those"
            )
        case .responseWithoutRequest:
            return .error("a response that answers no request seen on the connection").otherwise(
                "info when the capture began after the conversation did")
        case .retriedRequest:
            return .info(
                "a request that repeats, within 30 s and from the same client host, one that a server error or silence failed on another connection"
            ).otherwise("warning for HTTP POST and PATCH, which may have run twice")
        case .authFailure:
            return .error(
                "responses that refused authentication (HTTP 401/403/407, Redis WRONGPASS/NOAUTH, PostgreSQL class 28, MQTT bad credentials, gRPC 7/16) to a client that did not authenticate afterwards"
            ).otherwise(
                "info when the same client host authenticated to the service after each failure; warning for HTTP 401/407 challenges left unanswered"
            )
        case .serverError:
            return .warning(
                "responses that report a server-side failure (HTTP 5xx, PostgreSQL classes 53-58 and XX, Redis LOADING/BUSY-like errors, gRPC internal codes)"
            )
        case .clientError:
            return .info(
                "responses that refuse a request as the client's mistake (HTTP 4xx other than auth, SQL errors, Redis ERR/WRONGTYPE)"
            )
        case .versionDrift:
            return .warning("clients of one service speak different protocol versions (mixed builds or configuration)")
        }
    }
}

extension FindingCode.Entry {
    fileprivate static func error(_ meaning: String) -> Self { Self(severity: .error, meaning: meaning) }
    fileprivate static func warning(_ meaning: String) -> Self { Self(severity: .warning, meaning: meaning) }
    fileprivate static func info(_ meaning: String) -> Self { Self(severity: .info, meaning: meaning) }

    fileprivate func otherwise(_ note: String) -> Self {
        var entry = self
        entry.otherSeverity = note
        return entry
    }
}
