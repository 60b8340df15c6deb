/// A test's own failure (a broken fixture step, a wait that timed out), with what went wrong.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
