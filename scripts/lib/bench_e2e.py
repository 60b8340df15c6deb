#!/usr/bin/env python3
"""End-to-end figures of jobstatusd against the physical limit, on the same broker, in one run,
as medians over alternating rounds.

What is measured, on one preloaded input (--records, preloaded once, read whole by every round):
1. the limit: a raw librdkafka consume-to-produce passthrough of the same records (passthrough.c);
2. jobstatusd run, exactly-once: from process start to the commit that completes the output (and
   the same without the start: after READY, i.e. without the consumer group join);
3. the same, at-least-once;
4. restore: fresh instances on the last round's exactly-once output, in --rounds rounds
   alternating with raw reads of the output and DLQ partitions (each against the mean of the raw
   reads before and after it): the restore itself (the daemon's jobstatusd_restore_seconds), and
   start to READY (which adds the process start and the consumer group join); and the monitor's
   first read of the same output to its end (`jobstatusd monitor`), against the raw reads;
5. end-to-end latency at a fixed input rate: input send time to the moment a read_committed
   reader sees the output (p50, p99, p999);
6. CPU per record of the client (the passthrough, or jobstatusd after READY; from rusage and
   /proc/PID/stat) and of the mock broker's process, over the same spans as the rates.

Rounds. One passthrough run on this machine is noise (the same code measured 189,502 and
327,869 events/s an hour apart), so no figure is quoted from a single round of 1-3, 5 or 6: each
--rounds N (at least 3, default 3) round runs the passthrough and jobstatusd ALTERNATELY, on
the same preloaded input, each run with a fresh consumer group and fresh output topics:

    P  EO  P  ALO  P  EO  P  ALO  P  ...  (N exactly-once, N at-least-once, 2N+1 passthrough runs)

Each jobstatusd run is paired with the two passthrough runs adjacent to it, the one just before
and the one just after: its ratio is its rate over the mean of those two rates, so a limit that
drifts during the run is bracketed rather than sampled on one side (each passthrough run between
two jobstatusd runs serves both). The table quotes, per figure, the MEDIAN of the N per-round
ratios with their spread (min..max), and the median rate; the passthrough row quotes the median
of its 2N+1 rates with their spread. CPU per record: the median over the rounds, the ratio per
round against the same two adjacent passthrough runs. The latency phase runs N rounds too (each
a fresh instance on fresh topics, the same records sent at the same rate), and quotes the median
of the per-round p50, p99 and p999 with their spread. The restore phase alternates fresh
restoring instances with raw reads of the same partitions (R S R S ... R), and quotes medians too.

Prints a table and one JSON line per figure: {"bench": ..., "rounds": N, "events_per_s":
{"median", "min", "max", "rounds": [per-round values in run order]}, "ratio": {the same}, ...}.
Completion is read from the daemon's jobstatusd_input_committed_offset gauge, polled every 0.1 s;
each /metrics scrape publishes the gauge as of that moment (before 2026-12-07 it was up to a
second old, which made every duration up to a second long, half a second on average), so a
duration is good to about 0.1 s. Use 1M records (the default) for figures to quote. The mock broker holds every round's topics in memory at once
(up to about 5 MiB a partition each; at the defaults, a few GiB for 3 rounds).
"""
import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chaos  # noqa: E402  (the generator, the mock broker host, the daemon handle)
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer  # noqa: E402

MODES = [("exactly-once", "eo"), ("at-least-once", "alo")]


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


# ---- topics: fresh ones for every run, all created with the broker -------------------------

def pass_topic(run):
    """The output of passthrough run `run` (0-based, in run order)."""
    return f"bench-pass-{run}"


def relay_topics(short, round_number):
    """(output, DLQ) of one jobstatusd round; the output's name ends in -latest (an external
    broker leaves it to the daemon, which creates it compacted)."""
    return f"bench-r{round_number}-{short}-latest", f"bench-r{round_number}-{short}-dlq"


def latency_topics(round_number):
    return (f"bench-r{round_number}-lat-in", f"bench-r{round_number}-lat-latest",
            f"bench-r{round_number}-lat-dlq")


def plan(phases, rounds):
    """The runs in order: ("limit", index) and (delivery, round) alternating, P M P M ... P
    (a passthrough run on each side of every jobstatusd run), then the latency rounds."""
    modes = [(delivery, short) for delivery, short in MODES if delivery in phases]
    runs = []
    passthroughs = 0
    for round_number in range(1, rounds + 1):
        if not modes and "limit" in phases:
            runs.append(("limit", passthroughs))
            passthroughs += 1
        for delivery, short in modes:
            if "limit" in phases:
                runs.append(("limit", passthroughs))
                passthroughs += 1
            runs.append((delivery, round_number))
    if modes and "limit" in phases:
        runs.append(("limit", passthroughs))
        passthroughs += 1
    return runs, passthroughs


def all_topics(phases, rounds, partitions):
    names = ["bench-in"]
    _, passthroughs = plan(phases, rounds)
    names += [pass_topic(run) for run in range(passthroughs)]
    for round_number in range(1, rounds + 1):
        for delivery, short in MODES:
            if delivery in phases:
                names += relay_topics(short, round_number)
        if "latency" in phases:
            names += latency_topics(round_number)
    return [(name, partitions) for name in names]


# ---- CPU ------------------------------------------------------------------------------------

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


# ---- one run of each kind -------------------------------------------------------------------

def run_passthrough(tool, bootstrap, run, records, broker_pid):
    """One passthrough copy of the whole input to a fresh topic, in a fresh consumer group (the
    tool makes one per start and assigns every partition from the beginning). Returns (events/s,
    seconds, client CPU seconds, broker CPU seconds)."""
    before, broker_cpu = children_cpu_seconds(), CPU(broker_pid)
    _, _, seconds = passthrough(tool, "copy", bootstrap, "bench-in", pass_topic(run), str(records))
    return records / float(seconds), float(seconds), children_cpu_seconds() - before, broker_cpu.broker_spent()


def run_relay(name, binary, workdir, render, input_topic, ends, timeout, broker_pid):
    """Starts jobstatusd; returns (seconds to the commit completing the input, seconds to READY,
    (the CPU seconds of jobstatusd, of the broker) after READY, or None)."""
    daemon = chaos.Daemon(name, binary, workdir, render)
    started = time.monotonic()
    daemon.start()
    ready_at = None
    at_ready = None
    try:
        while time.monotonic() - started < timeout:
            if ready_at is None and daemon.ready():
                ready_at = time.monotonic() - started
                at_ready = (cpu_seconds(daemon.process.pid), CPU(broker_pid))
            committed = daemon.committed_offsets()  # {(topic, partition): next offset}
            if all(committed.get((input_topic, p), -1) >= end for p, end in ends.items()):
                finished = time.monotonic() - started
                cpu = None
                if at_ready and at_ready[0] is not None:
                    daemon_cpu = cpu_seconds(daemon.process.pid)
                    cpu = (daemon_cpu - at_ready[0] if daemon_cpu is not None else None, at_ready[1].broker_spent())
                log_commit_time(daemon.metrics(), finished - (ready_at or 0))
                return finished, ready_at, cpu
            if not daemon.running:
                raise RuntimeError(f"jobstatusd exited {daemon.process.returncode}; see {workdir}/{name}.log")
            time.sleep(0.1)
        raise RuntimeError(f"jobstatusd did not finish in {timeout}s; see {workdir}/{name}.log")
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


def first_read(binary, workdir, render, timeout):
    """`jobstatusd monitor` on the relay's output topic: the records of its first read to the end
    and how long that took (its jobstatusd_monitor_first_read_seconds)."""
    port = chaos.free_port()
    config = os.path.join(workdir, "monitor.yaml")
    with open(config, "w") as handle:
        handle.write(render("monitor", chaos.free_port()))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JOBSTATUSD_")}
    with open(os.path.join(workdir, "monitor.log"), "a") as stderr:
        process = subprocess.Popen([binary, "monitor", "--config", config, "--listen", f"127.0.0.1:{port}"],
                                   stdout=subprocess.DEVNULL, stderr=stderr, env=environment)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the monitor exited {process.returncode}; see {workdir}/monitor.log")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
                    metrics = response.read().decode()
            except OSError:
                metrics = ""
            seconds = metric_value(metrics, "jobstatusd_monitor_first_read_seconds")
            if seconds:
                return int(metric_value(metrics, "jobstatusd_monitor_records_read")), seconds
            time.sleep(0.2)
        raise RuntimeError(f"the monitor did not read the topic in {timeout}s; see {workdir}/monitor.log")
    finally:
        process.terminate()
        process.wait(30)


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


def write_records(path, stream):
    """The latency input in passthrough.c's `send` format, written once for every round."""
    import struct
    with open(path, "wb") as file:
        for key, value, _ in stream:
            key = key.encode()
            file.write(struct.pack("<I", len(key)) + key + struct.pack("<I", len(value)) + value)


def latency(name, binary, tool, workdir, bootstrap, topics, rate, seconds, records):
    """Sends the records of the file `records` at `rate` (passthrough.c's `send`: a Python
    producer at this rate would take half a core from the daemon) to a fresh input topic read
    by a fresh instance; returns per-record latencies (s) from send to visible output.
    CLOCK_MONOTONIC is the same in the sender, the reader and here."""
    import multiprocessing
    input_topic, output, dlq = topics
    render = settings(bootstrap, f"bench-{name}", input_topic, output, dlq, "exactly-once", f"bench-{name}",
                      fetch_wait_ms=10)
    daemon = chaos.Daemon(name, binary, workdir, render)
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
            raise RuntimeError(f"latency instance not ready; see {workdir}/{name}.log")
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


# ---- medians over rounds ----------------------------------------------------------------------

def known(values):
    return [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]


def spread(values, places=3):
    """{"median", "min", "max", "rounds"} of the per-round values (None where a round has none;
    the median, min and max over the rounds that have one), or None when no round has one."""
    present = known(values)
    if not present:
        return None

    def r(value):
        return round(value, places) if known([value]) else None
    return {"median": r(statistics.median(present)), "min": r(min(present)), "max": r(max(present)),
            "rounds": [r(v) for v in values]}


def median(values):
    present = known(values)
    return statistics.median(present) if present else None


class Figure:
    """One table row: per-round rates and ratios."""

    def __init__(self, name, rates, ratios, notes):
        self.name, self.rates, self.ratios, self.notes = name, rates, ratios, notes


def bracket(limits, before, after):
    """The limit a jobstatusd run is held against: the mean of the passthrough runs just before
    and just after it (None without a passthrough)."""
    sides = known([limits.get(before), limits.get(after)])
    return sum(sides) / len(sides) if sides else None


def seconds_range(values):
    present = known(values)
    return f"{statistics.median(present):.1f} s ({min(present):.1f}..{max(present):.1f})" if present else "-"


# ---- main ------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="jobstatusd, release build (scripts/bench-e2e passes it)")
    parser.add_argument("--passthrough", required=True,
                        help="the compiled scripts/lib/passthrough.c (scripts/bench-e2e passes it)")
    parser.add_argument("--broker", choices=["mock", "tansu", "external"], default="mock")
    parser.add_argument("--bootstrap")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=64,
                        help="the mock keeps about 5 MiB per partition: 1M records need 64")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds (passthrough, jobstatusd, passthrough, ...) and latency rounds; "
                             "the table quotes medians and min..max over them, never one round (at least 3; "
                             "default 3)")
    parser.add_argument("--latency-rate", type=float, default=20000)
    parser.add_argument("--latency-seconds", type=float, default=20)
    parser.add_argument("--timeout", type=float, default=1800, help="for each jobstatusd run, seconds")
    parser.add_argument("--phases", default="limit,exactly-once,at-least-once,restore,latency",
                        help="a comma-separated subset to run (restore needs exactly-once)")
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    unknown = phases - {"limit", "exactly-once", "at-least-once", "restore", "latency"}
    if unknown:
        sys.exit(f"--phases: unknown {sorted(unknown)}; use limit, exactly-once, at-least-once, restore, latency")
    if "restore" in phases and "exactly-once" not in phases:
        sys.exit("--phases: restore reads the exactly-once output; add exactly-once")
    if args.rounds < 3:
        sys.exit("--rounds: at least 3 (a median of fewer rounds is one round's noise)")

    workdir = tempfile.mkdtemp(prefix="jsd-bench-e2e-")
    topics = all_topics(phases, args.rounds, args.partitions)
    broker = (chaos.MockBroker(args.binary, topics, workdir) if args.broker == "mock"
              else chaos.ExternalBroker(args.bootstrap, topics))
    broker_pid = broker.process.pid if args.broker == "mock" else None
    figures = []
    cpu_figures = []
    latency_rounds = []
    try:
        log(f"generating and preloading {args.records} records ({args.broker} broker, {args.partitions} partitions)")
        stream = chaos.generate(args.records, max(1, args.records // 10), seed=7)
        ends = preload(broker.bootstrap, "bench-in", stream)
        records = sum(ends.values())
        check_nothing_dropped(broker.bootstrap, "bench-in", ends)
        throughput_rounds(args, phases, broker, broker_pid, workdir, ends, records, figures, cpu_figures)
        if "restore" in phases:
            restore_figures(args, broker, figures, workdir)
        if "latency" in phases:
            latency_rounds = latency_phase(args, broker, workdir)
    finally:
        broker.stop()
    report(args, records, figures, latency_rounds, workdir)
    report_cpu(args, records, cpu_figures)


def throughput_rounds(args, phases, broker, broker_pid, workdir, ends, records, figures, cpu_figures):
    """Runs the plan's alternating passthrough and jobstatusd runs; adds one Figure per row."""
    runs, passthroughs = plan(phases, args.rounds)
    limits, limit_seconds, limit_cpu = {}, {}, {}
    relays = {}  # (delivery, round) -> (index in runs, total, ready, cpu)
    for index, (kind, which) in enumerate(runs):
        if kind == "limit":
            log(f"passthrough run {which + 1}/{passthroughs} (raw librdkafka)")
            rate, seconds, client, broker_cpu = run_passthrough(args.passthrough, broker.bootstrap, which, records,
                                                                broker_pid)
            limits[index], limit_seconds[index], limit_cpu[index] = rate, seconds, (client, broker_cpu)
            log(f"   {rate:,.0f} events/s ({seconds:.2f} s)")
        else:
            delivery, short = kind, dict(MODES)[kind]
            log(f"jobstatusd run, {delivery}, round {which}/{args.rounds}")
            output, dlq = relay_topics(short, which)
            group = f"bench-{delivery}-r{which}"
            render = settings(broker.bootstrap, group, "bench-in", output, dlq, delivery, group)
            total, ready, cpu = run_relay(f"{short}-r{which}", args.binary, workdir, render, "bench-in", ends,
                                          args.timeout, broker_pid)
            relays[(delivery, which)] = (index, total, ready, cpu)
            log(f"   {records / total:,.0f} events/s in {total:.1f} s (ready after {ready or float('nan'):.1f} s)")

    if limits:
        order = sorted(limits)
        figures.append(Figure("passthrough (raw librdkafka)", [limits[i] for i in order], [1.0] * len(order),
                              f"{len(order)} runs, {min(limits.values()):,.0f}..{max(limits.values()):,.0f}/s, "
                              f"{seconds_range([limit_seconds[i] for i in order])}"))
        cpu_figures.append(("passthrough (raw librdkafka)", [limit_cpu[i][0] for i in order],
                            [limit_cpu[i][1] for i in order], [1.0] * len(order)))
    for delivery, short in MODES:
        if delivery not in phases:
            continue
        rates, ratios, running_rates, running_ratios = [], [], [], []
        totals, readies, clients, brokers, cpu_ratios = [], [], [], [], []
        for round_number in range(1, args.rounds + 1):
            index, total, ready, cpu = relays[(delivery, round_number)]
            limit = bracket(limits, index - 1, index + 1)
            limit_client = bracket({i: c[0] for i, c in limit_cpu.items()}, index - 1, index + 1)
            rates.append(records / total)
            ratios.append(records / total / limit if limit else None)
            totals.append(total)
            readies.append(ready)
            running = total - ready if ready and total > ready else None
            # The same run without its start (the process and the consumer group join, which
            # the passthrough, assigned rather than subscribed, does not wait for).
            running_rates.append(records / running if running else None)
            running_ratios.append(records / running / limit if running and limit else None)
            clients.append(cpu[0] if cpu else None)
            brokers.append(cpu[1] if cpu else None)
            cpu_ratios.append(cpu[0] / limit_client if cpu and cpu[0] is not None and limit_client else None)
        figures.append(Figure(f"jobstatusd {delivery}", rates, ratios if limits else None,
                              f"{seconds_range(totals)}, ready after {seconds_range(readies)}"))
        if known(running_rates):
            figures.append(Figure(f"  {delivery}, after READY", running_rates, running_ratios if limits else None,
                                  seconds_range([t - r if r else None for t, r in zip(totals, readies)])))
        if known(clients):
            cpu_figures.append((f"jobstatusd {delivery}, after READY", clients, brokers,
                                cpu_ratios if limit_cpu else None))


def restore_figures(args, broker, figures, workdir):
    """Fresh instances on the last round's exactly-once output, start to READY, and the monitor's
    first read, in --rounds rounds alternating with raw reads of the same partitions (R S R S ...
    R: each restore against the mean of the raw reads just before and after it), as the
    throughput rounds are: one raw read swung from 235k to 433k records/s in one afternoon."""
    log(f"restore: fresh instances on round {args.rounds}'s exactly-once output, {args.rounds} rounds")
    output, dlq = relay_topics("eo", args.rounds)
    group = f"bench-exactly-once-r{args.rounds}"
    render = settings(broker.bootstrap, group, "bench-in", output, dlq, "exactly-once", "bench-restore")

    def raw_read():
        out_records, out_seconds = passthrough(args.passthrough, "read", broker.bootstrap, output)
        dlq_records, dlq_seconds = passthrough(args.passthrough, "read", broker.bootstrap, dlq)
        both = (int(out_records) + int(dlq_records)) / (float(out_seconds) + float(dlq_seconds))
        return both, int(out_records) / float(out_seconds), int(out_records) + int(dlq_records)

    raws = [raw_read()]
    restores, readies, monitors = [], [], []
    for round_number in range(1, args.rounds + 1):
        log(f"restore round {round_number}/{args.rounds}")
        readies.append(time_to_ready(args.binary, workdir, render, args.timeout))
        monitors.append(first_read(args.binary, workdir, render, args.timeout))
        raws.append(raw_read())
    restored = raws[0][2]

    def around(index, which):
        return (raws[index][which] + raws[index + 1][which]) / 2

    figures.append(Figure("raw read of output + DLQ", [raw[0] for raw in raws], None,
                          f"{restored} records, {len(raws)} runs"))
    reads = [(restored / restoring if restoring else None) for _, restoring in readies]
    if all(reads):
        figures.append(Figure("restore (the read itself)", reads,
                              [read / around(i, 0) for i, read in enumerate(reads)],
                              f"{seconds_range([restoring for _, restoring in readies])}; x raw read"))
    figures.append(Figure("restore, start to READY", [restored / ready for ready, _ in readies],
                          [restored / ready / around(i, 0) for i, (ready, _) in enumerate(readies)],
                          f"{seconds_range([ready for ready, _ in readies])} (with the group join); x raw read"))
    # The monitor reads the output topic only (no DLQ, no group join): its rate against the raw
    # read of the output (issue 28: "at the speed of the restore").
    figures.append(Figure("monitor, first read to the end", [records / seconds for records, seconds in monitors],
                          [records / seconds / around(i, 1) for i, (records, seconds) in enumerate(monitors)],
                          f"{monitors[0][0]} records, {seconds_range([seconds for _, seconds in monitors])}; "
                          "x raw read of the output"))


def latency_phase(args, broker, workdir):
    """--rounds latency rounds, each a fresh instance on fresh topics fed the same records at the
    same rate; returns [(samples, {quantile: seconds})] per round."""
    records = os.path.join(workdir, "latency.records")
    count = int(args.latency_rate * args.latency_seconds)
    write_records(records, chaos.generate(count, 20000, seed=8)[:count])
    results = []
    for round_number in range(1, args.rounds + 1):
        log(f"latency round {round_number}/{args.rounds}: {args.latency_rate:.0f} events/s for "
            f"{args.latency_seconds:.0f}s")
        latencies = latency(f"latency-r{round_number}", args.binary, args.passthrough, workdir, broker.bootstrap,
                            latency_topics(round_number), args.latency_rate, args.latency_seconds, records)
        quantiles = {q: percentile(latencies, q) for q in QUANTILES}
        results.append((len(latencies), quantiles))
        log(f"   {len(latencies)} samples: " + ", ".join(f"{quantile_name(q)} {v * 1000:.0f} ms"
                                                        for q, v in quantiles.items()))
    return results


QUANTILES = (0.5, 0.99, 0.999)


def quantile_name(q):
    return "p" + str(q * 100).rstrip("0").rstrip(".")


# ---- the report ------------------------------------------------------------------------------

def report(args, records, figures, latency_rounds, workdir):
    print(f"\n== bench-e2e: {records} records, {args.partitions} partitions, broker {args.broker}, "
          f"{args.rounds} rounds ==")
    print("Medians over alternating rounds (P J P J ... P: each jobstatusd run against the mean of the "
          "passthrough runs just before and after it);\nmin..max is the spread of the per-round ratios. "
          "No figure is one round's.")
    print(f"{'what':34} {'events/s':>12} {'x limit':>8} {'min..max':>12}  notes")
    for figure in figures:
        rate = median(figure.rates)
        ratio = median(figure.ratios) if figure.ratios else None
        present = known(figure.ratios or [])
        ratio_text = f"{ratio:8.2f}" if ratio is not None else " " * 8
        range_text = (f"{min(present):.2f}..{max(present):.2f}" if present
                      and not figure.name.startswith("passthrough") else "")
        notes = figure.notes
        print(f"{figure.name:34} {fmt(rate, 12, 0, True)} {ratio_text} {range_text:>12}  {notes}")
        print(json.dumps({"bench": figure.name, "rounds": len(figure.rates),
                          "events_per_s": spread(figure.rates, 0),
                          "ratio": spread(figure.ratios, 3) if figure.ratios else None,
                          "records": records, "broker": args.broker}))
    if latency_rounds:
        samples = [n for n, _ in latency_rounds]
        by_quantile = {q: [quantiles[q] * 1000 for _, quantiles in latency_rounds] for q in QUANTILES}
        print(f"\nlatency at {args.latency_rate:.0f} events/s for {args.latency_seconds:.0f}s, "
              f"{len(latency_rounds)} rounds ({min(samples)}..{max(samples)} records each): median (min..max)")
        for q, values in by_quantile.items():
            present = known(values)
            text = (f"{statistics.median(present):8.0f} ms  ({min(present):.0f}..{max(present):.0f})"
                    if present else "       - (no samples)")
            print(f"  {quantile_name(q):6} {text}")
        print(json.dumps({"bench": "latency", "rate": args.latency_rate, "rounds": len(latency_rounds),
                          "samples": samples,
                          **{f"{quantile_name(q).replace('.', '')}_ms": spread(values, 1)
                             for q, values in by_quantile.items()},
                          "broker": args.broker}))
    log(f"logs in {workdir}")


def report_cpu(args, records, cpu_figures):
    """CPU microseconds per record, the client's and the broker's, from the same spans as the
    rates above (jobstatusd after READY), medians over the rounds. When the client and the broker
    share the cores, the rates are bound by their sum; the ratio of the client's figure to the
    passthrough's (per round, against the two adjacent passthrough runs) says how much more work
    per record jobstatusd does than a bare copy."""
    if not cpu_figures:
        return
    print(f"\nCPU per record (microseconds), medians over {args.rounds} rounds")
    print(f"{'':34} {'client':>12} {'x limit':>8} {'min..max':>12} {'broker':>8}")
    for name, clients, brokers, ratios in cpu_figures:
        client_us = [c / records * 1e6 if c is not None else None for c in clients]
        broker_us = [b / records * 1e6 if b is not None else None for b in brokers]
        present = known(ratios or [])
        range_text = f"{min(present):.2f}..{max(present):.2f}" if present and not name.startswith("passthrough") else ""
        print(f"{name:34} {fmt(median(client_us), 12, 2)} {fmt(median(ratios or []), 8, 2)} {range_text:>12} "
              f"{fmt(median(broker_us), 8, 2)}")
        print(json.dumps({"bench": f"cpu: {name}", "rounds": len(clients),
                          "client_us_per_record": spread(client_us), "broker_us_per_record": spread(broker_us),
                          "client_ratio": spread(ratios) if ratios else None, "records": records}))


def fmt(value, width, places, grouped=False):
    if value is None:
        return " " * (width - 1) + "-"
    return f"{value:{width},.{places}f}" if grouped else f"{value:{width}.{places}f}"


if __name__ == "__main__":
    main()
