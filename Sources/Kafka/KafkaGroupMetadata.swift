import CRdKafka

/// The consumer group's identity for a transaction (KIP-447): pass it to
/// ``KafkaProducer/sendOffsetsToTransaction(_:groupMetadata:timeout:)`` so the
/// broker can fence zombie instances of the same group member.
public final class KafkaGroupMetadata: @unchecked Sendable {
    // @unchecked: immutable pointer to an immutable librdkafka object, destroyed once in deinit.
    let pointer: OpaquePointer

    /// The group generation this member belongs to (-1 before it joined): a broker with KIP-447
    /// rejects offsets sent with a generation older than the group's.
    public let generationID: Int32
    /// The member id the group coordinator gave this consumer ("" before it joined).
    public let memberID: String

    init(pointer: OpaquePointer) {
        self.pointer = pointer
        let identity = Self.identity(of: pointer)
        self.generationID = identity.generation
        self.memberID = identity.member
    }

    /// Reads generation and member id from librdkafka's serialized form
    /// (`rd_kafka_consumer_group_metadata_write`: "CGMDv2:", the native int32 generation id,
    /// then the NUL-terminated group id and member id), the only way the C API exposes them.
    private static func identity(of pointer: OpaquePointer) -> (generation: Int32, member: String) {
        var buffer: UnsafeMutableRawPointer? = nil
        var size = 0
        if let error = rd_kafka_consumer_group_metadata_write(pointer, &buffer, &size) {
            rd_kafka_error_destroy(error)
            return (-1, "")
        }
        guard let buffer else { return (-1, "") }
        defer { rd_kafka_mem_free(nil, buffer) }
        let bytes = UnsafeRawBufferPointer(start: buffer, count: size)
        let magic = Array("CGMDv2:".utf8)
        let generationEnd = magic.count + 4
        guard size > generationEnd, bytes.prefix(magic.count).elementsEqual(magic) else { return (-1, "") }
        let generation = bytes.loadUnaligned(fromByteOffset: magic.count, as: Int32.self)
        let strings = bytes[generationEnd...].split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        let member = strings.count > 1 ? String(decoding: strings[1], as: UTF8.self) : ""
        return (generation, member)
    }

    deinit {
        rd_kafka_consumer_group_metadata_destroy(pointer)
    }
}
