/// Why a replay cannot run at all (exit status 2), as one line that says what to check.
public struct ReplayError: Error, Sendable, CustomStringConvertible {
    /// One line for people.
    public let description: String

    /// The target refused or did not answer the first connection.
    public static func targetUnreachable(_ target: String, reason: String) -> ReplayError {
        ReplayError(description: "cannot connect to the target \(target): \(reason); is the new build running?")
    }

    /// The target's name does not resolve.
    public static func cannotResolve(_ target: String, reason: String) -> ReplayError {
        ReplayError(description: "cannot resolve the target \(target): \(reason)")
    }

    /// The capture holds nothing to replay.
    public static func nothingToReplay(_ path: String) -> ReplayError {
        ReplayError(description: "\(path): no TCP conversation to replay (is --filter too narrow?)")
    }
}
