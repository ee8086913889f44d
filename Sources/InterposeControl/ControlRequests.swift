import Foundation
import InterposeCapture
import InterposeCore
import InterposeFaults

/// The bodies the control API accepts, decoded loosely first so a bad one gets Toxiproxy's message
/// rather than a decoder's.
enum ControlRequests {
    /// A proxy in Toxiproxy's shape; every field optional (an update gives only what changes).
    struct ProxyBody: Decodable {
        var name: String?
        var listen: String?
        var upstream: String?
        var enabled: Bool?
    }

    /// A toxic in Toxiproxy's shape.
    struct ToxicBody: Decodable {
        var name: String?
        var type: String?
        var stream: String?
        var toxicity: Double?
        var attributes: [String: ToxicAttribute]?
    }

    /// Decodes a JSON body.
    /// - Throws: `ControlError.badRequestBody`.
    static func decode<Body: Decodable>(_ type: Body.Type, from bytes: [UInt8]) throws(ControlError) -> Body {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw ControlError.badRequestBody(describe(error))
        } catch {
            throw ControlError.badRequestBody("\(error)")
        }
    }

    /// A new proxy from a create or populate body.
    /// - Parameter position: the proxy's place in a populate list (1-based), for the message.
    /// - Throws: `ControlError` (400) naming the missing or bad field.
    static func spec(from body: ProxyBody, position: Int? = nil) throws(ControlError) -> ProxySpec {
        let at = position.map { " at proxy \($0)" } ?? ""
        guard let name = body.name, !name.isEmpty else { throw ControlError.missingField("name\(at)") }
        guard let upstream = body.upstream, !upstream.isEmpty else {
            throw ControlError.missingField("upstream\(at)")
        }
        return ProxySpec(
            name: name, listen: try address(body.listen ?? "127.0.0.1:0", field: "listen"),
            upstream: try address(upstream, field: "upstream"), enabled: body.enabled ?? true)
    }

    /// `HOST:PORT`.
    /// - Throws: `ControlError` (400).
    static func address(_ text: String, field: String) throws(ControlError) -> HostPort {
        do {
            return try HostPort(parsing: text, what: field)
        } catch {
            throw ControlError(status: 400, "\(error)")
        }
    }

    /// A toxic from a create body, with Toxiproxy's defaults and messages.
    /// - Throws: `ControlError` (400) for an unknown type or stream, or bad values.
    static func toxic(from body: ToxicBody) throws(ControlError) -> Toxic {
        guard let typeName = body.type, let type = ToxicType(rawValue: typeName) else {
            throw ControlError.invalidToxicType
        }
        var stream = Toxic.Stream.downstream
        if let streamName = body.stream, !streamName.isEmpty {
            guard let given = Toxic.Stream(rawValue: streamName) else { throw ControlError.invalidStream }
            stream = given
        }
        let name = body.name.flatMap { $0.isEmpty ? nil : $0 }
        let toxic = Toxic(
            name: name, type: type, stream: stream, toxicity: body.toxicity ?? 1, attributes: body.attributes ?? [:])
        do {
            try toxic.validate()
        } catch {
            throw ControlError(status: 400, error.description)
        }
        return toxic
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context): return context.debugDescription
        case .keyNotFound(let key, _): return "missing \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "\(path.isEmpty ? "body" : path): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
