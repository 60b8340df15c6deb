/// Bounds that keep one hostile record from costing unbounded memory or time.
///
/// The defaults are those of DESIGN.md section 1 and of `limits.*` in
/// `config/jobstatusd.yaml`.
public struct DecodingLimits: Hashable, Sendable {
    /// The largest record, in bytes, that is parsed at all (default 1 MiB).
    public var maxRecordBytes: Int
    /// The deepest nesting of arrays and objects; the top-level object is depth 1 (default 64).
    public var maxDepth: Int
    /// The longest `job_id`, in UTF-8 bytes (default 256).
    public var maxJobIDBytes: Int

    /// Creates limits; every value must be positive.
    public init(maxRecordBytes: Int = 1_048_576, maxDepth: Int = 64, maxJobIDBytes: Int = 256) {
        self.maxRecordBytes = maxRecordBytes
        self.maxDepth = maxDepth
        self.maxJobIDBytes = maxJobIDBytes
    }

    /// The documented defaults.
    public static let `default` = DecodingLimits()
}
