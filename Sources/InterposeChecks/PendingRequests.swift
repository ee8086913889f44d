import InterposeProtocols

/// The requests of one conversation still waiting for an answer, in index order.
///
/// Answers come almost always in order (HTTP/1.1, Redis, PostgreSQL), so the oldest is checked
/// first; HTTP/2 streams and MQTT packet ids answer in any order, found by binary search over the
/// indexes (kept apart from the messages, so a search copies no message). No hashing.
package struct PendingRequests {
    /// Message indexes in order; `-1` where a request was answered.
    private var indexes: [Int] = []
    private var slots: [Message?] = []
    private var head = 0
    package private(set) var count = 0

    package var isEmpty: Bool { count == 0 }

    /// No request waiting.
    package init() {}

    /// Adds a request. Requests usually complete in index order; an HTTP/2 stream can complete
    /// before an older one, and is then put in its place.
    package mutating func append(_ request: Message) {
        count += 1
        var position = indexes.count
        while position > head, indexes[position - 1] == -1 || indexes[position - 1] > request.index {
            position -= 1
        }
        if position == indexes.count {
            indexes.append(request.index)
            slots.append(request)
        } else {
            indexes.insert(request.index, at: position)
            slots.insert(request, at: position)
        }
    }

    /// Takes out the request with `index`, if it is waiting.
    package mutating func remove(index: Int) -> Message? {
        guard count > 0 else { return nil }
        guard let position = position(of: index) else { return nil }
        let request = slots[position]
        slots[position] = nil
        indexes[position] = -1
        count -= 1
        while head < indexes.count, indexes[head] == -1 { head += 1 }
        if head == indexes.count {
            indexes.removeAll(keepingCapacity: true)
            slots.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 4096 && head * 2 > indexes.count {
            indexes.removeFirst(head)
            slots.removeFirst(head)
            head = 0
        }
        return request
    }

    private func position(of index: Int) -> Int? {
        if indexes[head] == index { return head }
        var low = head
        var high = indexes.count - 1
        while low <= high {
            let middle = (low + high) / 2
            // Answered slots keep their place in the order: look at the nearest waiting one.
            var probe = middle
            while probe <= high, indexes[probe] == -1 { probe += 1 }
            if probe > high {
                high = middle - 1
            } else if indexes[probe] == index {
                return probe
            } else if indexes[probe] < index {
                low = probe + 1
            } else {
                high = middle - 1
            }
        }
        return nil
    }

    /// Everything still waiting, oldest first; empties the list.
    package mutating func removeAll() -> [Message] {
        let waiting = slots[head...].compactMap { $0 }
        indexes.removeAll()
        slots.removeAll()
        head = 0
        count = 0
        return waiting
    }
}
