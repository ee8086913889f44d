import InterposeDemoService
import XCTest

/// Routing is decided from the method and target alone.
final class DemoRouteTests: XCTestCase {
    func testPathsAndMethodsMapToRoutes() {
        XCTAssertEqual(DemoRoute(method: "GET", target: "/health"), .health)
        XCTAssertEqual(DemoRoute(method: "GET", target: "/users/7"), .user(id: "7"))
        XCTAssertEqual(DemoRoute(method: "GET", target: "/users"), .users(plan: nil))
        XCTAssertEqual(DemoRoute(method: "GET", target: "/users?plan=pro&plan=free"), .users(plan: "pro"))
        XCTAssertEqual(DemoRoute(method: "POST", target: "/counters/hits"), .incrementCounter(name: "hits"))
        XCTAssertEqual(DemoRoute(method: "GET", target: "/counters/hits"), .readCounter(name: "hits"))
    }

    func testWrongMethodIs405WithTheAllowedOnes() {
        XCTAssertEqual(
            DemoRoute(method: "POST", target: "/users/7"),
            .methodNotAllowed(path: "/users/7", allowed: "GET"))
        XCTAssertEqual(
            DemoRoute(method: "DELETE", target: "/counters/x"),
            .methodNotAllowed(path: "/counters/x", allowed: "GET, POST"))
    }

    func testUnknownPathsAndBadCounterNames() {
        XCTAssertEqual(DemoRoute(method: "GET", target: "/users/7/friends"), .notFound(path: "/users/7/friends"))
        XCTAssertEqual(DemoRoute(method: "GET", target: "/"), .notFound(path: "/"))
        XCTAssertEqual(DemoRoute(method: "POST", target: "/counters/a%20b"), .badCounterName(name: "a%20b"))
        XCTAssertEqual(
            DemoRoute(method: "POST", target: "/counters/" + String(repeating: "x", count: 65)),
            .badCounterName(name: String(repeating: "x", count: 65)))
    }

    func testOnlyUser7ChangesInBuild2() {
        for id in DemoUser.ids {
            let old = DemoUser.find(id, build: .one)
            let new = DemoUser.find(id, build: .two)
            if id == 7 {
                XCTAssertEqual(old?.plan, "free")
                XCTAssertEqual(new?.plan, "enterprise")
            } else {
                XCTAssertEqual(old, new, "user \(id)")
            }
        }
        XCTAssertNil(DemoUser.find(0))
        XCTAssertNil(DemoUser.find(21))
    }
}
