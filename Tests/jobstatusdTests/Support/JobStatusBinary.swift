import Foundation
import Kafka

/// The built `jobstatusd` binary, run as a user would.
enum JobStatusBinary {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `jobstatusd` binary next to the test bundle in the build folder.
    static var binary: URL {
        get throws {
            var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for _ in 0..<3 {
                let candidate = directory.appendingPathComponent("jobstatusd")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
            throw CocoaError(
                .fileNoSuchFile, userInfo: [NSFilePathErrorKey: "jobstatusd next to \(CommandLine.arguments[0])"])
        }
    }

    static func run(_ arguments: [String], stdin: Data = Data(), environment: [String: String]? = nil) throws -> Run {
        let process = Process()
        process.executableURL = try binary
        process.arguments = arguments
        if let environment { process.environment = environment }
        let input = Pipe()
        let output = Pipe()
        let error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Feed stdin and drain stderr on threads of their own while this one drains stdout: done one
        // after another, a child that fills one pipe while we wait on another deadlocks.
        let group = DispatchGroup()
        let errData = LockedData()
        DispatchQueue.global().async(group: group) {
            input.fileHandleForWriting.write(stdin)
            try? input.fileHandleForWriting.close()
        }
        DispatchQueue.global().async(group: group) {
            errData.set(error.fileHandleForReading.readDataToEndOfFile())
        }
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData.value, as: UTF8.self))
    }

    /// The environment of this process without any JOBSTATUSD_* variable.
    static var cleanEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("JOBSTATUSD_") && $0.key != "NOTIFY_SOCKET" }
    }
}

/// Bytes handed from a reader thread.
final class LockedData: Sendable {
    private let data = Locked(Data())

    func set(_ data: Data) { self.data.withLock { $0 = data } }
    var value: Data { data.withLock { $0 } }
}
