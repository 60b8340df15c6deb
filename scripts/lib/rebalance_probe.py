#!/usr/bin/env python3
"""Does a broker complete a consumer-group rebalance when a member leaves mid-rebalance?

Plain librdkafka consumers (confluent-kafka), no jobstatusd: member a owns a 16-partition
topic; b joins at 17 s; a leaves at 20 s (before the rebalance b started completes) and
rejoins as a2 at 21 s. Prints each member's assign/revoke events and which members hold
partitions afterwards. Measured (2026-11-26, librdkafka 2.0.2): on the mock cluster and
with eager assignment on tansu, b and a2 share the partitions within ~8 s; with
cooperative-sticky on tansu, nobody gets partitions again (docs/delivery.md, "What does not hold").

    python3 scripts/lib/rebalance_probe.py BOOTSTRAP cooperative-sticky|range [EXISTING_TOPIC]

With --drain-then-kill (members in subprocesses, as the chaos run has them): a and b settle,
b closes (LeaveGroup), a is SIGKILLed 3 s later, a2 joins. On tansu with range or
range,roundrobin, a2 gets the 16 partitions in ~11 s (tansu waits out the sessions).

With --leave-while-joining (members in subprocesses): a owns the topic; b joins; 0.3-1.2 s later,
while the rebalance b started is under way (a's own JoinGroup pending, or not sent yet), a closes
(LeaveGroup) and a2 joins. Measured (2026-11-26, librdkafka 2.0.2, range,roundrobin), 4 runs each: the mock cluster
settles (b and a2 get 8 partitions each) in ~5 s every time; tansu makes the departed a the leader
of the next generation, never expires it, and b and a2 get nothing for as long as they run (90 s
here, 15 min in a chaos run). jobstatusd shows the same on tansu, so scripts/chaos lets the group
settle before each fault on tansu (issue 10, docs/delivery.md, "What does not hold").
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


def leave_while_joining(bootstrap, strategy, topic, delays=(0.3, 0.6, 0.9, 1.2)):
    """One round per delay, each in its own group: prints how long b and a2 took to share the
    topic after a left mid-join, or None if they never did within 90 s."""
    for round_number, delay in enumerate(delays):
        group = f"probe-join-{topic}-{round_number}"
        latest = {}

        def spawn(name):
            process = subprocess.Popen([sys.executable, "-c", MEMBER, bootstrap, group, topic, strategy],
                                       stdout=subprocess.PIPE, text=True)

            def read():
                for line in process.stdout:
                    parts = line.split()
                    if parts and parts[0] == "assign":
                        latest[name] = int(parts[2])
            threading.Thread(target=read, daemon=True).start()
            return process

        a = spawn("a")
        deadline = time.time() + 60
        while latest.get("a") != 16 and time.time() < deadline:
            time.sleep(0.1)
        owned = latest.get("a")
        time.sleep(2)
        b = spawn("b")
        time.sleep(delay)
        a.send_signal(signal.SIGTERM)
        a.wait()
        a2 = spawn("a2")
        left = time.time()
        settled = None
        while time.time() - left < 90:
            if latest.get("b") and latest.get("a2") and latest["b"] + latest["a2"] == 16:
                settled = round(time.time() - left, 1)
                break
            time.sleep(0.2)
        print(f"{strategy}: a owned {owned}, left {delay} s after b started; "
              f"b and a2 share the topic after {settled} s (None: never, within 90 s)", flush=True)
        for member in (b, a2):
            member.send_signal(signal.SIGTERM)
        for member in (b, a2):
            member.wait()


def main():
    kill = "--drain-then-kill" in sys.argv
    joining = "--leave-while-joining" in sys.argv
    sys.argv = [arg for arg in sys.argv if arg not in ("--drain-then-kill", "--leave-while-joining")]
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
    if joining:
        leave_while_joining(bootstrap, strategy, topic)
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
