import Foundation
import Kafka

/// The state of each broker connection as librdkafka's statistics report it (pass
/// ``record(_:)`` as a client's `statisticsHandler`, with `statistics.interval.ms` set): what a
/// test waits on to know that a client saw a broker go down, instead of sleeping and hoping.
///
/// librdkafka's states: `INIT` (never connected), `TRY_CONNECT`, `CONNECT`, `AUTH*`,
/// `APIVERSION_QUERY`, `UP` (connected and usable), `DOWN`, `UPDATE`.
public final class BrokerStates: Sendable {
    private struct Connection: Hashable {
        var client: String
        var broker: Int
    }

    private struct State {
        var current: [Connection: String] = [:]
        /// Connections seen `UP` and, in a later report, not.
        var lost: Set<Connection> = []
    }

    private let state = Locked(State())

    public init() {}

    /// Notes one statistics report (any client's).
    public func record(_ json: String) {
        guard let report = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let client = report["name"] as? String, let brokers = report["brokers"] as? [String: Any]
        else { return }
        let states = brokers.values.compactMap { value -> (Connection, String)? in
            guard let broker = value as? [String: Any], let node = broker["nodeid"] as? Int, node >= 0,
                let state = broker["state"] as? String
            else { return nil }
            return (Connection(client: client, broker: node), state)
        }
        self.state.withLock { known in
            for (connection, state) in states {
                if known.current[connection] == "UP" && state != "UP" { known.lost.insert(connection) }
                known.current[connection] = state
            }
        }
    }

    /// Whether some client reports a usable connection to `broker` now.
    public func isUp(_ broker: Int32) -> Bool {
        state.withLock { known in known.current.contains { $0.key.broker == Int(broker) && $0.value == "UP" } }
    }

    /// Whether some client had a usable connection to `broker` and then reported it gone.
    public func wasLost(_ broker: Int32) -> Bool {
        state.withLock { known in known.lost.contains { $0.broker == Int(broker) } }
    }

    /// Forgets connections lost so far, before a new outage.
    public func forgetLost() {
        state.withLock { $0.lost = [] }
    }
}
