/// The first few leaves of a RESP value (command name, key, pub/sub kind and count), stored
/// inline: one value per message, so an array's heap allocation here was a cost on every command
/// and reply.
struct RESPLeaves: RandomAccessCollection {
    private var storage: (String, String, String, String) = ("", "", "", "")
    private(set) var count = 0

    /// How many leaves it holds at most.
    static let capacity = 4

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    subscript(position: Int) -> String {
        switch position {
        case 0: return storage.0
        case 1: return storage.1
        case 2: return storage.2
        default: return storage.3
        }
    }

    /// Adds a leaf when there is room.
    mutating func append(_ leaf: String) {
        switch count {
        case 0: storage.0 = leaf
        case 1: storage.1 = leaf
        case 2: storage.2 = leaf
        case 3: storage.3 = leaf
        default: return
        }
        count += 1
    }
}
