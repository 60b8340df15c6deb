#!/usr/bin/env python3
"""How long does a jobstatusd instance killed with kill -9 take to publish again?

Two instances (a, b) share a live stream on one broker. Once both run, a is SIGKILLed and
started again after --restart-delay seconds (systemd's RestartSec). The probe prints, from
the kill: when the new incarnation is ready, when it publishes its first output (its
jobstatusd_published_total goes above 0), and whether b was rebalanced meanwhile (its
assigned partitions changed). Repeated --rounds times; the median is printed, with a JSON line.

    python3 scripts/lib/recovery_probe.py --binary .build/debug/jobstatusd --broker mock|tansu \
        [--bootstrap HOST:PORT] [--membership static|dynamic] [--session-ms 10000] [--rounds 3]

With static membership a broker that honours KIP-345 gives the new incarnation its partitions
back at once; one that does not waits for the old session and rebalances the group.
docs/development.md, "Test brokers", quotes this probe's figures.
"""
import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chaos import Daemon, ExternalBroker, MockBroker, StreamProducer, generate  # noqa: E402


def settings_for(args, bootstrap):
    def settings(name, port):
        membership = "" if args.membership == "static" else "off"
        return f"""kafka:
  bootstrap.servers: "{bootstrap}"
  session.timeout.ms: "{args.session_ms}"
  heartbeat.interval.ms: "1000"
input:
  topics: ["{args.input}"]
  group: "{args.group}"
  group-instance-id: "{membership}"
output:
  topic: "{args.output}"
  replication: 1
dlq:
  topic: "{args.dlq}"
transaction:
  id: "recovery-{args.group}-{name}"
http:
  listen: "127.0.0.1:{port}"
log:
  level: "info"
"""
    return settings


def metric(daemon, name):
    for line in daemon.metrics().splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def wait_for(condition, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(step)
    return None


def one_round(a, b, args):
    if not wait_for(lambda: a.assigned_partitions() > 0 and b.assigned_partitions() > 0 and a.ready() and b.ready(),
                    180, 0.2):
        sys.exit("the two instances did not both get partitions")
    time.sleep(3)  # settled
    b_before = b.assigned_partitions()
    b_changes = []
    stop = threading.Event()

    def watch_b():
        last = b_before
        while not stop.is_set():
            now = b.assigned_partitions()
            if now != last:
                b_changes.append(now)
                last = now
            time.sleep(0.1)
    watcher = threading.Thread(target=watch_b, daemon=True)
    watcher.start()
    killed = time.monotonic()
    a.stop(signal.SIGKILL)
    time.sleep(args.restart_delay)
    a.start()
    ready = wait_for(a.ready, 180)
    published = wait_for(lambda: metric(a, "jobstatusd_published_total") > 0, 180)
    stop.set()
    watcher.join()
    return {
        "ready_s": round(ready - killed, 1) if ready else None,
        "first_output_s": round(published - killed, 1) if published else None,
        "other_rebalanced": bool(b_changes),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--broker", choices=["mock", "tansu", "external"], default="mock")
    parser.add_argument("--bootstrap")
    parser.add_argument("--membership", choices=["static", "dynamic"], default="static")
    parser.add_argument("--session-ms", type=int, default=10000)
    parser.add_argument("--restart-delay", type=float, default=2.0, help="systemd's RestartSec in the unit")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--rate", type=float, default=500)
    args = parser.parse_args()
    suffix = f"{os.getpid()}-{int(time.time())}"
    args.input, args.output, args.dlq = f"rp-in-{suffix}", f"rp-in-{suffix}-latest", f"rp-in-{suffix}-dlq"
    args.group = f"rp-{suffix}"
    workdir = tempfile.mkdtemp(prefix="recovery-probe-")
    topics = [(args.input, args.partitions), (args.output, args.partitions), (args.dlq, args.partitions)]
    broker = MockBroker(args.binary, topics, workdir) if args.broker == "mock" else ExternalBroker(
        args.bootstrap, topics)
    settings = settings_for(args, broker.bootstrap)
    a = Daemon("a", args.binary, workdir, settings)
    b = Daemon("b", args.binary, workdir, settings)
    stream = generate(int(args.rate * 600), 5000, 7)
    producer = StreamProducer(broker.bootstrap, args.input, stream, args.rate)
    try:
        a.start()
        b.start()
        producer.start()
        rounds = [one_round(a, b, args) for _ in range(args.rounds)]
    finally:
        for daemon in (a, b):
            daemon.stop(signal.SIGKILL)
        broker.stop()
    for index, result in enumerate(rounds):
        print(f"round {index + 1}: {result}")
    firsts = [r["first_output_s"] for r in rounds if r["first_output_s"] is not None]
    summary = {"broker": args.broker, "membership": args.membership, "session_ms": args.session_ms,
               "restart_delay_s": args.restart_delay, "rounds": len(rounds),
               "median_first_output_s": statistics.median(firsts) if firsts else None,
               "median_ready_s": statistics.median([r["ready_s"] for r in rounds if r["ready_s"] is not None] or [0]),
               "other_rebalanced": sum(r["other_rebalanced"] for r in rounds), "workdir": workdir}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
