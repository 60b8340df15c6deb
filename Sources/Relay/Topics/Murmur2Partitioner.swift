public import Kafka

/// The Java client's default partitioner: `toPositive(murmur2(key)) % partitions`
/// (librdkafka `partitioner=murmur2_random` for non-null keys), so every
/// Kafka client agrees on where a job lives.
public enum Murmur2Partitioner {
    /// The partition of `key` among `partitionCount` partitions.
    public static func partition(forKey key: [UInt8], partitionCount: Int32) -> KafkaPartition {
        let hash = key.withUnsafeBytes { murmur2($0) }
        return KafkaPartition(rawValue: Int32(bitPattern: hash & 0x7FFF_FFFF) % partitionCount)
    }

    /// The partition of the key `key`'s UTF-8 bytes (a job_id), with no copy of them.
    public static func partition(forKey key: String, partitionCount: Int32) -> KafkaPartition {
        var key = key
        let hash = key.withUTF8 { murmur2(UnsafeRawBufferPointer($0)) }
        return KafkaPartition(rawValue: Int32(bitPattern: hash & 0x7FFF_FFFF) % partitionCount)
    }

    /// Kafka's murmur2 (seed 0x9747b28c).
    static func murmur2(_ data: UnsafeRawBufferPointer) -> UInt32 {
        let length = data.count
        let m: UInt32 = 0x5BD1_E995
        var h: UInt32 = 0x9747_B28C ^ UInt32(truncatingIfNeeded: length)
        let blocks = length / 4
        for block in 0..<blocks {
            var k = UInt32(littleEndian: data.loadUnaligned(fromByteOffset: block * 4, as: UInt32.self))
            k &*= m
            k ^= k >> 24
            k &*= m
            h &*= m
            h ^= k
        }
        let tail = blocks * 4
        switch length & 3 {
        case 3:
            h ^= UInt32(data[tail + 2]) << 16
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h &*= m
        case 2:
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h &*= m
        case 1:
            h ^= UInt32(data[tail])
            h &*= m
        default:
            break
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return h
    }
}
