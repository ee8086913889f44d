/// Why the interception CA in `--ca-dir` cannot be used; each message names the path and what to do.
public struct CertificateAuthorityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One line for the user.
    public let description: String

    private init(_ description: String) {
        self.description = description
    }

    /// The private key can be read or written by other users: anyone who reads it can impersonate
    /// every server to clients that trust the CA.
    static func looseKeyPermissions(_ path: String, mode: UInt32) -> Self {
        Self(
            "the CA key \(path) has mode \(octal(mode)), open to other users; "
                + "run `chmod 600 \(path)` (it must be readable by its owner only)")
    }

    /// The directory can be written by other users, who could replace the CA.
    static func looseDirectoryPermissions(_ path: String, mode: UInt32) -> Self {
        Self(
            "the CA directory \(path) has mode \(octal(mode)) and can be written by other users; "
                + "run `chmod 700 \(path)`")
    }

    /// The directory or a CA file cannot be created.
    static func cannotCreate(_ path: String, reason: String) -> Self {
        Self("cannot create \(path): \(reason)")
    }

    /// A CA file cannot be read.
    static func cannotRead(_ path: String, reason: String) -> Self {
        Self("cannot read \(path): \(reason)")
    }

    /// A CA file holds something that is not what it should be.
    static func invalid(_ path: String, reason: String) -> Self {
        Self("\(path) is not a usable CA file: \(reason)")
    }

    /// One file of the pair is there and the other is not.
    static func incomplete(present: String, missing: String) -> Self {
        Self(
            "\(present) exists but \(missing) does not; restore it, or remove \(present) to create a new CA "
                + "(clients must then trust the new one)")
    }

    /// A leaf certificate could not be made.
    static func cannotIssue(_ name: String, reason: String) -> Self {
        Self("cannot issue a certificate for \(name): \(reason)")
    }

    private static func octal(_ mode: UInt32) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
