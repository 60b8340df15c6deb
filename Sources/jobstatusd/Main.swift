import ArgumentParser

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Entry point. Owns argument parsing so that usage errors exit with status 2
/// (the convention of `grep`, `diff`, and of the `canonicalize` contract)
/// instead of ArgumentParser's default 64.
@main
enum Main {
    static func main() async {
        // A network daemon: a peer closing its socket must give EPIPE, never kill the process.
        _ = signal(SIGPIPE, SIG_IGN)
        do {
            var command = try JobStatusDaemon.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = JobStatusDaemon.exitCode(for: error)
            if code == .validationFailure {
                writeToStandardError(JobStatusDaemon.fullMessage(for: error) + "\n")
                exit(ExitStatus.usage)
            }
            JobStatusDaemon.exit(withError: error)
        }
    }
}
