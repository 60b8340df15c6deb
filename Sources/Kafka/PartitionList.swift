import CRdKafka

/// Conversions between Swift partition values and `rd_kafka_topic_partition_list_t`.
enum PartitionList {
    /// A new list the caller must destroy with `rd_kafka_topic_partition_list_destroy`.
    static func make(_ offsets: [TopicPartitionOffset]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))
        for entry in offsets {
            let element = rd_kafka_topic_partition_list_add(
                list, entry.topicPartition.topic, entry.topicPartition.partition.rawValue)
            element?.pointee.offset = entry.offset.rawValue
        }
        // rd_kafka_topic_partition_list_new only returns NULL on allocation failure, which aborts in librdkafka.
        return list.unsafelyUnwrapped
    }

    static func make(_ partitions: [TopicPartition]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        make(partitions.map { TopicPartitionOffset($0, .invalid) })
    }

    /// The entries of a list (not consumed).
    static func offsets(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [TopicPartitionOffset] {
        guard let list, let elements = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { index in
            let element = elements[index]
            return TopicPartitionOffset(
                TopicPartition(String(cString: element.topic), KafkaPartition(rawValue: element.partition)),
                KafkaOffset(rawValue: element.offset)
            )
        }
    }

    /// The first per-partition error in a list, if any.
    static func firstError(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?, context: String) -> KafkaError? {
        guard let list, let elements = list.pointee.elems else { return nil }
        for index in 0..<Int(list.pointee.cnt) where elements[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let element = elements[index]
            return KafkaError(
                element.err, context: "\(context) \(String(cString: element.topic))[\(element.partition)]")
        }
        return nil
    }
}
