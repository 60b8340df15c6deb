/// A configuration mistake: one line naming the key, where it came from, and the fix.
struct ConfigurationError: Error, CustomStringConvertible {
    var message: String

    init(_ message: String) {
        self.message = message
    }

    init(key: String, source: ConfigurationSource, _ problem: String) {
        self.message = "\(key) (\(source)): \(problem)"
    }

    var description: String { message }
}
