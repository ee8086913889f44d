/// The passwords `--pg-password` gives for PostgreSQL targets: one for every user, and one per
/// user (`--pg-password app=secret --pg-password admin=other`), the user's own first.
///
/// `--pg-password PASSWORD` is for every user; `USER=PASSWORD` is for that user of the recorded
/// startup message; `*=PASSWORD` is for every user too, for a password that contains `=`.
public struct PostgresPasswords: Sendable, Hashable {
    /// The password for users without their own.
    public var everyUser: String?
    /// Passwords by user name.
    public var byUser: [String: String]

    /// Passwords from their parts.
    public init(everyUser: String? = nil, byUser: [String: String] = [:]) {
        self.everyUser = everyUser
        self.byUser = byUser
    }

    /// Passwords from the `--pg-password` values, in order: a later value for the same user wins.
    public init(options: [String]) {
        self.init()
        for option in options {
            guard let equals = option.firstIndex(of: "=") else {
                everyUser = option
                continue
            }
            let user = String(option[..<equals])
            let password = String(option[option.index(after: equals)...])
            if user == "*" || user.isEmpty { everyUser = password } else { byUser[user] = password }
        }
    }

    /// The password to answer for `user`: theirs, else the one for every user, else `nil`.
    public func password(for user: String) -> String? { byUser[user] ?? everyUser }

    /// Whether any password was given.
    public var isEmpty: Bool { everyUser == nil && byUser.isEmpty }
}
