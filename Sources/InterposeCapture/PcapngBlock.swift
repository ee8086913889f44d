import InterposeCore

/// One block of a pcapng file as `PcapngBlockReader` returns it: its type, the fields of the
/// block types Interpose writes, and its options.
public struct PcapngBlock: Sendable, Hashable {
    /// The kinds of block the reader decodes; others come as `.other` with their options unparsed.
    public enum Kind: Sendable, Hashable {
        case sectionHeader
        case interfaceDescription
        case enhancedPacket
        case simplePacket
        case interfaceStatistics
        case decryptionSecrets
        case other
    }

    /// The block type number.
    public var type: UInt32
    /// The byte offset of the block in the file.
    public var offset: Int
    /// Whether the block's section is big-endian.
    public var isBigEndian: Bool
    /// For an Interface Description Block: the link type.
    public var linkType: UInt16?
    /// For an Interface Description Block: the snapshot length.
    public var snapshotLength: UInt32?
    /// For an Enhanced Packet or Interface Statistics Block: the interface, numbered in the section.
    public var interfaceID: UInt32?
    /// For an Enhanced Packet or Interface Statistics Block: the raw timestamp, in the interface's units.
    public var rawTimestamp: UInt64?
    /// The timestamp in nanoseconds, when the interface's `if_tsresol` is known.
    public var timestamp: Timestamp?
    /// For a packet block: the captured bytes (without padding).
    public var packetData: [UInt8]
    /// For a packet block: the packet's length on the wire.
    public var originalLength: UInt32?
    /// For a Decryption Secrets Block: the secrets type (`Pcapng.secretsTypeTLSKeyLog` for TLS).
    public var secretsType: UInt32?
    /// For a Decryption Secrets Block: the secrets (without padding).
    public var secrets: [UInt8] = []
    /// The options, in file order, without `opt_endofopt`.
    public var options: [PcapngOption]

    /// The kind of block.
    public var kind: Kind {
        switch type {
        case Pcapng.sectionHeaderBlock: return .sectionHeader
        case Pcapng.interfaceDescriptionBlock: return .interfaceDescription
        case Pcapng.enhancedPacketBlock: return .enhancedPacket
        case Pcapng.simplePacketBlock: return .simplePacket
        case Pcapng.interfaceStatisticsBlock: return .interfaceStatistics
        case Pcapng.decryptionSecretsBlock: return .decryptionSecrets
        default: return .other
        }
    }

    /// For a Decryption Secrets Block of TLS secrets: the NSS key-log lines as text.
    public var tlsKeyLog: String? {
        guard kind == .decryptionSecrets, secretsType == Pcapng.secretsTypeTLSKeyLog else { return nil }
        return String(decoding: secrets, as: UTF8.self)
    }

    /// The `opt_comment` values, in order.
    public var comments: [String] {
        options.filter { $0.code == Pcapng.optionComment }.map(\.stringValue)
    }

    /// The first option with `code`, if any.
    public func option(_ code: UInt16) -> PcapngOption? {
        options.first { $0.code == code }
    }
}
