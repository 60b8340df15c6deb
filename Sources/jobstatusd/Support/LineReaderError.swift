/// A file could not be opened.
struct LineReaderError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
