import Foundation
import XCTest

@testable import InterposeCapture

/// The writer's wait: woken by a signal once its condition holds, not before, and never past its timeout.
final class CaptureSinkConditionTests: XCTestCase {
    func testWaitEndsWhenASignalMakesItsConditionTrue() {
        let condition = CaptureSink.Condition()
        let state = Queue()
        let started = DispatchTime.now()
        Thread.detachNewThread {
            for _ in 0..<64 {
                condition.lock()
                state.queued += 1
                condition.unlock()
                condition.signal()
            }
        }
        condition.lock()
        let ready = condition.wait(timeoutNanoseconds: 10_000_000_000) { state.queued >= 64 }
        let seen = state.queued
        condition.unlock()
        XCTAssertTrue(ready)
        XCTAssertEqual(seen, 64)
        XCTAssertLessThan(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds, 5_000_000_000)
    }

    /// What the test's two threads share, only touched with the condition locked.
    private final class Queue: @unchecked Sendable {
        var queued = 0
    }

    func testWaitGivesUpAtItsTimeout() {
        let condition = CaptureSink.Condition()
        let started = DispatchTime.now()
        condition.lock()
        let ready = condition.wait(timeoutNanoseconds: 20_000_000) { false }
        condition.unlock()
        let waited = DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds
        XCTAssertFalse(ready)
        XCTAssertGreaterThanOrEqual(waited, 20_000_000)
        XCTAssertLessThan(waited, 2_000_000_000)
    }
}
