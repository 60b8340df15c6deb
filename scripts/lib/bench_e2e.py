#!/usr/bin/env python3
"""End-to-end figures of jobstatusd against the physical limit, on the same broker, in one run.

1. limit: a raw librdkafka consume-to-produce passthrough of the same records (passthrough.c);
2. jobstatusd run, exactly-once: from process start to the commit that completes the output;
3. the same, at-least-once;
4. restore: a fresh instance on the resulting output, against a raw read of the output and
   DLQ partitions: the restore itself (the daemon's jobstatusd_restore_seconds), and start to
   READY (which adds the process start and the consumer group join);
5. end-to-end latency at a fixed input rate: input send time to the moment a read_committed
   reader sees the output (p50, p99, p999).

Prints a table and one JSON line per figure ({"bench": ..., "events_per_s": ..., "ratio": ...}).
Completion is read from the daemon's jobstatusd_input_committed_offset gauge, which the
daemon updates once a second: durations are good to about a second, so use 1M records (the
default) for figures to quote.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chaos  # noqa: E402  (the generator, the mock broker host, the daemon handle)
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer  # noqa: E402


def log(message):
    print(f"[bench-e2e {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def preload(bootstrap, topic, stream):
    """Produces the stream keyed by job_id; returns each partition's end offset."""
    ends = {}

    def report(error, message):
        if error is None:
            ends[message.partition()] = max(ends.get(message.partition(), 0), message.offset() + 1)

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 20,
                         "partitioner": "murmur2_random", "queue.buffering.max.messages": 1000000})
    for key, value, _ in stream:
        while True:
            try:
                producer.produce(topic, key=key.encode(), value=value, on_delivery=report)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    producer.flush(300)
    return ends


def check_nothing_dropped(bootstrap, topic, ends):
    """The mock keeps a few MiB per partition and drops the oldest records beyond that."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-check"})
    try:
        for partition in ends:
            low, _ = consumer.get_watermark_offsets(chaos.TopicPartition(topic, partition), timeout=30)
            if low > 0:
                sys.exit(f"{topic}[{partition}] starts at offset {low}: the broker dropped records; "
                         "use more --partitions or fewer --records")
    finally:
        consumer.close()


def settings(bootstrap, group, input_topic, output, dlq, delivery, transaction_id, fetch_wait_ms=None):
    # The mock answers a fetch that finds no data only after the whole fetch.wait.max.ms (500 ms
    # by default), even when records arrive meanwhile (rdkafka_mock_handlers.c); Kafka answers
    # as soon as they do. A caught-up relay on the mock would wait that long for each record.
    consumer = f"""  consumer:
    fetch.wait.max.ms: "{fetch_wait_ms}"
""" if fetch_wait_ms else ""

    def render(name, port):
        return f"""kafka:
  bootstrap.servers: "{bootstrap}"
  session.timeout.ms: "6000"
  heartbeat.interval.ms: "1000"
{consumer}input:
  topics: ["{input_topic}"]
  group: "{group}"
output:
  topic: "{output}"
  replication: 1
dlq:
  topic: "{dlq}"
delivery: "{delivery}"
transaction:
  id: "{transaction_id}-{name}"
http:
  listen: "127.0.0.1:{port}"
log:
  level: "notice"
"""
    return render


def cpu_seconds(pid):
    """A live process's user + system CPU seconds so far (/proc/PID/stat), None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            fields = file.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    """User + system CPU seconds of the waited-for children of this process, so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CPU:
    """CPU seconds of a client and of the broker (the mock's own process; unknown for others)
    over a span: where the time of a run goes when the two share the machine's cores."""

    def __init__(self, broker_pid):
        self.broker_pid = broker_pid
        self.broker_start = self.broker()

    def broker(self):
        return cpu_seconds(self.broker_pid) if self.broker_pid else None

    def broker_spent(self):
        now = self.broker()
        return None if now is None or self.broker_start is None else now - self.broker_start


def run_relay(binary, workdir, render, ends, timeout, broker_pid):
    """Starts jobstatusd; returns (seconds to the commit completing the input, seconds to READY,
    the CPU seconds of jobstatusd and of the broker after READY)."""
    daemon = chaos.Daemon("relay", binary, workdir, render)
    started = time.monotonic()
    daemon.start()
    ready_at = None
    at_ready = None
    try:
        while time.monotonic() - started < timeout:
            if ready_at is None and daemon.ready():
                ready_at = time.monotonic() - started
                at_ready = (cpu_seconds(daemon.process.pid), CPU(broker_pid))
            committed = daemon.committed_offsets()
            if all(committed.get(p, -1) >= end for p, end in ends.items()):
                finished = time.monotonic() - started
                cpu = None
                if at_ready and at_ready[0] is not None:
                    daemon_cpu = cpu_seconds(daemon.process.pid)
                    cpu = (daemon_cpu - at_ready[0] if daemon_cpu is not None else None, at_ready[1].broker_spent())
                log_commit_time(daemon.metrics(), finished - (ready_at or 0))
                return finished, ready_at, cpu
            if not daemon.running:
                raise RuntimeError(f"jobstatusd exited {daemon.process.returncode}; see {workdir}/relay.log")
            time.sleep(0.1)
        raise RuntimeError(f"jobstatusd did not finish in {timeout}s")
    finally:
        daemon.stop()


def log_commit_time(metrics, running_seconds):
    """How much of the run the relay spent committing (the commit histogram's sum), so a slow
    run says whether it waited on the broker or worked."""
    total, count = histogram(metrics, "jobstatusd_transaction_commit_seconds")
    if total is not None and count:
        log(f"   {count:.0f} commits took {total:.1f}s of {running_seconds:.1f}s after READY "
            f"(mean {total / count * 1000:.0f} ms)")


def metric_value(metrics, name):
    for line in metrics.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.split()[-1])
    return None


def histogram(metrics, name):
    """A histogram's (sum, count), each None when the daemon has not exported it."""
    return metric_value(metrics, name + "_sum"), metric_value(metrics, name + "_count")


def time_to_ready(binary, workdir, render, timeout):
    """Seconds from start to READY, and the restore's own seconds (jobstatusd_restore_seconds:
    READY less the process start and the group join)."""
    daemon = chaos.Daemon("restore", binary, workdir, render)
    started = time.monotonic()
    daemon.start()
    try:
        if not daemon.wait_ready(timeout):
            raise RuntimeError(f"the restoring instance was not ready in {timeout}s; see {workdir}/restore.log")
        ready = time.monotonic() - started
        return ready, metric_value(daemon.metrics(), "jobstatusd_restore_seconds_sum")
    finally:
        daemon.stop()


def passthrough(tool, *args):
    """The tool's output: words for `copy` and `read`, lines for `send`."""
    result = subprocess.run([tool, *args], capture_output=True, text=True, check=True)
    return result.stdout.splitlines() if args[0] == "send" else result.stdout.split()


def read_output(bootstrap, output, ready, stop, results):
    """The latency reader, in a process of its own (a thread would share the producer's GIL and
    see records late): each output record's source coordinates and the moment it was visible."""
    reader = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-reader-{time.time()}",
                       "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                       "enable.auto.commit": False, "fetch.wait.max.ms": 10})
    # Assigned, not subscribed: no group join to wait for before the first record counts.
    partitions = reader.list_topics(output, timeout=30).topics[output].partitions
    reader.assign([chaos.TopicPartition(output, p, OFFSET_BEGINNING) for p in partitions])
    seen = []
    reader.consume(1000, 0.5)  # the first fetch: connected, leaders known
    ready.set()
    while not stop.is_set():
        for message in reader.consume(1000, 0.05):
            if message.error():
                continue
            source = chaos.source_of(message)
            if source is not None:
                seen.append((source[1], source[2], time.monotonic()))
    reader.close()
    results.put(seen)


def latency(binary, tool, workdir, bootstrap, topics, rate, seconds, stream):
    """Sends at `rate` for `seconds` (passthrough.c's `send`: a Python producer at this rate would
    take half a core from the daemon); returns per-record latencies (s) from send to visible
    output. CLOCK_MONOTONIC is the same in the sender, the reader and here."""
    import multiprocessing
    import struct
    input_topic, output, dlq = topics
    render = settings(bootstrap, "bench-latency", input_topic, output, dlq, "exactly-once", "bench-latency",
                      fetch_wait_ms=10)
    records = os.path.join(workdir, "latency.records")
    with open(records, "wb") as file:
        for key, value, _ in stream[:int(rate * seconds)]:
            key = key.encode()
            file.write(struct.pack("<I", len(key)) + key + struct.pack("<I", len(value)) + value)
    daemon = chaos.Daemon("latency", binary, workdir, render)
    daemon.start()
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    stop = context.Event()
    results = context.Queue()
    reader = context.Process(target=read_output, args=(bootstrap, output, ready, stop, results), daemon=True)
    seen = []
    sent = {}
    try:
        if not daemon.wait_ready(120):
            raise RuntimeError(f"latency instance not ready; see {workdir}/latency.log")
        reader.start()
        if not ready.wait(60):
            raise RuntimeError("the latency reader did not start")
        for line in passthrough(tool, "send", bootstrap, input_topic, str(rate), records):
            partition, offset, at = line.split()
            sent[(int(partition), int(offset))] = float(at)
        time.sleep(5)  # the last transactions
        metrics = daemon.metrics()
        log_latency_metric(metrics)
        log_commit_time(metrics, seconds)
    finally:
        stop.set()
        if reader.is_alive() or reader.exitcode is None:
            try:
                seen = results.get(timeout=60)
            except Exception:  # noqa: BLE001 (a reader that died leaves no samples)
                seen = []
        reader.join(10)
        daemon.stop()
    return sorted(at - sent[(p, o)] for p, o, at in seen if (p, o) in sent)


def log_latency_metric(metrics):
    """The daemon's own view: jobstatusd_end_to_end_latency_seconds (input timestamp to commit)."""
    total, count = histogram(metrics, "jobstatusd_end_to_end_latency_seconds")
    if total is not None and count:
        log(f"   the daemon's end-to-end latency histogram: mean {total / count * 1000:.0f} ms "
            f"over {count:.0f} transactions")


def percentile(values, fraction):
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(fraction * len(values)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--passthrough", required=True, help="the compiled scripts/lib/passthrough.c")
    parser.add_argument("--broker", choices=["mock", "tansu", "external"], default="mock")
    parser.add_argument("--bootstrap")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=64,
                        help="the mock keeps about 5 MiB per partition: 1M records need 64")
    parser.add_argument("--latency-rate", type=float, default=20000)
    parser.add_argument("--latency-seconds", type=float, default=20)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--phases", default="limit,exactly-once,at-least-once,restore,latency",
                        help="a comma-separated subset to run (restore needs exactly-once)")
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    unknown = phases - {"limit", "exactly-once", "at-least-once", "restore", "latency"}
    if unknown:
        sys.exit(f"--phases: unknown {sorted(unknown)}; use limit, exactly-once, at-least-once, restore, latency")
    if "restore" in phases and "exactly-once" not in phases:
        sys.exit("--phases: restore reads the exactly-once output; add exactly-once")

    workdir = tempfile.mkdtemp(prefix="jsd-bench-e2e-")
    names = ["bench-in", "bench-pass", "bench-eo-latest", "bench-eo-dlq", "bench-alo-latest", "bench-alo-dlq",
             "bench-lat-in", "bench-lat-latest", "bench-lat-dlq"]
    topics = [(n, args.partitions) for n in names]
    broker = (chaos.MockBroker(args.binary, topics, workdir) if args.broker == "mock"
              else chaos.ExternalBroker(args.bootstrap, topics))
    broker_pid = broker.process.pid if args.broker == "mock" else None
    figures = []
    cpu_figures = []
    latencies = []
    limit = None
    try:
        log(f"generating and preloading {args.records} records ({args.broker} broker, {args.partitions} partitions)")
        stream = chaos.generate(args.records, max(1, args.records // 10), seed=7)
        ends = preload(broker.bootstrap, "bench-in", stream)
        records = sum(ends.values())
        check_nothing_dropped(broker.bootstrap, "bench-in", ends)

        if "limit" in phases:
            log("1. the limit: raw librdkafka passthrough")
            before, broker_cpu = children_cpu_seconds(), CPU(broker_pid)
            copied, delivered, seconds = passthrough(args.passthrough, "copy", broker.bootstrap, "bench-in",
                                                     "bench-pass", str(records))
            limit = records / float(seconds)
            figures.append(("passthrough (raw librdkafka)", records / float(seconds), 1.0, f"{seconds}s"))
            cpu_figures.append(("passthrough (raw librdkafka)", children_cpu_seconds() - before,
                                broker_cpu.broker_spent()))

        for delivery, output, dlq in [("exactly-once", "bench-eo-latest", "bench-eo-dlq"),
                                      ("at-least-once", "bench-alo-latest", "bench-alo-dlq")]:
            if delivery not in phases:
                continue
            log(f"2. jobstatusd run, {delivery}")
            render = settings(broker.bootstrap, f"bench-{delivery}", "bench-in", output, dlq, delivery,
                              f"bench-{delivery}")
            total, ready, cpu = run_relay(args.binary, workdir, render, ends, args.timeout, broker_pid)
            if cpu:
                cpu_figures.append((f"jobstatusd {delivery}, after READY", *cpu))
            figures.append((f"jobstatusd {delivery}", records / total, limit and records / total / limit,
                            f"{total:.1f}s (ready after {ready or float('nan'):.1f}s)"))
            if ready and total > ready:
                # The same run without its start (the process and the consumer group join, which
                # the passthrough, assigned rather than subscribed, does not wait for).
                running = total - ready
                figures.append((f"  {delivery}, after READY", records / running,
                                limit and records / running / limit, f"{running:.1f}s"))

        if "restore" in phases:
            restore_figures(args, broker, figures, workdir)
        if "latency" in phases:
            log(f"5. latency at {args.latency_rate:.0f} events/s for {args.latency_seconds:.0f}s")
            latencies = latency(args.binary, args.passthrough, workdir, broker.bootstrap,
                                ("bench-lat-in", "bench-lat-latest", "bench-lat-dlq"),
                                args.latency_rate, args.latency_seconds,
                                chaos.generate(int(args.latency_rate * args.latency_seconds), 20000, seed=8))
    finally:
        broker.stop()
    report(args, records, figures, latencies, workdir)
    report_cpu(records, cpu_figures)


def restore_figures(args, broker, figures, workdir):
    """A fresh instance on the exactly-once output, start to READY, against a raw read of it."""
    log("4. restore: a fresh instance on the exactly-once output")
    out_records, out_seconds = passthrough(args.passthrough, "read", broker.bootstrap, "bench-eo-latest")
    dlq_records, dlq_seconds = passthrough(args.passthrough, "read", broker.bootstrap, "bench-eo-dlq")
    raw_read = (int(out_records) + int(dlq_records)) / (float(out_seconds) + float(dlq_seconds))
    render = settings(broker.bootstrap, "bench-exactly-once", "bench-in", "bench-eo-latest", "bench-eo-dlq",
                      "exactly-once", "bench-restore")
    ready, restoring = time_to_ready(args.binary, workdir, render, args.timeout)
    restored = int(out_records) + int(dlq_records)
    figures.append(("raw read of output + DLQ", raw_read, None, f"{restored} records"))
    if restoring:
        figures.append(("restore (the read itself)", restored / restoring, restored / restoring / raw_read,
                        f"{restoring:.2f}s"))
    figures.append(("restore, start to READY", restored / ready, restored / ready / raw_read,
                    f"{ready:.1f}s (with the group join)"))


def report(args, records, figures, latencies, workdir):
    print(f"\n== bench-e2e: {records} records, {args.partitions} partitions, broker {args.broker} ==")
    print(f"{'what':34} {'events/s':>12} {'x limit':>8}  notes")
    for name, rate, ratio, notes in figures:
        ratio_text = f"{ratio:8.2f}" if ratio is not None else " " * 8
        print(f"{name:34} {rate:12,.0f} {ratio_text}  {notes}")
        print(json.dumps({"bench": name, "events_per_s": round(rate), "ratio": None if ratio is None else
                          round(ratio, 3), "records": records, "broker": args.broker}))
    if latencies:
        quantiles = {q: percentile(latencies, q) for q in (0.5, 0.99, 0.999)}
        print(f"latency at {args.latency_rate:.0f}/s over {len(latencies)} records: "
              + ", ".join(f"p{str(q * 100).rstrip('0').rstrip('.')} {v * 1000:.0f} ms"
                          for q, v in quantiles.items()))
        print(json.dumps({"bench": "latency", "rate": args.latency_rate, "samples": len(latencies),
                          "p50_ms": round(quantiles[0.5] * 1000, 1), "p99_ms": round(quantiles[0.99] * 1000, 1),
                          "p999_ms": round(quantiles[0.999] * 1000, 1), "broker": args.broker}))
    log(f"logs in {workdir}")


def report_cpu(records, cpu_figures):
    """CPU microseconds per record, the client's and the broker's, from the same spans as the
    rates above (jobstatusd after READY). When the client and the broker share the cores, the
    rates are bound by their sum; the ratio of the client's figure to the passthrough's says how
    much more work per record jobstatusd does than a bare copy."""
    if not cpu_figures:
        return
    base = cpu_figures[0][1] if cpu_figures[0][0].startswith("passthrough") else None
    print(f"\nCPU per record (microseconds)       {'client':>12} {'x limit':>8} {'broker':>8}")
    for name, client, broker in cpu_figures:
        client_us = client / records * 1e6 if client is not None else None
        broker_us = broker / records * 1e6 if broker is not None else None
        ratio = client / base if base and client is not None else None
        print(f"{name:34} {fmt(client_us, 12, 2)} {fmt(ratio, 8, 2)} {fmt(broker_us, 8, 2)}")
        print(json.dumps({"bench": f"cpu: {name}", "client_us_per_record": rounded(client_us),
                          "broker_us_per_record": rounded(broker_us), "client_ratio": rounded(ratio),
                          "records": records}))


def fmt(value, width, places):
    return f"{value:{width}.{places}f}" if value is not None else " " * (width - 1) + "-"


def rounded(value):
    return None if value is None else round(value, 3)


if __name__ == "__main__":
    main()
