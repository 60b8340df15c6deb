import Kafka
import Logging
import Monitor
import Prometheus
import ServiceLifecycle

/// The monitor as services of a `ServiceGroup`, for `jobstatusd monitor` and the demo.
enum MonitorServices {
    /// The page's server and the feed, in the order the group must hold them: it shuts down
    /// last to first, so the feed stops first and ends the open event streams, then the
    /// server, which waits for its responses. The feed's end ends the group.
    static func make(
        kafka: KafkaConfiguration, topic: String, listen: (host: String, port: Int),
        authorization: MonitorAuthorization?, limits: JobIndex.Limits = .init(),
        loadTimeout: Duration = .seconds(300), logger: Logger
    ) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let state = MonitorState(limits: limits)
        let http = MonitorHTTP.make(
            host: listen.host, port: listen.port, state: state, authorization: authorization,
            registry: PrometheusCollectorRegistry(), logger: logger)
        let feed = MonitorFeed(kafka: kafka, topic: topic, state: state, loadTimeout: loadTimeout, logger: logger)
        return [
            .init(service: http, failureTerminationBehavior: .cancelGroup),
            .init(
                service: feed, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .cancelGroup),
        ]
    }
}
