import InterposeProtocols

/// The requests of one conversation still waiting for an answer, in index order.
///
/// Answers come almost always in order (HTTP/1.1, Redis, PostgreSQL), so the oldest is checked
/// first; HTTP/2 streams and MQTT packet ids answer in any order, found by binary search (indexes
/// only grow). No hashing on the hot path.
struct PendingRequests {
    private var slots: [Message?] = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Adds a request. Requests usually complete in index order; an HTTP/2 stream can complete
    /// before an older one, and is then put in its place.
    mutating func append(_ request: Message) {
        count += 1
        guard let last = slots.last ?? nil, last.index > request.index else {
            slots.append(request)
            return
        }
        var position = slots.count
        while position > head {
            if let previous = slots[position - 1], previous.index < request.index { break }
            position -= 1
        }
        slots.insert(request, at: position)
    }

    /// Takes out the request with `index`, if it is waiting.
    mutating func remove(index: Int) -> Message? {
        guard count > 0 else { return nil }
        var position: Int?
        if let first = slots[head], first.index == index {
            position = head
        } else {
            var low = head
            var high = slots.count - 1
            while low <= high {
                let middle = (low + high) / 2
                // Empty slots keep their place in the order: look at the nearest filled one.
                var probe = middle
                while probe <= high, slots[probe] == nil { probe += 1 }
                guard probe <= high, let candidate = slots[probe] else {
                    high = middle - 1
                    continue
                }
                if candidate.index == index {
                    position = probe
                    break
                } else if candidate.index < index {
                    low = probe + 1
                } else {
                    high = middle - 1
                }
            }
        }
        guard let position, let request = slots[position] else { return nil }
        slots[position] = nil
        count -= 1
        while head < slots.count, slots[head] == nil { head += 1 }
        if head == slots.count {
            slots.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 4096 && head * 2 > slots.count {
            slots.removeFirst(head)
            head = 0
        }
        return request
    }

    /// Everything still waiting, oldest first; empties the list.
    mutating func removeAll() -> [Message] {
        let waiting = slots[head...].compactMap { $0 }
        slots.removeAll()
        head = 0
        count = 0
        return waiting
    }
}
