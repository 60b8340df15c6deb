import ArgumentParser
import JobStatus

/// The line loop of `canonicalize`, apart from argument handling.
struct Canonicalizer {
    let options: DecodingOptions

    /// Canonicalizes every line; returns how many were invalid.
    func run(reader: LineReader, output: StandardOutput) -> Int {
        var lineNumber = 0
        var invalidCount = 0
        while let line = reader.nextLine() {
            lineNumber += 1
            if line.allSatisfy(Self.isJSONWhitespace) { continue }
            do throws(InvalidEvent) {
                output.writeLine(try CanonicalEvent.decode(line, options: options).canonicalBytes)
            } catch {
                invalidCount += 1
                output.flush()
                writeToStandardError("line \(lineNumber): \(error.reason.code): \(error)\n")
            }
        }
        output.flush()
        return invalidCount
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }
}
