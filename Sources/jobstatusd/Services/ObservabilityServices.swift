import Logging
import Metrics
import Prometheus
import Relay
import ServiceLifecycle

/// What `run` and `demo` both serve about the relay: the metrics system, the service that keeps
/// the gauges current, and `/metrics`, `/healthz`, `/readyz`, `/jobs` on `http.listen`. One
/// wiring, so the demo shows what the daemon serves.
struct ObservabilityServices {
    /// The registry `/metrics` renders, with the catalog's metrics bootstrapped into it.
    let registry: PrometheusCollectorRegistry

    /// Bootstraps the process's metrics system (once per process) into a new registry.
    static func bootstrap() -> ObservabilityServices {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(CatalogMetricsFactory(registry: registry))
        return ObservabilityServices(registry: registry)
    }

    /// The services for `status`: the metrics updater, and the HTTP server when `listen` is set
    /// (its failure, a port in use, cancels the group it runs in).
    func services(
        status: RelayStatus, statistics: KafkaStatistics, listen: (host: String, port: Int)?, logger: Logger
    ) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let publisher = RelayMetricsPublisher(status: status)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: MetricsService(publisher: publisher, statistics: statistics))
        ]
        if let listen {
            services.append(
                .init(
                    service: HTTPService.make(
                        host: listen.host, port: listen.port, status: status, publisher: publisher,
                        registry: registry, logger: logger),
                    failureTerminationBehavior: .cancelGroup))
        }
        return services
    }
}
