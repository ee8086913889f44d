/// What a packet source gives for one read.
enum PacketSourceResult {
    /// The next packet.
    case packet(RawPacket)
    /// The end of the file.
    case end
    /// The file cannot be read further; everything before was read.
    /// - `message`: the reason, in the reading library's words.
    /// - `offset`: the byte offset of the record that could not be read, when known.
    case failed(message: String, offset: Int64?)
}
