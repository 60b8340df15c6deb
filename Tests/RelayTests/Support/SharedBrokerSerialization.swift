import TestSupport
import Testing

/// The suite trait for end-to-end suites: their tests run one at a time on a shared external
/// broker (`KAFKA_BOOTSTRAP`: tansu, or a Kafka), where they would compete for one broker's
/// groups and coordinator, and in parallel on the mock, where each test starts its own
/// cluster and topics and the suite is otherwise the whole run's critical path.
let serializedOnASharedBroker: any SuiteTrait =
    TestBroker.isExternal
    ? ParallelizationTrait.serialized
    : Comment(rawValue: "parallel: each test has its own in-process mock cluster")
