import InterposeCore
import NIOCore

/// Reads TLS connections without decrypting them: the record layer both ways, the plaintext
/// handshake (ClientHello, ServerHello, HelloRetryRequest, the TLS 1.2 server certificate) and
/// plaintext alerts. Encrypted records are counted, and summarised once per direction at the end.
///
/// A ClientHello is a request (keyed by its server name) answered by the ServerHello. A
/// certificate seen in plaintext (TLS 1.2 and earlier) becomes a `Certificate` event whose
/// `fingerprint` is the leaf certificate's and whose `key` is the server name, so a check across
/// conversations can notice a rotation; its validity is checked against the capture's clock.
///
/// ```swift
/// // openssl s_client -servername test.local -tls1_2 against nginx:
/// // request  "ClientHello"  "ClientHello sni=test.local versions=TLS 1.2 suites=30"
/// // response "ServerHello"  "ServerHello TLS 1.2 cipher=0xc030 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
/// // event    "Certificate"  "cn=test.local notAfter=2027-01-01"
/// // event    "ApplicationData" (one per direction, at the end)
/// ```
public struct TLSDissector: Dissector {
    public let application = ApplicationProtocol.tls

    /// Certificates that end within this many seconds get a `tls.certificate-expiring` warning.
    static let expiringWindow: Int64 = 14 * 86_400

    private var client = TLSRecordReader()
    private var server = TLSRecordReader()
    private var nextIndex = 0
    /// The ClientHello waiting for its ServerHello.
    private var pendingHello: (index: Int, key: String)?
    /// The server name the client asked for, `(no sni)` when it did not say.
    private var serverKey = "(no sni)"
    /// The version the ServerHello chose.
    private var negotiated: Int?
    /// Whether `end` already summarised the connection.
    private var ended = false

    /// A dissector at the start of a conversation.
    public init() {}

    public mutating func receive(
        _ bytes: ByteBuffer, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        var events: [TLSRecordReader.Event] = []
        var failure: String?
        do {
            if direction == .clientToServer {
                guard !client.stopped else { return }
                try client.read(bytes, at: timestamp, into: &events)
            } else {
                guard !server.stopped else { return }
                try server.read(bytes, at: timestamp, into: &events)
            }
        } catch {
            guard case .malformed(let reason) = error else { return }
            failure = reason
        }
        for event in events { take(event, direction: direction, at: timestamp, packet: packet, into: &output) }
        if let failure {
            stop(
                direction, code: .tlsMalformed,
                message: "malformed TLS record \(direction): \(failure)", packet: packet, into: &output)
        }
    }

    public mutating func gap(
        _ size: Int, direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        let skipped: Bool
        if direction == .clientToServer {
            guard !client.stopped else { return }
            skipped = client.skipGap(size)
        } else {
            guard !server.stopped else { return }
            skipped = server.skipGap(size)
        }
        if !skipped {
            stop(
                direction, code: .tlsUnreadableAfterGap,
                message:
                    "\(size) bytes missing \(direction) outside encrypted application data; the rest of this direction is not dissected",
                packet: packet, into: &output)
        }
    }

    public mutating func finish(
        direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {}

    public mutating func end(reset: Bool, at timestamp: Timestamp, into output: inout DissectorOutput) {
        guard !ended else { return }
        ended = true
        for (reader, direction) in [(client, Direction.clientToServer), (server, .serverToClient)]
        where reader.opaqueRecords > 0 {
            output.emit(
                Message(
                    index: nextIndex, role: .event, application: .tls, direction: direction,
                    start: reader.opaqueStart ?? timestamp, end: reader.opaqueEnd ?? timestamp,
                    name: "ApplicationData",
                    summary: "\(reader.opaqueBytes) bytes encrypted in \(reader.opaqueRecords) records \(direction)",
                    key: serverKey, version: negotiated.map(TLSNames.version), bytes: reader.opaqueBytes))
            nextIndex += 1
        }
    }

    private mutating func take(
        _ event: TLSRecordReader.Event, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        switch event {
        case .handshake(let type, let body, let start, let bytes):
            let span = Span(start: start, end: timestamp, packet: packet, bytes: Int64(bytes))
            switch (TLSHandshakeType(rawValue: type), direction) {
            case (.clientHello, .clientToServer): clientHello(body, span, into: &output)
            case (.serverHello, .serverToClient): serverHello(body, span, into: &output)
            case (.certificate, _) where negotiated != 0x0304:
                certificate(body, direction: direction, span, into: &output)
            default: break
            }
        case .oversizedHandshake(let type, let length):
            if type == TLSHandshakeType.certificate.rawValue {
                output.report(
                    DissectorFinding(
                        code: .tlsCertificateUnreadable,
                        message:
                            "Certificate message \(direction) of \(length) bytes exceeds the \(TLSRecordReader.handshakeLimit)-byte limit; the certificate was not checked",
                        packet: packet))
            }
        case .alert(let level, let description):
            alert(
                level: level, description: description, direction: direction, at: timestamp, packet: packet,
                into: &output)
        case .changeCipherSpec:
            break
        }
    }

    /// Where and how big a handshake message was.
    private struct Span {
        var start: Timestamp
        var end: Timestamp
        var packet: Int?
        var bytes: Int64
    }

    private mutating func clientHello(_ body: [UInt8], _ span: Span, into output: inout DissectorOutput) {
        let index = nextIndex
        nextIndex += 1
        guard let hello = TLSHello(clientHello: body) else {
            output.report(
                DissectorFinding(
                    code: .tlsMalformed,
                    message: "a ClientHello of \(body.count) bytes is cut short",
                    packet: span.packet, messageIndex: index))
            output.emit(
                Message(
                    index: index, role: .request, application: .tls, direction: .clientToServer, start: span.start,
                    end: span.end, packet: span.packet, name: "ClientHello", summary: "ClientHello (unreadable)",
                    key: serverKey, expectsResponse: true, bytes: span.bytes))
            pendingHello = (index, serverKey)
            return
        }
        if let name = hello.serverName { serverKey = name }
        var summary = "ClientHello"
        if let name = hello.serverName { summary += " sni=\(name)" }
        if !hello.protocols.isEmpty { summary += " alpn=" + hello.protocols.joined(separator: ",") }
        let versions = hello.versions.isEmpty ? [hello.legacyVersion] : hello.versions
        summary += " versions=" + versions.map(TLSNames.version).joined(separator: ",")
        summary += " suites=\(hello.cipherSuites.count)"
        var fingerprint = FNV1a()
        fingerprint.add(hello.serverName ?? "")
        fingerprint.add(hello.protocols.joined(separator: ","))
        for value in versions + hello.cipherSuites { fingerprint.add([UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]) }
        output.emit(
            Message(
                index: index, role: .request, application: .tls, direction: .clientToServer, start: span.start,
                end: span.end, packet: span.packet, name: "ClientHello", summary: summary, key: serverKey,
                version: TLSNames.version(hello.version), expectsResponse: true, bytes: span.bytes,
                fingerprint: fingerprint.value))
        pendingHello = (index, serverKey)
    }

    private mutating func serverHello(_ body: [UInt8], _ span: Span, into output: inout DissectorOutput) {
        guard let hello = TLSHello(serverHello: body) else {
            output.report(
                DissectorFinding(
                    code: .tlsMalformed,
                    message: "a ServerHello of \(body.count) bytes is cut short",
                    packet: span.packet))
            return
        }
        if hello.isRetryRequest || hello.version >= 0x0304 { client.changeCipherSpecEncrypts = false }
        let version = TLSNames.version(hello.version)
        var summary = hello.isRetryRequest ? "HelloRetryRequest" : "ServerHello \(version)"
        if let suite = hello.cipherSuites.first { summary += " cipher=" + TLSNames.cipherSuite(suite) }
        if let chosen = hello.protocols.first { summary += " alpn=\(chosen)" }
        if hello.isRetryRequest {
            // The client sends a second ClientHello; the real ServerHello answers that one.
            output.emit(
                Message(
                    index: nextIndex, role: .event, application: .tls, direction: .serverToClient, start: span.start,
                    end: span.end, packet: span.packet, name: "HelloRetryRequest", summary: summary,
                    key: pendingHello?.key ?? serverKey, version: version, answers: pendingHello?.index,
                    bytes: span.bytes))
            nextIndex += 1
            pendingHello = nil
            return
        }
        negotiated = hello.version
        output.emit(
            Message(
                index: nextIndex, role: .response, application: .tls, direction: .serverToClient, start: span.start,
                end: span.end, packet: span.packet, name: "ServerHello", summary: summary,
                key: pendingHello?.key ?? "(no ClientHello)", version: version, answers: pendingHello?.index,
                status: MessageStatus(.success, code: version), bytes: span.bytes))
        nextIndex += 1
        pendingHello = nil
    }

    private mutating func certificate(
        _ body: [UInt8], direction: Direction, _ span: Span, into output: inout DissectorOutput
    ) {
        var reader = ByteReader(body)
        guard var list = reader.readPrefixed(width: 3) else { return }
        guard var entry = list.readPrefixed(width: 3) else { return }  // an empty list: no certificate sent
        let der = entry.readRest()
        let owner = direction == .serverToClient ? "server" : "client"
        let index = nextIndex
        guard let leaf = X509Summary(der: der) else {
            output.report(
                DissectorFinding(
                    code: .tlsCertificateUnreadable,
                    message: "the \(owner) certificate (\(der.count) bytes of DER) could not be read",
                    packet: span.packet))
            return
        }
        nextIndex += 1
        let notAfter = CivilDate(secondsSinceEpoch: leaf.notAfter).dayText
        let notBefore = CivilDate(secondsSinceEpoch: leaf.notBefore).dayText
        output.emit(
            Message(
                index: index, role: .event, application: .tls, direction: direction, start: span.start, end: span.end,
                packet: span.packet, name: "Certificate", summary: "cn=\(leaf.displayName) notAfter=\(notAfter)",
                key: serverKey, version: negotiated.map(TLSNames.version), bytes: span.bytes,
                fingerprint: leaf.fingerprint))
        let now = span.end.nanosecondsSinceEpoch / 1_000_000_000
        let subject = "the \(owner) certificate for \(leaf.displayName)"
        if direction == .serverToClient, serverKey != "(no sni)", !leaf.matches(hostName: serverKey) {
            let names = (leaf.dnsNames.isEmpty ? leaf.commonName.map { [$0] } ?? [] : leaf.dnsNames).prefix(5)
            output.report(
                DissectorFinding(
                    code: .tlsCertificateNameMismatch,
                    message:
                        "the server certificate does not name '\(serverKey)', the name the client asked for (SNI): clients that verify will refuse it",
                    detail: "certificate names: \(names.joined(separator: ", "))", packet: span.packet,
                    messageIndex: index))
        }
        if leaf.notAfter < now {
            let days = (now - leaf.notAfter) / 86_400
            output.report(
                DissectorFinding(
                    code: .tlsCertificateExpired,
                    message: "\(subject) expired on \(notAfter) (\(days) days before this connection)",
                    detail: "notBefore=\(notBefore) notAfter=\(notAfter)", packet: span.packet, messageIndex: index))
        } else if leaf.notBefore > now {
            output.report(
                DissectorFinding(
                    code: .tlsCertificateNotYetValid,
                    message: "\(subject) is not valid before \(notBefore) (a clock is wrong or it was deployed early)",
                    detail: "notBefore=\(notBefore) notAfter=\(notAfter)", packet: span.packet, messageIndex: index))
        } else if leaf.notAfter - now < TLSDissector.expiringWindow {
            let days = (leaf.notAfter - now) / 86_400
            output.report(
                DissectorFinding(
                    code: .tlsCertificateExpiring,
                    message: "\(subject) expires on \(notAfter), in \(days) days",
                    detail: "notBefore=\(notBefore) notAfter=\(notAfter)", packet: span.packet, messageIndex: index))
        }
    }

    private mutating func alert(
        level: UInt8, description: UInt8, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        let name = TLSNames.alert(description)
        let fatal = level == 2
        let sender = direction == .serverToClient ? "server" : "client"
        let levelName = fatal ? "fatal" : level == 1 ? "warning" : "level-\(level)"
        let outcome = TLSNames.outcome(of: description, sentByServer: direction == .serverToClient)
        let index = nextIndex
        nextIndex += 1
        output.emit(
            Message(
                index: index, role: .event, application: .tls, direction: direction, start: timestamp, end: timestamp,
                packet: packet, name: "Alert", summary: "\(levelName) alert \(name) from the \(sender)", key: serverKey,
                version: negotiated.map(TLSNames.version), status: MessageStatus(outcome, code: name), bytes: 7))
        var message = "\(sender) sent \(levelName) alert \(name)"
        if let why = TLSNames.explanation(description) { message += ": \(why)" }
        output.report(
            DissectorFinding(
                code: .tlsAlert, severity: fatal ? .error : .info, message: message, packet: packet,
                messageIndex: index))
    }

    private mutating func stop(
        _ direction: Direction, code: FindingCode, severity: Severity? = nil, message: String, packet: Int?,
        into output: inout DissectorOutput
    ) {
        if direction == .clientToServer { client.stopped = true } else { server.stopped = true }
        output.report(
            DissectorFinding(
                code: code, severity: severity, message: message,
                detail: "the rest of this direction is not dissected", packet: packet))
    }
}
