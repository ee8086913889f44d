/// One of the demo service's twenty users, and the catalog they come from.
///
/// Everything about a user is derived from its id, so every process of either build knows the
/// same users without any storage.
public struct DemoUser: Sendable, Equatable {
    /// The ids that exist.
    public static let ids = 1...20

    /// The id whose plan build 2 changes: the demo's one planted regression.
    public static let changedInBuild2 = 7

    /// 1...20.
    public var id: Int
    /// `user-ID`.
    public var name: String
    /// `userID@example.com`.
    public var email: String
    /// `free`, `pro` or (build 2, id 7 only) `enterprise`.
    public var plan: String

    /// The user with this id as build 1 knows it, or `nil` outside 1...20.
    public static func find(_ id: Int) -> DemoUser? {
        guard ids.contains(id) else { return nil }
        return DemoUser(id: id, name: "user-\(id)", email: "user\(id)@example.com", plan: id % 3 == 0 ? "pro" : "free")
    }

    /// The user with this id as `GET /users/{id}` answers it in `build`: build 2 reports id 7 on
    /// the `enterprise` plan, everything else is the same as build 1.
    public static func find(_ id: Int, build: DemoBuild) -> DemoUser? {
        guard var user = find(id) else { return nil }
        if build == .two && id == changedInBuild2 { user.plan = "enterprise" }
        return user
    }

    /// All users, in id order, as build 1 knows them (the list endpoint is the same in both builds).
    public static var all: [DemoUser] { ids.compactMap { find($0) } }

    /// The user's fields as JSON members, in the order the service writes them.
    var members: [JSONValue.Member] {
        [
            .init("id", .int(id)), .init("name", .string(name)), .init("email", .string(email)),
            .init("plan", .string(plan)),
        ]
    }
}
