#!/usr/bin/env python3
"""Does a broker honour static group membership (KIP-345, `group.instance.id`)?

Plain librdkafka consumers (confluent-kafka), no jobstatusd. Members a and b, in
subprocesses, share a 2-partition topic in a fresh group (6 s sessions, as the tests use).
Once both hold a partition, a is SIGKILLed and a2 starts 1 s later as its replacement
(with --static, under a's `group.instance.id`). The probe prints, from the kill:
- when a2 first gets partitions, and how many;
- whether b saw a rebalance (a revoke or a new assignment) meanwhile.

A broker that honours static membership hands a2 a's partitions at once (its JoinGroup
with a known instance id replaces the old member without a rebalance) and b sees nothing.
Without it (or with --dynamic) a2 waits for a's session to expire and the group rebalances.

    python3 scripts/lib/static_member_probe.py BOOTSTRAP [--static|--dynamic] [--topic EXISTING]

Without --topic it creates one with AdminClient (the mock cluster cannot: host it with
`jobstatusd mock-broker --topic=NAME:2` and pass --topic NAME). Measured results are in
docs/development.md, "Test brokers".
"""
import argparse
import subprocess
import sys
import threading
import time
import uuid

from confluent_kafka.admin import AdminClient, NewTopic

MEMBER = """
import signal, sys, time
from confluent_kafka import Consumer
bootstrap, group, topic, instance = sys.argv[1:5]
config = {"bootstrap.servers": bootstrap, "group.id": group, "session.timeout.ms": 6000,
          "heartbeat.interval.ms": 1000, "auto.offset.reset": "earliest", "enable.auto.commit": False}
if instance:
    config["group.instance.id"] = instance
consumer = Consumer(config)
consumer.subscribe([topic],
                   on_assign=lambda c, p: print("assign", time.time(), len(p), flush=True),
                   on_revoke=lambda c, p: print("revoke", time.time(), len(p), flush=True))
stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
while not stop:
    consumer.poll(0.2)
consumer.close()
"""


class Member:
    def __init__(self, name, bootstrap, group, topic, instance):
        self.name = name
        self.events = []  # (kind, time, partitions)
        self.process = subprocess.Popen(
            [sys.executable, "-c", MEMBER, bootstrap, group, topic, instance], stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            kind, at, count = line.split()
            self.events.append((kind, float(at), int(count)))

    def holding(self):
        held = 0
        for kind, _, count in self.events:
            held = count if kind == "assign" else 0
        return held

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def wait_for(condition, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bootstrap")
    parser.add_argument("--static", dest="static", action="store_true", default=True)
    parser.add_argument("--dynamic", dest="static", action="store_false")
    parser.add_argument("--topic")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    suffix = uuid.uuid4().hex[:8]
    topic = args.topic
    if topic is None:
        topic = f"static-probe-{suffix}"
        admin = AdminClient({"bootstrap.servers": args.bootstrap})
        for future in admin.create_topics([NewTopic(topic, 2, 1)]).values():
            future.result(20)
    group = f"static-probe-{suffix}"
    ids = (f"probe-a-{suffix}", f"probe-b-{suffix}") if args.static else ("", "")
    a = Member("a", args.bootstrap, group, topic, ids[0])
    b = Member("b", args.bootstrap, group, topic, ids[1])
    members = [a, b]
    try:
        if not wait_for(lambda: a.holding() == 1 and b.holding() == 1, args.timeout):
            print(f"RESULT settle=failed a={a.events} b={b.events}")
            return 1
        time.sleep(2)  # a settled group: no rebalance still in flight
        b_events_before = len(b.events)
        killed = time.time()
        a.process.kill()
        time.sleep(1)
        a2 = Member("a2", args.bootstrap, group, topic, ids[0])
        members.append(a2)
        got = wait_for(lambda: a2.holding() > 0, args.timeout)
        first = next((at for kind, at, count in a2.events if kind == "assign" and count > 0), None)
        time.sleep(3)  # anything b would still see of a rebalance
        b_after = b.events[b_events_before:]
        print(
            f"RESULT mode={'static' if args.static else 'dynamic'} a2_got_partitions={got} "
            f"kill_to_a2_assign_s={(first - killed) if first else -1:.1f} a2_holds={a2.holding()} "
            f"b_rebalanced={bool(b_after)} b_events_after_kill={[(k, round(t - killed, 1), n) for k, t, n in b_after]}")
        return 0
    finally:
        for member in members:
            member.stop()


if __name__ == "__main__":
    sys.exit(main())
