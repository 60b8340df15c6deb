import Foundation
import Logging
import Testing

@testable import jobstatusd

#if canImport(Glibc)
    import Glibc
#endif

/// Log lines: one event per line in every format, priorities journald understands.
@Suite("Logging")
struct LoggingTests {
    static let entry = LogEntry(
        level: .warning, label: "jobstatusd", message: "commit failed\nretrying \"soon\"",
        metadata: [("error", .string("_TIMED_OUT: a b")), ("partition", .stringConvertible(3))])

    @Test func textIsOneLineWithMetadataAsKeyValue() {
        let line = LogFormat.text.render(Self.entry, timestamp: "2026-11-26T07:00:00.000Z")
        #expect(
            line
                == #"2026-11-26T07:00:00.000Z warning jobstatusd: commit failed\nretrying "soon" error="_TIMED_OUT: a b" partition=3"#
        )
    }

    @Test func jsonCarriesEveryFieldAndParses() throws {
        let line = LogFormat.json.render(Self.entry, timestamp: "2026-11-26T07:00:00.000Z")
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(
            object == [
                "ts": "2026-11-26T07:00:00.000Z", "level": "warning", "logger": "jobstatusd",
                "msg": "commit failed\nretrying \"soon\"", "error": "_TIMED_OUT: a b", "partition": "3",
            ])
    }

    @Test func logfmtQuotesOnlyWhatNeedsIt() {
        let line = LogFormat.logfmt.render(Self.entry, timestamp: nil)
        #expect(
            line
                == #"level=warning logger=jobstatusd msg="commit failed\nretrying \"soon\"" error="_TIMED_OUT: a b" partition=3"#
        )
    }

    @Test func journalPrioritiesFollowSdDaemon() {
        let levels: [Logger.Level] = [.trace, .debug, .info, .notice, .warning, .error, .critical]
        #expect(levels.map(DaemonLogHandler.syslogPriority) == [7, 7, 6, 5, 4, 3, 2])
    }

    /// systemd names the stream it connects in JOURNAL_STREAM; stderr redirected elsewhere no longer matches.
    @Test func journalStreamMatchesOnlyTheDeviceAndInodeOfStderr() {
        var info = stat()
        #expect(fstat(STDERR_FILENO, &info) == 0)
        #expect(JournalStream.isStandardError(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"]))
        #expect(!JournalStream.isStandardError(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino + 1)"]))
        #expect(!JournalStream.isStandardError(environment: ["JOURNAL_STREAM": "garbage"]))
        #expect(!JournalStream.isStandardError(environment: [:]))
    }

    @Test func aLoggerFollowsTheSharedLevelUnlessSetOnItsOwn() {
        let levelSwitch = LogLevelSwitch(.notice)
        var handler = DaemonLogHandler(label: "x", format: .text, toJournal: false, levelSwitch: levelSwitch)
        #expect(handler.logLevel == .notice)
        levelSwitch.level = .debug
        #expect(handler.logLevel == .debug, "a reload reaches every logger")
        handler.logLevel = .error
        levelSwitch.level = .info
        #expect(handler.logLevel == .error)
    }
}
