import InterposeReplay
import XCTest

/// Noise learned from a baseline: fields that differ between the recording and the old build's
/// second answer, per request key, with array indices generalized.
final class NoiseModelTests: XCTestCase {
    private func json(_ body: String, key: String = "GET /users/{id}") -> RecordedExchange {
        ReplayFixtures.exchange(key: key, response: ReplayFixtures.json(body))
    }

    func testLearnsDifferingFieldsForTheKeyWithIndicesGeneralized() {
        var model = NoiseModel()
        model.learn(
            recorded: json(#"{"id":7,"items":[{"ts":1},{"ts":2},{"ts":3},{"ts":4}]}"#),
            baseline: json(#"{"id":7,"items":[{"ts":1},{"ts":2},{"ts":3},{"ts":5}]}"#))
        XCTAssertEqual(model.learnedFields.map { "\($0.key) \($0.field)" }, ["GET /users/{id} json:$.items[*].ts"])
        XCTAssertTrue(model.isNoise(key: "GET /users/{id}", field: "json:$.items[0].ts"))
        XCTAssertTrue(model.isNoise(key: "GET /users/{id}", field: "json:$.items[17].ts"))
        XCTAssertFalse(model.isNoise(key: "GET /users/{id}", field: "json:$.id"))
        XCTAssertFalse(model.isNoise(key: "GET /orders/{id}", field: "json:$.items[0].ts"))
    }

    func testSameAnswersTeachNothingAndMissingBaselineTeachesNothing() {
        var model = NoiseModel()
        model.learn(recorded: json(#"{"a":1}"#), baseline: json(#"{"a":1}"#))
        model.learn(recorded: json(#"{"a":1}"#), baseline: nil)
        model.learn(recorded: json(#"{"a":1}"#), baseline: ReplayFixtures.exchange(response: nil))
        XCTAssertTrue(model.isEmpty)
    }

    func testSeveralRunsAccumulate() {
        var model = NoiseModel()
        let recorded = json(#"{"a":1,"b":1}"#)
        model.learn(recorded: recorded, baseline: json(#"{"a":2,"b":1}"#))
        model.learn(recorded: recorded, baseline: json(#"{"a":1,"b":2}"#))
        XCTAssertEqual(model.learnedFields.map(\.field), ["json:$.a", "json:$.b"])
    }

    func testRegexMaskingHappensBeforeLearning() throws {
        var model = NoiseModel(rules: try NoiseRules(["regex:req-[0-9]+"]))
        model.learn(recorded: json(#"{"msg":"done req-1"}"#), baseline: json(#"{"msg":"done req-2"}"#))
        XCTAssertTrue(model.isEmpty)
    }

    func testALearnedFieldCoversWhatIsUnderIt() {
        var model = NoiseModel()
        model.learn(recorded: json(#"{"meta":{}}"#), baseline: json(#"{"meta":{"ts":1}}"#))
        XCTAssertTrue(model.isNoise(key: "GET /users/{id}", field: "json:$.meta"))
        XCTAssertTrue(model.isNoise(key: "GET /users/{id}", field: "json:$.meta.other"))
        XCTAssertFalse(model.isNoise(key: "GET /users/{id}", field: "json:$.metadata"))
    }

    func testUndecodableContentLearnsFromStatusAndFingerprint() {
        var model = NoiseModel()
        model.learn(
            recorded: ReplayFixtures.exchange(.tls, response: [1], bodyFingerprint: 1),
            baseline: ReplayFixtures.exchange(.tls, response: [2], bodyFingerprint: 2))
        XCTAssertEqual(model.learnedFields.map(\.field), ["body"])
    }
}
