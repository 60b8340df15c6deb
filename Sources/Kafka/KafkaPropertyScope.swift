import CRdKafka

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Which kind of client a librdkafka property applies to, from the table librdkafka itself
/// prints (`rd_kafka_conf_properties_show`, the C/P column of CONFIGURATION.md), so that it
/// is right for the librdkafka this process runs with.
///
/// Clients get only the properties of their kind: one `kafka.*` map can then hold consumer
/// and producer settings without librdkafka warning, at every start, that some are ignored.
public enum KafkaPropertyScope: Sendable, Equatable {
    /// The property applies to consumers only (`C` in librdkafka's table).
    case consumer
    /// The property applies to producers (and so to admin clients) only (`P` in librdkafka's table).
    case producer
    /// Both kinds, or a property librdkafka does not list (it will say so itself).
    case any

    /// The scope of `key`.
    public static func of(_ key: String) -> KafkaPropertyScope {
        table[key] ?? .any
    }

    /// Whether a client of `type` (consumer or producer, which admin clients are) takes `key`.
    static func applies(_ key: String, to type: rd_kafka_type_t) -> Bool {
        switch of(key) {
        case .any: true
        case .consumer: type == RD_KAFKA_CONSUMER
        case .producer: type == RD_KAFKA_PRODUCER
        }
    }

    private static let table: [String: KafkaPropertyScope] = parse(propertiesTable())

    /// Rows look like `linger.ms | P | 0 .. 900000 | 5 | high | Delay in ...`.
    static func parse(_ text: String) -> [String: KafkaPropertyScope] {
        var table: [String: KafkaPropertyScope] = [:]
        for line in text.split(separator: "\n") {
            let columns = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
            guard columns.count == 3 else { continue }
            let key = columns[0].trimmingCharacters(in: " ")
            switch columns[1].trimmingCharacters(in: " ") {
            case "C": table[key] = .consumer
            case "P": table[key] = .producer
            default: continue
            }
        }
        return table
    }

    /// librdkafka's property table as text.
    private static func propertiesTable() -> String {
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return "" }
        rd_kafka_conf_properties_show(stream)
        fclose(stream)
        defer { free(buffer) }
        return buffer.map { String(cString: $0) } ?? ""
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}
