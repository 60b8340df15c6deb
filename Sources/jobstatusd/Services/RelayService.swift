import Logging
import Relay
import ServiceLifecycle

/// The relay as a service: a graceful shutdown (SIGTERM) asks it to drain; when it
/// returns, the group shuts down; when it throws, the process exits non-zero.
struct RelayService: Service {
    let relay: Relay
    let logger: Logger

    func run() async throws {
        try await withGracefulShutdownHandler {
            do {
                try await relay.run()
            } catch {
                logger.critical("relay failed: \(error)")
                throw error
            }
        } onGracefulShutdown: {
            logger.notice("shutdown requested: draining")
            relay.requestStop()
        }
    }
}
