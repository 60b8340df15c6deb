#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A record read from Kafka, copied out of librdkafka's buffers.
///
/// The records of one fetched batch share one byte buffer (one allocation per batch
/// rather than two per record): ``key`` and ``value`` copy their bytes out of it, and
/// ``withValueBytes(_:)`` reads the value in place. A record kept alive keeps its
/// batch's bytes alive with it; copy ``value`` out to hold one record for long.
public struct KafkaMessage: Hashable, Sendable {
    /// The topic and partition the record was read from.
    public var topicPartition: TopicPartition
    /// The record's offset in its partition.
    public var offset: KafkaOffset
    /// The record's headers, in the order the producer wrote them.
    public var headers: [KafkaHeader]
    /// Milliseconds since the epoch (create or log-append time), if the broker sent one.
    public var timestampMilliseconds: Int64?
    private var storage: [UInt8]
    private var keyRange: Range<Int>?
    private var valueRange: Range<Int>?

    /// A record with its own copy of `key` and `value` (`nil`: null), for tests and for records built
    /// rather than read.
    public init(
        topicPartition: TopicPartition, offset: KafkaOffset, key: [UInt8]?, value: [UInt8]?,
        headers: [KafkaHeader] = [], timestampMilliseconds: Int64? = nil
    ) {
        self.topicPartition = topicPartition
        self.offset = offset
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
        self.storage = (key ?? []) + (value ?? [])
        let keyCount = key?.count ?? 0
        self.keyRange = key.map { 0..<$0.count }
        self.valueRange = value.map { keyCount..<(keyCount + $0.count) }
    }

    /// A record whose key and value are ranges of a batch's shared bytes.
    init(
        topicPartition: TopicPartition, offset: KafkaOffset, storage: [UInt8], keyRange: Range<Int>?,
        valueRange: Range<Int>?, headers: [KafkaHeader], timestampMilliseconds: Int64?
    ) {
        self.topicPartition = topicPartition
        self.offset = offset
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
        self.storage = storage
        self.keyRange = keyRange
        self.valueRange = valueRange
    }

    /// The key bytes, `nil` for a null key.
    public var key: [UInt8]? {
        get { keyBytes.map(Array.init) }
        set { self = Self(with: self, key: newValue, value: value) }
    }

    /// The value bytes, `nil` for a null value (a tombstone).
    public var value: [UInt8]? {
        get { valueBytes.map(Array.init) }
        set { self = Self(with: self, key: key, value: newValue) }
    }

    /// How many bytes the value has, `nil` for a tombstone; no copy.
    public var valueCount: Int? { valueRange?.count }

    /// Calls `body` with the value's bytes in place (no copy); `nil` for a tombstone.
    public func withValueBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result? {
        guard let valueRange else { return nil }
        let outcome: Swift.Result<Result, Failure> = storage.withUnsafeBytes { bytes in
            do throws(Failure) {
                return .success(try body(UnsafeRawBufferPointer(rebasing: bytes[valueRange])))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    /// Calls `body` with the key's bytes and the value's in place (no copy); `nil` for a null key
    /// or a tombstone.
    public func withKeyAndValueBytes<Result, Failure: Error>(
        _ body: (_ key: UnsafeRawBufferPointer?, _ value: UnsafeRawBufferPointer?) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let outcome: Swift.Result<Result, Failure> = storage.withUnsafeBytes { bytes in
            do throws(Failure) {
                return .success(
                    try body(
                        keyRange.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) },
                        valueRange.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    /// Whether the key is exactly the UTF-8 bytes of `other` (never for a null key); no copy.
    public func keyEquals(_ other: String) -> Bool {
        guard let keyRange else { return false }
        var other = other
        return other.withUTF8 { theirs in
            guard theirs.count == keyRange.count else { return false }
            return storage.withUnsafeBytes { bytes in
                // memcmp, not elementsEqual: the relay asks this of every record, and the
                // generic loop compared byte by byte.
                guard let mine = bytes.baseAddress, let theirs = theirs.baseAddress else { return keyRange.isEmpty }
                return memcmp(mine + keyRange.lowerBound, theirs, keyRange.count) == 0
            }
        }
    }

    /// The key's bytes in the shared buffer (no copy).
    private var keyBytes: ArraySlice<UInt8>? { keyRange.map { storage[$0] } }

    /// The value's bytes in the shared buffer (no copy).
    private var valueBytes: ArraySlice<UInt8>? { valueRange.map { storage[$0] } }

    private init(with message: KafkaMessage, key: [UInt8]?, value: [UInt8]?) {
        self.init(
            topicPartition: message.topicPartition, offset: message.offset, key: key, value: value,
            headers: message.headers, timestampMilliseconds: message.timestampMilliseconds)
    }

    /// The topic the record was read from.
    public var topic: String { topicPartition.topic }
    /// The partition the record was read from.
    public var partition: KafkaPartition { topicPartition.partition }

    /// The first header with this name, if any.
    public func header(_ name: String) -> KafkaHeader? {
        headers.first { $0.name == name }
    }

    /// Whether both records have the same partition, offset, timestamp, headers, key and value
    /// (by their bytes, wherever they are stored).
    public static func == (lhs: KafkaMessage, rhs: KafkaMessage) -> Bool {
        lhs.topicPartition == rhs.topicPartition && lhs.offset == rhs.offset
            && lhs.timestampMilliseconds == rhs.timestampMilliseconds && lhs.headers == rhs.headers
            && lhs.keyBytes == rhs.keyBytes && lhs.valueBytes == rhs.valueBytes
    }

    /// Hashes the partition, offset, key and value bytes.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(topicPartition)
        hasher.combine(offset)
        hasher.combine(keyBytes)
        hasher.combine(valueBytes)
    }
}
