import ArgumentParser
import JobStatus

/// `jobstatusd canonicalize`: JSON events in, RFC 8785 canonical events out.
///
/// The contract: one event per input line; blank lines are skipped; each
/// valid event's canonical bytes go to stdout as a line; each invalid one
/// gives `line N: <reason-code>: <message>` on stderr. Exit 0 if every event
/// was valid, 1 if any was invalid, 2 on usage errors.
struct CanonicalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canonicalize",
        abstract: "Print the canonical (RFC 8785) form of JSON job-status events, one per line.",
        discussion: """
            Reads events from stdin (or --input), one JSON object per line. For each valid event, prints \
            its canonical bytes, exactly what jobstatusd publishes, on stdout. For each invalid one, \
            prints 'line N: <reason-code>: <message>' on stderr. Blank lines are skipped.
            Exit status: 0 all valid, 1 some invalid, 2 usage error.
            """
    )

    @Option(name: .shortAndLong, help: "Read events from this file instead of stdin.")
    var input: String?

    @Option(help: "What to do with a status that is not one of qiskit's seven: reject or pass.")
    var unknownStatus: UnknownStatusArgument = .reject

    @Option(help: "Largest record in bytes.")
    var maxRecordBytes: Int = DecodingLimits.default.maxRecordBytes

    @Option(help: "Deepest nesting of arrays and objects.")
    var maxDepth: Int = DecodingLimits.default.maxDepth

    @Option(help: "Longest job_id in UTF-8 bytes.")
    var maxJobIdBytes: Int = DecodingLimits.default.maxJobIDBytes

    func validate() throws {
        for (flag, value) in [
            ("--max-record-bytes", maxRecordBytes), ("--max-depth", maxDepth),
            ("--max-job-id-bytes", maxJobIdBytes),
        ] where value <= 0 {
            throw ValidationError("\(flag) must be a positive integer, got \(value)")
        }
    }

    func run() throws {
        let reader: LineReader
        do {
            reader = try input.map { path throws(LineReaderError) in try LineReader(path: path) } ?? LineReader()
        } catch {
            writeToStandardError("jobstatusd canonicalize: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
        let options = DecodingOptions(
            limits: DecodingLimits(
                maxRecordBytes: maxRecordBytes, maxDepth: maxDepth, maxJobIDBytes: maxJobIdBytes),
            unknownStatus: unknownStatus.policy)
        let invalidCount = Canonicalizer(options: options).run(reader: reader, output: StandardOutput())
        if invalidCount > 0 { throw ExitCode(ExitStatus.invalidInput) }
    }
}
