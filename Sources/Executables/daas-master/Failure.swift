
/// A failure reported as one line, `Error: <message>`, with exit status 1.
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
