/// Why a replay cannot run at all (exit status 2), as one line that says what to check.
public struct ReplayError: Error, Sendable, CustomStringConvertible {
    /// One line for people.
    public let description: String

    /// Which server a replay runs against.
    public enum Role: String, Sendable {
        /// The new build (`--target`).
        case target
        /// A second instance of the old build (`--baseline`).
        case baseline
    }

    /// The target refused or did not answer the first connection.
    public static func targetUnreachable(_ target: String, reason: String) -> ReplayError {
        unreachable(target, role: .target, reason: reason)
    }

    /// The target or the baseline refused or did not answer the first connection; the line names
    /// which, so a baseline that is down is not taken for a new build that is down.
    public static func unreachable(_ server: String, role: Role, reason: String) -> ReplayError {
        let build = role == .target ? "the new build" : "the old build"
        return ReplayError(
            description: "cannot connect to the \(role.rawValue) \(server): \(reason); is \(build) running?")
    }

    /// The target's (or the baseline's) name does not resolve.
    public static func cannotResolve(_ server: String, role: Role = .target, reason: String) -> ReplayError {
        ReplayError(description: "cannot resolve the \(role.rawValue) \(server): \(reason)")
    }

    /// The capture holds nothing to replay.
    public static func nothingToReplay(_ path: String) -> ReplayError {
        ReplayError(description: "\(path): no TCP conversation to replay (is --filter too narrow?)")
    }
}
