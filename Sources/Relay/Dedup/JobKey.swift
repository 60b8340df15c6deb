/// A job, known by a 128-bit hash of its `job_id`'s bytes instead of the id itself: the dedup
/// table keys by this, so a job costs the same whatever its id's length. Ids are compared as
/// bytes, as Kafka compares record keys: two spellings of the same Unicode text are two jobs.
///
/// One half is SipHash-1-3 (Swift's `Hasher`) under this process's random key, so no one can
/// choose ids that collide in it (placement and hashing use this half); the other is MurmurHash3. Two distinct ids share a key with a
/// probability of about 2^-128 per pair. The key lives only in memory: a restore rebuilds the
/// table from the ids in the output, under the new process's key.
struct JobKey: Hashable, Sendable {
    let high: UInt64
    let low: UInt64

    init(_ jobID: String) {
        var id = jobID
        self = id.withUTF8 { JobKey(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The key of the job whose id has these UTF-8 bytes (a record's key, read in place).
    init(bytes: UnsafeRawBufferPointer) {
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        high = UInt64(UInt(bitPattern: hasher.finalize()))
        low = MurmurHash3.hash128(bytes, seed: 0x6A6F_6269).1
    }

    /// The keyed half: dictionaries keyed by job keys cannot be flooded either.
    func hash(into hasher: inout Hasher) {
        hasher.combine(high)
    }
}
