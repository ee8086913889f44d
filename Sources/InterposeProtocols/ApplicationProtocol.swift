/// The identity of a protocol Interpose dissects (`redis`, `mqtt`), and `raw` for everything else.
///
/// A name, not a closed set: each protocol declares its own (`ApplicationProtocol.mqtt` lives in
/// `MQTT/ProtocolDescriptor+MQTT.swift`, next to its dissector), and `ProtocolRegistry` lists the
/// protocols there are. `rawValue` is the name used on the command line (`--protocol redis`), in
/// `--port-protocol` hints and in `--json` output; a name from outside becomes a protocol only through
/// the registry (`ProtocolRegistry.standard.protocol(named:)`).
public struct ApplicationProtocol: Sendable, Hashable, CustomStringConvertible {
    /// `http1`, `redis`...
    public let rawValue: String

    /// The identity named `name`; made once per protocol, by its descriptor's file.
    package init(_ name: String) {
        self.rawValue = name
    }

    /// The command-line names, for help texts and error messages: `http2, http1, ...`.
    public static var names: String { ProtocolRegistry.standard.names }

    /// `http1`, `redis`...
    public var description: String { rawValue }
}
