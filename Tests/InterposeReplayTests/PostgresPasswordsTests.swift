import InterposeReplay
import XCTest

/// `--pg-password` values: one password for every user, per-user ones, and `*=` for a password
/// with an `=` in it.
final class PostgresPasswordsTests: XCTestCase {
    func testPerUserPasswordsWinOverTheOneForEveryUser() {
        let passwords = PostgresPasswords(options: ["common", "app=a1", "admin=x=y", "*=p=q", "app=a2"])
        XCTAssertEqual(passwords.password(for: "app"), "a2", "a later value for the same user wins")
        XCTAssertEqual(passwords.password(for: "admin"), "x=y", "only the first '=' splits")
        XCTAssertEqual(passwords.password(for: "someone"), "p=q", "*= replaces the one for every user")
        XCTAssertFalse(passwords.isEmpty)
    }

    func testNoPasswordForAnUnknownUserWithoutOneForEveryUser() {
        let passwords = PostgresPasswords(options: ["app=a1"])
        XCTAssertNil(passwords.password(for: "postgres"))
        XCTAssertTrue(PostgresPasswords(options: []).isEmpty)
    }
}
