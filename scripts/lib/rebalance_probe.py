#!/usr/bin/env python3
"""Does a broker complete a consumer-group rebalance when a member leaves mid-rebalance?

Plain librdkafka consumers (confluent-kafka), no jobstatusd: member a owns a 16-partition
topic; b joins at 17 s; a leaves at 20 s (before the rebalance b started completes) and
rejoins as a2 at 21 s. Prints each member's assign/revoke events and which members hold
partitions afterwards. Measured (2026-11-26, librdkafka 2.0.2): on the mock cluster and
with eager assignment on tansu, b and a2 share the partitions within ~8 s; with
cooperative-sticky on tansu, nobody gets partitions again (README, "What does not hold").

    python3 scripts/lib/rebalance_probe.py BOOTSTRAP cooperative-sticky|range [EXISTING_TOPIC]

With --drain-then-kill (members in subprocesses, as the chaos run has them): a and b settle,
b closes (LeaveGroup), a is SIGKILLed 3 s later, a2 joins. On tansu with range or
range,roundrobin, a2 gets the 16 partitions in ~11 s (tansu waits out the sessions); a chaos
run with jobstatusd stalled once in this shape (issue 10).
"""
import signal
import subprocess
import sys
import threading
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic


MEMBER = """
import signal, sys, time
from confluent_kafka import Consumer
bootstrap, group, topic, strategy = sys.argv[1:5]
consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "session.timeout.ms": 6000,
                     "heartbeat.interval.ms": 1000, "partition.assignment.strategy": strategy,
                     "auto.offset.reset": "earliest", "enable.auto.commit": False})
consumer.subscribe([topic], on_assign=lambda c, p: print("assign", time.time(), len(p), flush=True))
stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
while not stop:
    consumer.poll(0.2)
consumer.close()
"""


def drain_then_kill(bootstrap, strategy, topic):
    group = f"probe-kill-{topic}"
    started = time.time()

    def spawn():
        return subprocess.Popen([sys.executable, "-c", MEMBER, bootstrap, group, topic, strategy],
                                stdout=subprocess.PIPE, text=True)
    a = spawn()
    time.sleep(10)
    b = spawn()
    time.sleep(15)
    b.send_signal(signal.SIGTERM)
    b.wait()
    time.sleep(3)
    a.send_signal(signal.SIGKILL)
    a.wait()
    a2 = spawn()
    time.sleep(60)
    a2.send_signal(signal.SIGKILL)
    a2.wait()
    for name, member in (("a", a), ("b", b), ("a2", a2)):
        assigns = [line.split() for line in member.stdout.read().splitlines() if line.startswith("assign")]
        print(strategy, name, [(round(float(at) - started, 1), int(count)) for _, at, count in assigns])


def main():
    kill = "--drain-then-kill" in sys.argv
    sys.argv = [arg for arg in sys.argv if arg != "--drain-then-kill"]
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
    if kill:
        drain_then_kill(bootstrap, strategy, topic)
        return
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
