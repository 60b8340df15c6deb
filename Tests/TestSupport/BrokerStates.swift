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
        /// librdkafka's count of each connection's disconnects, now and when the lost ones were
        /// last forgotten: a disconnect and reconnect between two reports still shows here.
        var disconnects: [Connection: Int] = [:]
        var disconnectsWhenForgotten: [Connection: Int] = [:]
    }

    private let state = Locked(State())

    public init() {}

    /// Notes one statistics report (any client's).
    public func record(_ json: String) {
        guard let report = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let client = report["name"] as? String, let brokers = report["brokers"] as? [String: Any]
        else { return }
        let states = brokers.values.compactMap { value -> (Connection, String, Int)? in
            guard let broker = value as? [String: Any], let node = broker["nodeid"] as? Int, node >= 0,
                let state = broker["state"] as? String
            else { return nil }
            return (Connection(client: client, broker: node), state, broker["disconnects"] as? Int ?? 0)
        }
        self.state.withLock { known in
            for (connection, state, disconnects) in states {
                if known.current[connection] == "UP" && state != "UP" { known.lost.insert(connection) }
                known.current[connection] = state
                known.disconnects[connection] = disconnects
            }
        }
    }

    /// Whether some client reports a usable connection to `broker` now.
    public func isUp(_ broker: Int32) -> Bool {
        state.withLock { known in known.current.contains { $0.key.broker == Int(broker) && $0.value == "UP" } }
    }

    /// Whether some client had a usable connection to `broker` and then reported it gone since
    /// ``forgetLost()``; with `countingDisconnects`, also when it counted a disconnect from it
    /// (a disconnect and reconnect between two reports, which the states miss, but also one
    /// that happened just before `forgetLost()` and was reported just after it).
    public func wasLost(_ broker: Int32, countingDisconnects: Bool = false) -> Bool {
        state.withLock { known in
            known.lost.contains { $0.broker == Int(broker) }
                || countingDisconnects
                    && known.disconnects.contains { connection, count in
                        connection.broker == Int(broker)
                            && count > known.disconnectsWhenForgotten[connection, default: 0]
                    }
        }
    }

    /// Each connection's state and disconnect count, for a failure message.
    public var summary: String {
        state.withLock { known in
            known.current.sorted { ($0.key.client, $0.key.broker) < ($1.key.client, $1.key.broker) }.map {
                "\($0.key.client)/\($0.key.broker): \($0.value), \(known.disconnects[$0.key] ?? 0) disconnects"
            }.joined(separator: "; ")
        }
    }

    /// Forgets connections lost so far, before a new outage.
    public func forgetLost() {
        state.withLock { known in
            known.lost = []
            known.disconnectsWhenForgotten = known.disconnects
        }
    }
}
