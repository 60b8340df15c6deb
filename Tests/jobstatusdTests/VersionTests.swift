import Foundation
import Testing

/// `jobstatusd --version` names the build and the librdkafka it runs with.
@Suite("Version")
struct VersionTests {
    @Test func versionNamesTheBuildAndLibrdkafka() throws {
        let run = try JobStatusBinary.run(["--version"], environment: JobStatusBinary.cleanEnvironment)
        #expect(run.status == 0)
        let line = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.range(of: #"^\S+ \(librdkafka \d+\.\d+\.\d+\)$"#, options: .regularExpression) != nil, "\(line)")
        #expect(!line.hasPrefix("0.1.0 "), "not a hard-coded number")
        let describe = Self.gitDescribe()
        if let describe { #expect(line.hasPrefix(describe + " "), "built from this tree: \(describe)") }
    }

    /// `git describe` of the source tree, when the tests run in a checkout.
    static func gitDescribe() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["-C", OperationsTests.repository, "describe", "--tags", "--always", "--dirty"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
