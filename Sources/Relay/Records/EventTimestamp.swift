/// Reads an event's timestamp as microseconds since the Unix epoch, for `dedup.ordering: field`
/// with `dedup.order-type: timestamp`.
///
/// Two spellings are accepted:
/// - an ISO 8601 / RFC 3339 string, `YYYY-MM-DDTHH:MM[:SS[.fraction]][Z|±HH:MM|±HHMM]` (a space
///   may replace the `T`, as Python's `str(datetime)` writes it). Without an offset the time is
///   read as UTC, which is what `datetime.utcnow().isoformat()` means. Digits after the sixth of
///   the fraction are ignored.
/// - a JSON number: seconds since the epoch, fractions allowed (`time.time()`).
///
/// Microseconds in an `Int64` cover ±292,000 years, so every valid date fits.
enum EventTimestamp {
    /// The largest number of epoch seconds accepted (year ~294,000).
    static let maxSeconds = 9.2e12

    /// Microseconds since the epoch of an epoch-seconds number, `nil` when out of range.
    static func microseconds(epochSeconds: Double) -> Int64? {
        guard epochSeconds.isFinite, abs(epochSeconds) < maxSeconds else { return nil }
        return Int64((epochSeconds * 1_000_000).rounded(.down))
    }

    /// Microseconds since the epoch of an ISO 8601 string, `nil` when it is not one.
    static func microseconds(iso8601 text: String) -> Int64? {
        var scanner = DigitScanner(Array(text.utf8))
        return scanner.timestamp()
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// A cursor over the bytes of an ISO 8601 timestamp.
private struct DigitScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func timestamp() -> Int64? {
        guard let year = number(digits: 4), take(UInt8(ascii: "-")), let month = number(digits: 2),
            take(UInt8(ascii: "-")), let day = number(digits: 2),
            (1...12).contains(month), (1...EventTimestamp.daysInMonth(year: year, month: month)).contains(day),
            take(UInt8(ascii: "T")) || take(UInt8(ascii: "t")) || take(UInt8(ascii: " ")),
            let hour = number(digits: 2), take(UInt8(ascii: ":")), let minute = number(digits: 2),
            hour < 24, minute < 60
        else { return nil }
        var second: Int64 = 0
        var micros: Int64 = 0
        if take(UInt8(ascii: ":")) {
            // 60 is a leap second: it counts as the first second of the next minute.
            guard let value = number(digits: 2), value <= 60 else { return nil }
            second = value
            if take(UInt8(ascii: ".")) || take(UInt8(ascii: ",")) {
                guard let fraction = fraction() else { return nil }
                micros = fraction
            }
        }
        guard let offset = offsetSeconds(), index == bytes.count else { return nil }
        let days = EventTimestamp.daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return seconds * 1_000_000 + micros
    }

    /// `Z`, `±HH:MM`, `±HHMM`, `±HH`, or nothing (UTC); the offset in seconds east of UTC.
    private mutating func offsetSeconds() -> Int64? {
        if index == bytes.count { return 0 }
        if take(UInt8(ascii: "Z")) || take(UInt8(ascii: "z")) { return 0 }
        let sign: Int64
        if take(UInt8(ascii: "+")) {
            sign = 1
        } else if take(UInt8(ascii: "-")) {
            sign = -1
        } else {
            return nil
        }
        guard let hours = number(digits: 2), hours < 24 else { return nil }
        var minutes: Int64 = 0
        if index < bytes.count {
            _ = take(UInt8(ascii: ":"))
            guard let value = number(digits: 2), value < 60 else { return nil }
            minutes = value
        }
        return sign * (hours * 3600 + minutes * 60)
    }

    /// One or more digits of a fraction of a second, as microseconds (truncated after six).
    private mutating func fraction() -> Int64? {
        var micros: Int64 = 0
        var count = 0
        while index < bytes.count, let digit = digit(bytes[index]) {
            if count < 6 { micros = micros * 10 + digit }
            count += 1
            index += 1
        }
        guard count > 0 else { return nil }
        for _ in count..<max(count, 6) { micros *= 10 }
        return micros
    }

    private mutating func number(digits: Int) -> Int64? {
        guard index + digits <= bytes.count else { return nil }
        var value: Int64 = 0
        for offset in 0..<digits {
            guard let digit = digit(bytes[index + offset]) else { return nil }
            value = value * 10 + digit
        }
        index += digits
        return value
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private func digit(_ byte: UInt8) -> Int64? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int64(byte - UInt8(ascii: "0")) : nil
    }
}
