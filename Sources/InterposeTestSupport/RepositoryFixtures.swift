import Foundation

/// The repository's `fixtures/` folder: the captures and files the tests read, shipped with the code.
///
/// Found from this source file's own place in the checkout (`Sources/InterposeTestSupport/`), so a
/// fresh clone anywhere finds it without configuration.
public enum RepositoryFixtures {
    /// The checkout's root folder.
    public static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// `fixtures/` in the checkout.
    public static var directory: String { repositoryRoot + "/fixtures" }

    /// A file under `fixtures/` (`corpus/http1/zeek-get.pcap`).
    public static func path(_ relative: String) -> String { directory + "/" + relative }
}
