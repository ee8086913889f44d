import InterposeCore

/// Numbers of the pcapng format (draft-ietf-opsawg-pcapng) used by the writer and the block reader.
public enum Pcapng {
    /// Section Header Block type.
    public static let sectionHeaderBlock: UInt32 = 0x0A0D_0D0A
    /// Interface Description Block type.
    public static let interfaceDescriptionBlock: UInt32 = 0x0000_0001
    /// Simple Packet Block type.
    public static let simplePacketBlock: UInt32 = 0x0000_0003
    /// Interface Statistics Block type.
    public static let interfaceStatisticsBlock: UInt32 = 0x0000_0005
    /// Enhanced Packet Block type.
    public static let enhancedPacketBlock: UInt32 = 0x0000_0006
    /// Decryption Secrets Block type.
    public static let decryptionSecretsBlock: UInt32 = 0x0000_000A
    /// The secrets type of a Decryption Secrets Block holding an NSS TLS key log (`TLSK`).
    public static let secretsTypeTLSKeyLog: UInt32 = 0x544C_534B
    /// The byte-order magic of a Section Header Block.
    public static let byteOrderMagic: UInt32 = 0x1A2B_3C4D

    /// `opt_endofopt`.
    public static let optionEndOfOptions: UInt16 = 0
    /// `opt_comment`, valid in every block.
    public static let optionComment: UInt16 = 1
    /// `shb_hardware`.
    public static let optionSHBHardware: UInt16 = 2
    /// `shb_os`.
    public static let optionSHBOS: UInt16 = 3
    /// `shb_userappl`.
    public static let optionSHBUserApplication: UInt16 = 4
    /// `if_name`.
    public static let optionIfName: UInt16 = 2
    /// `if_description`.
    public static let optionIfDescription: UInt16 = 3
    /// `if_tsresol`.
    public static let optionIfTimestampResolution: UInt16 = 9
    /// `epb_flags`.
    public static let optionEPBFlags: UInt16 = 2
    /// `isb_starttime`.
    public static let optionISBStartTime: UInt16 = 2
    /// `isb_endtime`.
    public static let optionISBEndTime: UInt16 = 3
    /// `isb_ifrecv`.
    public static let optionISBIfRecv: UInt16 = 4
    /// `isb_ifdrop`.
    public static let optionISBIfDrop: UInt16 = 5

    /// `LINKTYPE_ETHERNET`.
    public static let linkTypeEthernet: UInt16 = 1
    /// The snapshot length the writer announces: no synthesized packet is cut.
    public static let snapshotLength: UInt32 = 262_144

    /// How many of the first `written` bytes of `blocks` (whole little-endian pcapng blocks, back to
    /// back, as the writers encode them) are whole blocks: each block's total length is its second
    /// 32-bit word. After a short write (a full disk), the file is cut to this, so it ends on a block.
    public static func completeBlocksLength(_ blocks: UnsafeRawBufferPointer, within written: Int) -> Int {
        var offset = 0
        while offset + 8 <= min(written, blocks.count) {
            let length = Int(UInt32(littleEndian: blocks.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
            guard length >= 12, offset + length <= min(written, blocks.count) else { break }
            offset += length
        }
        return offset
    }
}
