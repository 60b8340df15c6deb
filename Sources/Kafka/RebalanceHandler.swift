import CRdKafka

/// The consumer's rebalance entry point; returns `false` when no consumer is left to handle it.
struct RebalanceHandler: Sendable {
    let call: @Sendable (rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> Bool
}
