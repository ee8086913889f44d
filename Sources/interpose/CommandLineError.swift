/// An error the command line reports as one line, with exit status 2.
///
/// Library errors are already worded for a user; this wraps the ones the command line finds itself.
struct CommandLineError: Error, CustomStringConvertible {
    /// The line shown after `interpose: `.
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
