import InterposeCore
import InterposeProtocols
import InterposeReader

extension AnalysisReport {
    /// The `analyze --json` document of docs/DESIGN.md: one object with `connections` and `findings`
    /// (snake_case, stable field names), plus the file's description and counts.
    ///
    /// Per connection: `id`, `client`, `server` (`IP:PORT`, `[IPv6]:PORT`), `protocol`, `state`,
    /// `start_ns`, `end_ns`, `bytes_to_server`, `bytes_to_client` (unique payload bytes),
    /// `frames` (data frames both ways), `messages`, then details (`frames_to_server`, `gaps`...).
    public func renderJSON() -> String {
        var json = JSONWriter()
        json.beginObject()
        json.beginObject("capture")
        json.string("file", path)
        json.string("format", format.description)
        json.number("link_type", linkType.rawValue)
        json.number("file_bytes", fileSize)
        json.string("filter", filter)
        json.number("packets", statistics.packets)
        json.number("tcp_packets", statistics.tcpPackets)
        json.number("other_packets", statistics.otherPackets)
        json.number("filtered_out", statistics.filteredOut)
        json.number("snaplen_cut_packets", statistics.snaplenCutPackets)
        json.number("undecodable_packets", statistics.headerCutPackets + statistics.malformedPackets)
        json.number("start_ns", statistics.firstTimestamp?.nanosecondsSinceEpoch)
        json.number("end_ns", statistics.lastTimestamp?.nanosecondsSinceEpoch)
        json.bool("truncated", statistics.isTruncated)
        if let interface {
            json.string("interface", interface)
        }
        if let drops {
            json.beginObject("drops")
            json.number("received", Int64(clamping: drops.received))
            json.number("dropped", Int64(clamping: drops.dropped))
            json.number("interface_dropped", Int64(clamping: drops.interfaceDropped))
            json.number("undecodable", drops.undecodable)
            json.endObject()
        }
        json.endObject()
        json.beginArray("connections")
        for conversation in conversations {
            let summary = conversation.summary
            json.beginObject()
            json.number("id", summary.id.rawValue)
            json.string("client", summary.descriptor.client.description)
            json.string("server", summary.descriptor.server.description)
            json.string("protocol", conversation.protocolName)
            json.string("state", summary.state.rawValue)
            json.number("start_ns", summary.start.nanosecondsSinceEpoch)
            json.number("end_ns", summary.end.nanosecondsSinceEpoch)
            json.number("bytes_to_server", summary.toServer.bytes)
            json.number("bytes_to_client", summary.toClient.bytes)
            json.number("frames", summary.toServer.dataFrames + summary.toClient.dataFrames)
            json.number("messages", conversation.messages)
            json.number("frames_to_server", summary.toServer.dataFrames)
            json.number("frames_to_client", summary.toClient.dataFrames)
            json.number("packets_to_server", summary.packetsToServer)
            json.number("packets_to_client", summary.packetsToClient)
            json.number("gaps", summary.toServer.gaps + summary.toClient.gaps)
            json.number("gap_bytes", summary.toServer.gapBytes + summary.toClient.gapBytes)
            json.number("retransmissions", summary.toServer.retransmissions + summary.toClient.retransmissions)
            json.number("out_of_order", summary.toServer.outOfOrderSegments + summary.toClient.outOfOrderSegments)
            json.bool("roles_guessed", summary.rolesGuessed)
            json.number("first_packet", summary.firstPacket)
            json.endObject()
        }
        json.endArray()
        json.beginArray("endpoints")
        for group in endpoints {
            json.beginObject()
            json.string("server", group.server.description)
            json.string("protocol", group.application.rawValue)
            json.string("request", group.key)
            json.number("requests", group.requests)
            json.number("responses", group.responses)
            json.number("failures", group.failures)
            json.beginObject("outcomes")
            for outcome in MessageStatus.Outcome.allCases {
                json.number(outcome.rawValue, group.outcomes[outcome] ?? 0)
            }
            json.endObject()
            json.beginObject("failure_codes")
            for (status, count) in group.failureCodes.sorted(by: { $0.key.code < $1.key.code }) {
                json.number(status.code, count)
            }
            json.endObject()
            json.number("first_byte_p50_us", group.latency(50))
            json.number("first_byte_p99_us", group.latency(99))
            json.number("last_byte_p50_us", group.latency(50, lastByte: true))
            json.number("last_byte_p99_us", group.latency(99, lastByte: true))
            json.endObject()
        }
        json.endArray()
        json.beginArray("findings")
        for finding in findings {
            json.beginObject()
            json.string("code", finding.code)
            json.string("severity", finding.severity.rawValue)
            json.number("connection", finding.connection?.rawValue)
            json.number("frame", finding.frame)
            json.string("message", finding.message)
            json.string("detail", finding.detail)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.text
    }
}
