import InterposeFaults
import XCTest

/// Changes to a proxy's toxics reach those who observe them, once per change, until they stop.
final class ToxicSetTests: XCTestCase {
    /// The generations an observer saw, read back by the test.
    private final class Seen: @unchecked Sendable {
        var generations: [Int] = []
    }

    func testObserversAreToldOfEveryChangeAfterItIsPublished() throws {
        let toxics = ToxicSet()
        let seen = Seen()
        let observation = toxics.observe { seen.generations.append(toxics.generation) }
        try toxics.add(Toxic(type: .latency))
        try toxics.update(Toxic(type: .latency, attributes: ["latency": 50]))
        XCTAssertTrue(toxics.remove(named: "latency_downstream"))
        toxics.removeAll()
        XCTAssertEqual(seen.generations, [1, 2, 3, 4], "each change told once, after its generation is published")
        XCTAssertFalse(toxics.remove(named: "latency_downstream"))
        XCTAssertThrowsError(try toxics.update(Toxic(type: .timeout)))
        XCTAssertEqual(seen.generations.count, 4, "a change that did not happen is not told")
        toxics.stopObserving(observation)
        try toxics.add(Toxic(type: .timeout))
        XCTAssertEqual(seen.generations.count, 4, "not after stopObserving")
        toxics.stopObserving(observation)
    }
}
