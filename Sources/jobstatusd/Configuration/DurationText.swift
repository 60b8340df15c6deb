import Foundation

/// Durations as operators write them: `250ms`, `5s`, `2m`, `1h` (a bare number is milliseconds).
enum DurationText {
    static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, seconds) in units where trimmed.hasSuffix(suffix) {
            // Up to about a thousand years: beyond that an Int64 of milliseconds is not far off.
            guard let number = Double(trimmed.dropLast(suffix.count)), number >= 0, number * seconds < 3.2e10 else {
                return nil
            }
            return .milliseconds(Int64((number * seconds * 1000).rounded()))
        }
        return Int64(trimmed).flatMap { $0 >= 0 ? .milliseconds($0) : nil }
    }

    /// A duration as an operator would write it, in the largest unit that divides it (`100ms`,
    /// `10s`, `5m`, `1d`): how the schema shows a typed default. ``parse(_:)`` reads it back.
    static func render(_ duration: Duration) -> String {
        let milliseconds = duration.wholeMilliseconds
        let units: [(String, Int64)] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        for (suffix, size) in units where milliseconds > 0 && milliseconds % size == 0 {
            return "\(milliseconds / size)\(suffix)"
        }
        return milliseconds == 0 ? "0s" : "\(milliseconds)ms"
    }
}
