#!/usr/bin/env python3
"""Does a broker complete a consumer-group rebalance when a member leaves mid-rebalance?

Plain librdkafka consumers (confluent-kafka), no jobstatusd: member a owns a 16-partition
topic; b joins at 17 s; a leaves at 20 s (before the rebalance b started completes) and
rejoins as a2 at 21 s. Prints each member's assign/revoke events and which members hold
partitions afterwards. Measured (2026-11-26, librdkafka 2.0.2): on the mock cluster and
with eager assignment on tansu, b and a2 share the partitions within ~8 s; with
cooperative-sticky on tansu, nobody gets partitions again (README, "What does not hold").

    python3 scripts/lib/rebalance_probe.py BOOTSTRAP cooperative-sticky|range [EXISTING_TOPIC]
"""
import sys
import threading
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic


def main():
    bootstrap, strategy = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:
        topic = sys.argv[3]  # the mock cluster has no CreateTopics: pass one made with --topic
    else:
        topic = f"probe-{int(time.time())}-{strategy[:4]}"
        admin = AdminClient({"bootstrap.servers": bootstrap})
        admin.create_topics([NewTopic(topic, 16, 1)])[topic].result(20)
    producer = Producer({"bootstrap.servers": bootstrap})
    for index in range(2000):
        producer.produce(topic, key=str(index), value=b"x")
    producer.flush(30)
    group = f"probe-{topic}"
    events = {}
    started = time.time()

    def member(name, leave_after, join_delay=0.0):
        time.sleep(join_delay)
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "session.timeout.ms": 6000,
                             "heartbeat.interval.ms": 1000, "partition.assignment.strategy": strategy,
                             "auto.offset.reset": "earliest", "enable.auto.commit": False})
        consumer.subscribe(
            [topic],
            on_assign=lambda c, parts: events.setdefault(name, []).append(("assign", time.time(), len(parts))),
            on_revoke=lambda c, parts: events.setdefault(name, []).append(("revoke", time.time(), len(parts))))
        joined = time.time()
        while time.time() - joined < leave_after:
            consumer.poll(0.2)
        consumer.close()

    members = [threading.Thread(target=member, args=("a", 20)),
               threading.Thread(target=member, args=("b", 45, 17)),
               threading.Thread(target=member, args=("a2", 40, 21))]
    for thread in members:
        thread.start()
    for thread in members:
        thread.join()
    for name, seen in events.items():
        print(name, [(kind, round(at - started, 1), count) for kind, at, count in seen])
    holders = sorted(name for name, seen in events.items()
                     if any(kind == "assign" and at - started > 21 and count > 0 for kind, at, count in seen))
    print(f"{strategy}: members with partitions after a left: {holders or 'none'}")


if __name__ == "__main__":
    main()
