#!/usr/bin/env python3
"""Chaos run for jobstatusd: kills, restarts, rebalances and broker faults while
events stream in, then an independent read_committed check of the output and the
DLQ against a reference model. Loopback only, bounded in time. See scripts/chaos.

The reference model is written here, in Python, apart from the Swift code: per job
(all of a job's events sit in one input partition, keyed by job_id with the Java
client's murmur2), in partition order, DESIGN.md section 2:
  - exact duplicate of what was last published: dropped
  - anything after a terminal status: dropped
  - a lower lifecycle rank than the last published: dropped (stale)
  - otherwise published.
Canonical bytes (RFC 8785) of the generated events equal Python's
json.dumps(sort_keys=True, separators=(",", ":")): members are ASCII, numbers are
integers or short binary fractions (0.25), whose shortest forms agree.

--unkeyed (input.keying: any, issue 24; exactly-once only): producers do not key by
job_id. Each record goes to an input partition picked at random, with a null key (1 in 3)
or a key of the producer's own, and leaves the producer up to 2 x --jobs records late, so a
job's events reach the daemon from several partitions in another order than they were
generated. The daemon re-keys them through <group>-repartition and orders each job by the
event's "seq" member (dedup.ordering: field, order-field seq, order-missing dead-letter):
1, 2, 3, ... in the order the job's events were generated, a retried send repeating its
event's seq. Under reordering which intermediate steps get published depends on arrival,
so the model holds only what does not (docs/delivery.md, "Which rules stay exact"), per job:
  - lost: the job's last output record is not its highest-seq event, nor a terminal event
    (terminal states stay final under field ordering: a terminal status that arrives
    before a later heartbeat keeps the job finished);
  - duplicated: the same bytes published twice for the job;
  - wrong: a record that is not one of the job's events, goes back in seq (not strictly
    above the one before it), or follows a terminal record; "out of order" is not judged.
Invalid records include some that decode but lack seq or carry it as a string: the relay
stage dead-letters those, with source headers naming <group>-repartition and
jobstatusd.origin.* naming the input record; the first stage dead-letters the rest with
their input coordinates. Each must be in the DLQ exactly once, by its input coordinates.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

RANKS = {"INITIALIZING": 0, "QUEUED": 1, "VALIDATING": 1, "RUNNING": 2, "DONE": 3, "CANCELLED": 3, "ERROR": 3}
TERMINAL = {"DONE", "CANCELLED", "ERROR"}
INVALID_KINDS = ["not json", "missing", "unknown status", "not an object", "bad utf8"]
# --unkeyed: also no job_id (the first stage cannot re-key it), and events that decode but whose
# order field is missing or not an integer (the relay stage dead-letters them).
UNKEYED_INVALID_KINDS = INVALID_KINDS + ["no job_id", "no seq", "seq not a number"]
ORDER_FIELD = "seq"


def log(message):
    print(f"[chaos {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---- the stream and its model ------------------------------------------------------

def canonical(event):
    obj = dict(event)
    obj["status"] = obj["status"].strip().upper()
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def spelled(event, rng):
    """The same event as a producer might send it: other member order, spacing, status case."""
    items = list(event.items())
    rng.shuffle(items)
    obj = dict(items)
    status = obj["status"]
    obj["status"] = rng.choice([status, status.lower(), " " + status.title() + " "])
    separators = rng.choice([(",", ":"), (", ", ": ")])
    return json.dumps(obj, separators=separators).encode()


def lifecycle(job, rng, size, ordered=False):
    """A job's events as its producer sends them; `ordered` (--unkeyed) stamps each with its
    place in the job's life (ORDER_FIELD, from 1), which a retried send repeats."""
    steps = [("INITIALIZING", "job is being initialized", {}),
             ("QUEUED", "job is queued", {"queue_position": rng.randrange(50)}),
             ("VALIDATING", "job is being validated", {}),
             ("RUNNING", "job is actively running", {"progress": 0.25}),
             ("RUNNING", "job is actively running", {"progress": 0.75})]
    terminal = rng.choice(["DONE", "ERROR", "CANCELLED"])
    steps.append((terminal, f"job has finished: {terminal.lower()}", {"shots": 1024}))
    if rng.random() < 0.3:
        steps.pop(0)
    events = []
    for seq, (status, message, extra) in enumerate(steps, 1):
        event = {"job_id": job, "status": status, "status_msg": message, "backend": "ibm_brisbane",
                 "meta": {"attempt": 1, "tags": ["a", "b"]}, **extra}
        if ordered:
            event[ORDER_FIELD] = seq
        events.append(event)
        if rng.random() < 0.25:  # a retried send
            events.append(dict(event))
    if len(events) > 2 and rng.random() < 0.3:  # a late event: swap two neighbours
        i = rng.randrange(len(events) - 1)
        events[i], events[i + 1] = events[i + 1], events[i]
    if rng.random() < 0.15:  # a heartbeat after the end
        heartbeat = {"job_id": job, "status": "RUNNING", "status_msg": "late heartbeat", "backend": "ibm_brisbane"}
        if ordered:  # stamped after the terminal event: whichever arrives first wins (terminal is final)
            heartbeat[ORDER_FIELD] = len(steps) + 1
        events.append(heartbeat)
    while len(events) < size:  # more noise: late retries of earlier events (stale, duplicate, after the end)
        events.append(dict(rng.choice(events)))
    return events


def invalid_record(job, rng, kinds=INVALID_KINDS):
    kind = rng.choice(kinds)
    if kind == "not json":
        return b"{not json"
    if kind == "missing":
        return json.dumps({"job_id": job, "status": "RUNNING"}).encode()
    if kind == "unknown status":
        return json.dumps({"job_id": job, "status": "PAUSED", "status_msg": "x"}).encode()
    if kind == "not an object":
        return b"[1,2,3]"
    if kind == "no job_id":
        return json.dumps({"status": "RUNNING", "status_msg": "x", ORDER_FIELD: 1}).encode()
    if kind == "no seq":
        return json.dumps({"job_id": job, "status": "RUNNING", "status_msg": "no order"}).encode()
    if kind == "seq not a number":
        return json.dumps({"job_id": job, "status": "RUNNING", "status_msg": "x", ORDER_FIELD: "7"}).encode()
    return b'{"job_id": "\xff\xfe", "status": "QUEUED", "status_msg": "x"}'


def generate(events_wanted, jobs, seed, ordered=False):
    """Returns [(job_id, value bytes, canonical or None)] interleaved, each job's order kept; the
    job_id is the record's key unless --unkeyed (`ordered`: events carry ORDER_FIELD, see scatter)."""
    rng = random.Random(seed)
    kinds = UNKEYED_INVALID_KINDS if ordered else INVALID_KINDS
    per_job = []
    for index in range(jobs):
        job = f"job-{seed}-{index}-{rng.randrange(10**6)}"
        size = rng.randint(1, max(1, 2 * events_wanted // jobs - 6)) + 5
        records = [(job, spelled(e, rng), canonical(e)) for e in lifecycle(job, rng, size, ordered)]
        per_job.append(records)
    stream = []
    cursors = [0] * len(per_job)
    live = list(range(len(per_job)))
    while live and len(stream) < events_wanted:
        slot = rng.randrange(len(live))
        job_index = live[slot]
        records = per_job[job_index]
        stream.append(records[cursors[job_index]])
        cursors[job_index] += 1
        if cursors[job_index] == len(records):
            live[slot] = live[-1]
            live.pop()
        if rng.random() < 0.01:  # about 1% invalid records
            key = records[0][0]
            stream.append((key, invalid_record(key, rng, kinds), None))
    return stream


def scatter(stream, partitions, lateness, seed):
    """--unkeyed: the stream as producers that do not key by job_id send it. Each record leaves up
    to `lateness` records late, to an input partition picked at random, with a null key (1 in 3) or
    a key of the producer's own (a producer id, or a session hash). Returns the records in their
    new order and, for each, (key or None, partition)."""
    rng = random.Random(f"unkeyed-{seed}")
    order = sorted(range(len(stream)), key=lambda index: index + rng.uniform(0, lateness))
    sends = []
    for _ in order:
        roll = rng.random()
        if roll < 1 / 3:
            key = None
        elif roll < 2 / 3:
            key = f"producer-{rng.randrange(8)}"
        else:
            key = f"session-{rng.getrandbits(64):016x}"
        sends.append((key, rng.randrange(partitions)))
    return [stream[index] for index in order], sends


def model(stream):
    """Per job, the canonical records the output must hold, in order."""
    last = {}
    expected = {}
    for job, _, record in stream:
        if record is None:
            continue
        status = json.loads(record)["status"]
        previous = last.get(job)
        if previous is not None:
            prev_record, prev_status = previous
            if prev_record == record or prev_status in TERMINAL or RANKS[status] < RANKS[prev_status]:
                continue
        last[job] = (record, status)
        expected.setdefault(job, []).append(record)
    return expected


def unkeyed_model(stream):
    """--unkeyed: per job, what does not depend on arrival order. `events`: each valid event's
    canonical bytes -> (seq, status); `finals`: the records the job may end at, its highest-seq
    event or a terminal one (a terminal status published before it stays final)."""
    events = {}
    for job, _, record in stream:
        if record is not None:
            event = json.loads(record)
            events.setdefault(job, {})[record] = (event[ORDER_FIELD], event["status"])
    expected = {}
    for job, known in events.items():
        highest = max(known, key=lambda record: known[record][0])
        finals = {highest} | {record for record, (_, status) in known.items() if status in TERMINAL}
        expected[job] = {"events": known, "finals": finals}
    return expected


# ---- brokers -------------------------------------------------------------------------

class MockBroker:
    """jobstatusd mock-broker in its own process, so it outlives the daemons."""

    def __init__(self, binary, topics, workdir):
        ready = os.path.join(workdir, "mock.ready")
        args = [binary, "mock-broker", "--ready-file", ready] + [f"--topic={t}:{p}" for t, p in topics]
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=open(os.path.join(workdir, "mock.log"), "w"), text=True)
        self.bootstrap = self.process.stdout.readline().strip()
        if not self.bootstrap:
            sys.exit("the mock broker did not start; see mock.log")
        self.lock = threading.Lock()

    def command(self, line):
        with self.lock:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
            return self.process.stdout.readline().strip()

    def stop(self):
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class ExternalBroker:
    def __init__(self, bootstrap, topics):
        self.bootstrap = bootstrap
        admin = AdminClient({"bootstrap.servers": bootstrap})
        futures = admin.create_topics([NewTopic(t, p, 1) for t, p in topics if not t.endswith("-latest")])
        for future in futures.values():
            future.result(20)

    def command(self, line):
        return "error: fault injection needs the mock broker"

    def stop(self):
        pass


# ---- the daemon ----------------------------------------------------------------------

# How an instance may end when stopped (docs/operations.md, "Exit statuses"): SIGKILL kills it,
# SIGTERM drains it and it exits 0. An instance that ends when nobody stopped it is never
# expected to, unless the fault under way says so (Daemon.tolerated): 1 is "a failure a restart
# may cure", and a restart must not hide it.
EXPECTED_EXITS = {signal.SIGKILL: {-signal.SIGKILL}, signal.SIGTERM: {0}}


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Daemon:
    """One jobstatusd instance, restartable, with its own transaction.id and HTTP port."""

    def __init__(self, name, binary, workdir, settings):
        self.name = name
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.config = os.path.join(workdir, f"{name}.yaml")
        with open(self.config, "w") as handle:
            handle.write(settings(name, self.port))
        self.process = None
        self.starts = 0
        self.exits = []
        # Exits that were not what stopping the instance (or the fault under way) leads to.
        self.unexpected = []
        # Statuses the fault under way allows besides those of EXPECTED_EXITS, even with no signal.
        self.tolerated = set()
        self.accounted = True  # whether the current process's exit has been judged

    @property
    def log_path(self):
        return os.path.join(self.workdir, f"{self.name}.log")

    def start(self):
        self.reap("before a restart")
        self.accounted = False
        self.starts += 1
        stderr = open(os.path.join(self.workdir, f"{self.name}.log"), "a")
        stderr.write(f"\n===== start {self.starts} =====\n")
        stderr.flush()
        # Only the config file speaks: JOBSTATUSD_* from the caller's environment would be settings too.
        environment = {k: v for k, v in os.environ.items() if not k.startswith("JOBSTATUSD_")}
        self.process = subprocess.Popen([self.binary, "run", "--config", self.config],
                                        stdout=subprocess.DEVNULL, stderr=stderr, env=environment)

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def send(self, number):
        if self.running:
            self.process.send_signal(number)

    def stop(self, number=signal.SIGTERM, timeout=60):
        name = signal.Signals(number).name
        if not self.running:
            self.reap(f"before the {name} meant for it")
            return None
        # A SIGTERM in the daemon's first milliseconds, before it handles signals (it has not
        # logged its start yet), ends it as the signal's default does: nothing was under way,
        # and systemd counts a death by SIGTERM as a clean stop. Anything later must drain.
        early = number == signal.SIGTERM and not self.logged_since_start("relay started")
        self.process.send_signal(number)
        how = f"on {name}"
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
            how = f"on {name}, killed after not stopping within {timeout}s"
        self.judge(code, how, EXPECTED_EXITS[number] | self.tolerated | ({-signal.SIGTERM} if early else set()))
        return code

    def logged_since_start(self, text):
        """Whether this start's part of the instance's log holds `text`."""
        try:
            with open(self.log_path, errors="replace") as handle:
                return text in handle.read().rsplit(f"===== start {self.starts} =====", 1)[-1]
        except OSError:
            return False

    def reap(self, when):
        """Judges the exit of a process that ended with nobody stopping it: its status unless the
        fault under way tolerates it. Returns the status, or None if it was judged or is running."""
        if self.accounted or self.process is None or self.process.poll() is None:
            return None
        code = self.process.returncode
        self.judge(code, f"on its own ({when})", self.tolerated)
        return code

    def judge(self, code, how, expected):
        self.accounted = True
        self.exits.append(code)
        if code in expected:
            return
        allowed = " or ".join(str(c) for c in sorted(expected)) or "no exit"
        message = f"{self.name} (start {self.starts}) exited with status {code} {how}, expected {allowed}; " \
                  f"see {self.log_path}"
        self.unexpected.append(message)
        log(f"UNEXPECTED EXIT: {message}")

    def ready(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def wait_ready(self, timeout):
        """Until /readyz answers 200 (joined, restored, running); False after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready():
                return True
            if not self.running:
                return False
            time.sleep(0.2)
        return False

    def metrics(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=2) as response:
                return response.read().decode()
        except OSError:
            return ""

    def assigned_partitions(self):
        for line in self.metrics().splitlines():
            if line.startswith("jobstatusd_assigned_partitions "):
                return int(float(line.rsplit(" ", 1)[1]))
        return 0

    def committed_offsets(self):
        """{(topic, partition): next offset} this instance committed (with --unkeyed, both stages')."""
        offsets = {}
        for line in self.metrics().splitlines():
            if line.startswith("jobstatusd_input_committed_offset{"):
                labels, value = line.rsplit(" ", 1)
                topic = labels.split('topic="')[1].split('"')[0]
                partition = int(labels.split('partition="')[1].split('"')[0])
                offsets[(topic, partition)] = int(float(value))
        return offsets


# ---- producing -----------------------------------------------------------------------

class StreamProducer(threading.Thread):
    """Produces the stream at `rate`, keyed by job_id (murmur2) or, with `sends` (--unkeyed), with
    each record's own key (or none) to its own partition; notes where each record landed."""

    def __init__(self, bootstrap, topic, stream, rate, sends=None):
        super().__init__(daemon=True)
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5,
                                  "partitioner": "murmur2_random", "enable.idempotence": True})
        self.topic = topic
        self.stream = stream
        self.rate = rate
        self.sends = sends
        self.coordinates = [None] * len(stream)
        self.unknown = []  # delivered without an offset in the report
        self.failures = 0
        self.done = threading.Event()

    def run(self):
        started = time.monotonic()
        for index, (key, value, _) in enumerate(self.stream):
            def report(error, message, index=index):
                if error:
                    self.failures += 1
                elif message.offset() is None or message.offset() < 0:
                    # Delivered, offset unknown: librdkafka's idempotent producer reports a
                    # retried request the broker had already written (a duplicate sequence)
                    # as delivered, without an offset. resolve_unknown() finds it in the topic.
                    self.unknown.append(index)
                else:
                    self.coordinates[index] = (message.partition(), message.offset())
            placement = {"key": key.encode()}
            if self.sends is not None:
                own, partition = self.sends[index]
                placement = {"key": own.encode() if own is not None else None, "partition": partition}
            while True:
                try:
                    self.producer.produce(self.topic, value=value, on_delivery=report, **placement)
                    break
                except BufferError:
                    self.producer.poll(0.05)
            self.producer.poll(0)
            ahead = (index + 1) / self.rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
        left = self.producer.flush(60)
        if left:
            self.failures += left
        self.producer = None  # closed now, not when the broker is already gone
        self.done.set()

    def resolve_unknown(self, bootstrap):
        """The coordinates of records delivered without an offset, read back from the topic:
        each unknown one takes, in stream order, a copy of its value that no known one holds."""
        if not self.unknown:
            return
        log(f"{len(self.unknown)} input records were delivered without an offset; finding them in {self.topic}")
        places = {}
        for message in sorted(read_topic(bootstrap, self.topic, 120), key=lambda m: (m.partition(), m.offset())):
            places.setdefault(message.value(), []).append((message.partition(), message.offset()))
        known = {c for c in self.coordinates if c is not None}
        for index in sorted(self.unknown):
            value = self.stream[index][1]
            value = value.encode() if isinstance(value, str) else value
            free = [c for c in places.get(value, []) if c not in known]
            if not free:
                sys.exit(f"input record {index} was reported delivered but is not in {self.topic}")
            self.coordinates[index] = free[0]
            known.add(free[0])
        self.unknown = []


# ---- checking ------------------------------------------------------------------------

def read_topic(bootstrap, topic, timeout):
    """Every record of `topic`, read_committed, up to the end reported by partition EOF."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"chaos-check-{time.time()}",
                         "isolation.level": "read_committed", "enable.auto.commit": False,
                         "enable.partition.eof": True, "auto.offset.reset": "earliest"})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
    remaining = set(partitions)
    records = []
    deadline = time.monotonic() + timeout
    while remaining and time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is None:
            continue
        if message.error():
            if message.error().code() == KafkaError._PARTITION_EOF:
                remaining.discard(message.partition())
            continue
        records.append(message)
    consumer.close()
    if remaining:
        raise RuntimeError(f"{topic}: partitions {sorted(remaining)} not read to their end")
    return records


def header(message, name):
    """The current value of header `name` (the last of that name), or None."""
    values = [v for k, v in (message.headers() or []) if k == name]
    return (values[-1] or b"").decode() if values else None


def coordinates_of(message, prefix):
    """(topic, partition, offset) from headers `prefix`.topic, .partition, .offset, or None."""
    topic, partition, offset = (header(message, f"{prefix}.{name}") for name in ("topic", "partition", "offset"))
    if topic is None or partition is None or offset is None:
        return None
    return topic, int(partition), int(offset)


def source_of(message):
    return coordinates_of(message, "jobstatusd.source")


def origin_of(message):
    """--unkeyed: the input record a record of the relay stage was made from."""
    return coordinates_of(message, "jobstatusd.origin")


def schema_violations(output, letters):
    """Every output value and every dead letter's headers against schemas/ (the downstream contract)."""
    import jsonschema
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schemas")
    record_schema = json.load(open(os.path.join(root, "job-status.schema.json")))
    letter_schema = json.load(open(os.path.join(root, "dead-letter.schema.json")))
    records = jsonschema.Draft202012Validator(record_schema)
    headers = jsonschema.Draft202012Validator(letter_schema)
    violations = []
    for message in output:
        if message.value() is None:
            continue
        value = json.loads(message.value())
        errors = [e.message for e in records.iter_errors(value)]
        if value.get("job_id", "").encode() != message.key():
            errors.append("job_id differs from the record key")
        if errors:
            violations.append(f"output {message.partition()}@{message.offset()}: {errors[0]}")
    for message in letters:
        named = {}
        for name, value in message.headers() or []:
            named[name] = (value or b"").decode()
        errors = [e.message for e in headers.iter_errors(named)]
        if errors:
            violations.append(f"dlq {message.partition()}@{message.offset()}: {errors[0]}")
    return violations


def check(bootstrap, args, stream, coordinates, expected):
    output = read_topic(bootstrap, args.output, 120)
    letters = read_topic(bootstrap, args.dlq, 120)
    violations = schema_violations(output, letters)
    judge = unkeyed_output_figures if args.unkeyed else output_figures
    (lost, duplicated, wrong, out_of_order), examples = judge(output, stream, coordinates, expected)
    invalid_sources = {(args.input,) + coordinates[i] for i, (_, _, c) in enumerate(stream) if c is None}
    located = [letter_input(m, args) for m in letters]
    letter_sources = [where for where, _ in located]
    dlq_missing = len(invalid_sources - set(letter_sources))
    dlq_duplicated = len(letter_sources) - len(set(letter_sources))
    # Not an invalid input record's, or one's but named as the stage that wrote it must not (--unkeyed).
    dlq_wrong = len(set(letter_sources) - invalid_sources) + \
        sum(1 for where, named in located if not named and where in invalid_sources)
    examples += dead_letter_examples(letters, letter_sources, invalid_sources, stream, coordinates, args)
    figures = {
        "input": len(stream), "jobs": len(expected),
        "expected": len(expected) if args.unkeyed else sum(len(v) for v in expected.values()),
        "output": len(output), "lost": lost, "duplicated": duplicated, "wrong": wrong,
        "out_of_order": out_of_order, "invalid": len(invalid_sources), "dlq": len(letters),
        "dlq_missing": dlq_missing, "dlq_duplicated": dlq_duplicated, "dlq_wrong": dlq_wrong,
        "schema_violations": len(violations),
    }
    examples += violations[:3]
    return figures, examples


def output_figures(output, stream, coordinates, expected):
    """Per job, the output against the model's sequence: (lost, duplicated, wrong, out of order)."""
    seen = {}
    placed = {}  # job -> [(status, output partition@offset, source offset)], for the examples
    for message in sorted(output, key=lambda m: (m.partition(), m.offset())):
        job = message.key().decode()
        seen.setdefault(job, []).append(message.value().decode())
        source = source_of(message)
        placed.setdefault(job, []).append(
            (json.loads(message.value())["status"], f"{message.partition()}@{message.offset()}",
             source[2] if source else None))
    inputs = {}  # (job, record) -> input partition@offset of each copy of it
    for index, (job, _, record) in enumerate(stream):
        if record is not None and coordinates[index] is not None:
            inputs.setdefault((job, record), []).append("%d@%d" % coordinates[index])
    lost = duplicated = wrong = out_of_order = 0
    examples = []
    for job in set(expected) | set(seen):
        want = expected.get(job, [])
        got = seen.get(job, [])
        if want == got:
            continue
        remaining = list(got)
        for record in want:
            if record in remaining:
                remaining.remove(record)
            else:
                lost += 1
        for record in remaining:
            if record in want:
                duplicated += 1
            else:
                wrong += 1
        unique = []
        for record in got:
            if record not in unique:
                unique.append(record)
        if [r for r in unique if r in want] != [r for r in want if r in unique]:
            out_of_order += 1
        if len(examples) < 3:
            examples.append(f"{job}: got {[json.loads(r)['status'] for r in got]} "
                            f"expected {[json.loads(r)['status'] for r in want]}")
            # Where each copy landed, and where each expected record came from: enough to find
            # the instance and the moment in the daemons' logs.
            examples.append(f"    output (status, partition@offset, source offset): {placed.get(job, [])}")
            examples.append(f"    expected, input partition@offset: "
                            f"{[(json.loads(r)['status'], inputs.get((job, r), [])) for r in want]}")
    return (lost, duplicated, wrong, out_of_order), examples


def unkeyed_output_figures(output, stream, coordinates, expected):
    """--unkeyed: per job, what holds in any arrival order (unkeyed_model): (lost, duplicated,
    wrong, 0). Lost: a job that does not end at one of its finals. Duplicated: a record published
    again. Wrong: a record that is not the job's, is not above the one before it in seq, or
    follows a terminal record."""
    seen = {}
    placed = {}  # job -> [(status, seq, output partition@offset, input partition@offset)], for the examples
    for message in sorted(output, key=lambda m: (m.partition(), m.offset())):
        job = message.key().decode()
        record = message.value().decode()
        seen.setdefault(job, []).append(record)
        event, origin = json.loads(record), origin_of(message)
        placed.setdefault(job, []).append(
            (event["status"], event.get(ORDER_FIELD), f"{message.partition()}@{message.offset()}",
             "%d@%d" % origin[1:] if origin else None))
    inputs = {}  # (job, record) -> input partition@offset of each copy of it
    for index, (job, _, record) in enumerate(stream):
        if record is not None and coordinates[index] is not None:
            inputs.setdefault((job, record), []).append("%d@%d" % coordinates[index])
    lost = duplicated = wrong = 0
    examples = []
    for job in set(expected) | set(seen):
        model = expected.get(job, {"events": {}, "finals": set()})
        known, got = model["events"], seen.get(job, [])
        faults = 0
        if model["finals"] and (not got or got[-1] not in model["finals"]):
            lost += 1
            faults += 1
        published, previous = set(), None  # previous: (seq, status) of the record before
        for record in got:
            if record in published:
                duplicated += 1
                faults += 1
            elif record not in known or (previous is not None and
                                         (previous[1] in TERMINAL or known[record][0] <= previous[0])):
                wrong += 1
                faults += 1
            published.add(record)
            previous = known.get(record, previous)
        if faults and len(examples) < 9:
            examples.append(f"{job}: got {[(json.loads(r)['status'], json.loads(r).get(ORDER_FIELD)) for r in got]} "
                            f"should end at one of {sorted(known[r][::-1] for r in model['finals'])}")
            examples.append(f"    output (status, seq, partition@offset, input partition@offset): "
                            f"{placed.get(job, [])}")
            examples.append(f"    events (status, seq, input partition@offset): "
                            f"{sorted((s, q, inputs.get((job, r), [])) for r, (q, s) in known.items())}")
    return (lost, duplicated, wrong, 0), examples


def letter_input(message, args):
    """The input coordinates a dead letter names, and whether its headers name them as the stage
    that wrote it must: the relay's (keyed) and the first stage's (--unkeyed) as source; with
    --unkeyed the relay stage's name <group>-repartition as source and the input as origin."""
    source = source_of(message)
    if not args.unkeyed:
        return source, True
    origin = origin_of(message)
    if origin is None:
        return source, source is not None and source[0] == args.input
    return origin, source is not None and source[0] == args.repartition and origin[0] == args.input


def dead_letter_examples(letters, letter_sources, invalid_sources, stream, coordinates, args):
    """Up to 3 input records dead-lettered twice and 3 missing, with reasons and sources."""
    examples = []
    copies = {}
    for message, where in zip(letters, letter_sources):
        copies.setdefault(where, []).append(message)
    for where, messages in copies.items():
        if len(messages) > 1 and len(examples) < 3:
            examples.append(f"dlq: input {where} dead-lettered {len(messages)} times: " + ", ".join(
                f"{header(m, 'jobstatusd.error.reason')} from {source_of(m)} at dlq "
                f"{m.partition()}@{m.offset()}" for m in messages))
    values = {(args.input,) + coordinates[i]: value for i, (_, value, c) in enumerate(stream) if c is None}
    for where in sorted(invalid_sources - set(copies))[:3]:
        examples.append(f"dlq: input {where} missing: {values[where][:80]!r}")
    return examples


# ---- the run -------------------------------------------------------------------------

def settings_for(args, bootstrap):
    # --unkeyed: the first stage re-keys the input; the relay orders each job by ORDER_FIELD.
    keying = '\n  keying: "any"' if args.unkeyed else ""
    ordering = f"""dedup:
  ordering: "field"
  order-field: "{ORDER_FIELD}"
  order-type: "integer"
  order-missing: "dead-letter"
""" if args.unkeyed else ""

    def settings(name, port):
        strategy = "cooperative-sticky" if args.assignment == "cooperative" else "range,roundrobin"
        return f"""kafka:
  bootstrap.servers: "{bootstrap}"
  session.timeout.ms: "6000"
  heartbeat.interval.ms: "1000"
  partition.assignment.strategy: "{strategy}"
input:
  topics: ["{args.input}"]
  group: "{args.group}"{keying}
output:
  topic: "{args.output}"
  partitions: {args.output_partitions}
  replication: 1
dlq:
  topic: "{args.dlq}"
delivery: "{args.delivery}"
transaction:
  id: "chaos-{args.seed}-{name}"
http:
  listen: "127.0.0.1:{port}"
log:
  level: "info"
{ordering}"""
    return settings


def plan(args, rng):
    """The faults, in a random order: kills, SIGTERMs, mock faults, and episodes of a second
    member joining and leaving (by SIGTERM, SIGKILL, or as a SIGSTOPped zombie)."""
    actions = ["kill"] * args.kills + ["term"] * args.terms + ["fault"] * args.faults
    rng.shuffle(actions)
    leaves = ["pair-term", "pair-kill"] * args.pair + (["zombie"] if args.zombie else [])
    for leave in leaves:
        join_at = rng.randrange(len(actions) + 1)
        actions.insert(join_at, "pair-join")
        actions.insert(rng.randrange(join_at + 1, len(actions) + 1), leave)
    return actions


FAULTS = [
    ["errors 0 6 3"],                      # Produce: NOT_LEADER_FOR_PARTITION x3 (retried)
    ["errors 0 7 2"],                      # Produce: REQUEST_TIMED_OUT x2 (retried)
    ["errors 26 51 2"],                    # EndTxn: CONCURRENT_TRANSACTIONS x2 (retried)
    ["errors 24 29 1"],                    # AddPartitionsToTxn: TOPIC_AUTHORIZATION_FAILED (abort)
    ["down 2", "sleep 1.5", "up 2"],       # a broker outage
]


def inject_fault(broker, rng):
    for step in rng.choice(FAULTS):
        if step.startswith("sleep"):
            time.sleep(float(step.split()[1]))
        else:
            answer = broker.command(step)
            log(f"fault: {step} -> {answer}")


def wait_settled(members, partitions, timeout):
    """Until every running member is ready and together they own every input partition for 2 s
    on end: the group's rebalance is over. False after `timeout`."""
    deadline = time.monotonic() + timeout
    since = None
    while time.monotonic() < deadline:
        running = [m for m in members if m.running]
        settled = bool(running) and all(m.ready() for m in running) and \
            sum(m.assigned_partitions() for m in running) == partitions
        if not settled:
            since = None
        elif since is None:
            since = time.monotonic()
        elif time.monotonic() - since >= 2:
            return True
        time.sleep(0.2)
    return False


def wait_until_done(daemons, ends, bootstrap, args, deadline):
    """Until the running instances (or the group) have committed every input partition's end;
    with --unkeyed, then the relay stage every end of the repartition topic as well, until that
    topic stops growing (the first stage of a restarted instance may write it again)."""
    while True:
        if not wait_committed(daemons, args.input, ends, bootstrap, args.group, deadline):
            return False
        if not args.unkeyed:
            return True
        marks = high_watermarks(bootstrap, args.repartition)
        written = {}
        for message in read_topic(bootstrap, args.repartition, max(1, deadline - time.monotonic())):
            written[message.partition()] = max(written.get(message.partition(), 0), message.offset() + 1)
        if not wait_committed(daemons, args.repartition, written, bootstrap, args.repartition, deadline):
            return False
        if high_watermarks(bootstrap, args.repartition) == marks:
            return True
        log("the repartition topic grew meanwhile; waiting again")


def high_watermarks(bootstrap, topic):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"chaos-marks-{time.time()}"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
    finally:
        consumer.close()


def wait_committed(daemons, topic, ends, bootstrap, group, deadline):
    """Until the running instances (or `group`) have committed `ends` of `topic`; restarts an
    instance that exited."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    partitions = [TopicPartition(topic, p) for p in ends]
    try:
        while time.monotonic() < deadline:
            mine = {}
            for daemon in daemons:
                if not daemon.running:
                    code = daemon.reap("while the relay caught up")
                    if code == 2:
                        sys.exit(f"{daemon.name} exited 2 (configuration error); see {daemon.log_path}")
                    log(f"{daemon.name} exited with {code}; restarting (the run fails for it)")
                    daemon.start()
                for (named, partition), offset in daemon.committed_offsets().items():
                    if named == topic:
                        mine[partition] = max(mine.get(partition, -1), offset)
            try:
                committed = {tp.partition: tp.offset for tp in consumer.committed(partitions, timeout=5)}
            except Exception:  # noqa: BLE001 - the broker may be busy; ask again
                committed = {}
            done = all(max(mine.get(p, -1), committed.get(p, -1)) >= end for p, end in ends.items())
            if done:
                return True
            time.sleep(1)
        return False
    finally:
        consumer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--broker", choices=["mock", "tansu", "external"], default="mock")
    parser.add_argument("--bootstrap", help="the broker for --broker tansu/external")
    parser.add_argument("--delivery", choices=["exactly-once", "at-least-once"], default="exactly-once")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--output-partitions", type=int, default=0,
                        help="output (and DLQ) partitions; another count than --partitions is an unaligned fleet "
                             "(every instance restores every output partition). Default: --partitions")
    parser.add_argument("--standby", type=int, default=0,
                        help="more instances that run from start to end beside a (and b): with fewer input "
                             "partitions than instances, some stand by and take over as a is killed")
    parser.add_argument("--rate", type=float, default=4000, help="input events per second")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--terms", type=int, default=3)
    parser.add_argument("--pair", type=int, default=1, help="rounds of a second instance joining and leaving")
    parser.add_argument("--assignment", choices=["eager", "cooperative"], default="eager")
    parser.add_argument("--zombie", action="store_true", help="SIGSTOP a member past its session (report only)")
    parser.add_argument("--unkeyed", action="store_true",
                        help="input not keyed by job_id (input.keying: any, dedup.ordering: field on \"seq\"): "
                             "null and foreign keys, random partitions, events late; exactly-once only")
    parser.add_argument("--faults", type=int, default=-1, help="mock broker faults (default: 5 on the mock)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for the whole run")
    parser.add_argument("--workdir")
    args = parser.parse_args()
    if args.unkeyed and args.delivery != "exactly-once":
        parser.error("--unkeyed needs --delivery exactly-once: jobstatusd refuses input.keying: any at least "
                     "once (a retried batch would write the repartition topic twice)")
    args.output_partitions = args.output_partitions or args.partitions
    if args.faults < 0:
        args.faults = 5 if args.broker == "mock" else 0
    if args.faults and args.broker != "mock":
        sys.exit("--faults needs --broker mock")
    deadline = time.monotonic() + args.timeout
    rng = random.Random(args.seed)
    workdir = args.workdir or tempfile.mkdtemp(prefix="jobstatusd-chaos-")
    suffix = f"{args.seed}-{int(time.time() * 1000) % 10**8}"
    args.input, args.output, args.dlq = f"chaos-in-{suffix}", f"chaos-in-{suffix}-latest", f"chaos-dlq-{suffix}"
    args.group = f"chaos-{suffix}"
    args.repartition = f"{args.group}-repartition"  # --unkeyed: the first stage's topic, and the relay's group
    topics = [(args.input, args.partitions), (args.output, args.output_partitions),
              (args.dlq, args.output_partitions)]
    # The mock has no CreateTopics: there the repartition topic is made as the daemon would make it.
    mock_topics = topics + ([(args.repartition, args.output_partitions)] if args.unkeyed else [])

    stream = generate(args.events, args.jobs, args.seed, ordered=args.unkeyed)
    sends = None
    if args.unkeyed:
        stream, sends = scatter(stream, args.partitions, 2 * args.jobs, args.seed)
        expected = unkeyed_model(stream)
    else:
        expected = model(stream)
    log(f"stream: {len(stream)} events over {len(expected)} jobs, "
        f"{sum(1 for s in stream if s[2] is None)} invalid, {'unkeyed' if args.unkeyed else 'keyed by job_id'}; "
        f"broker {args.broker}, {args.delivery}, "
        f"{args.assignment} assignment, seed {args.seed}, {args.partitions} input and "
        f"{args.output_partitions} output partitions, {args.standby} more instances; logs in {workdir}")

    broker = MockBroker(args.binary, mock_topics, workdir) if args.broker == "mock" \
        else ExternalBroker(args.bootstrap, topics)
    settings = settings_for(args, broker.bootstrap)
    first = Daemon("a", args.binary, workdir, settings)
    second = Daemon("b", args.binary, workdir, settings)
    spares = [Daemon(f"s{index}", args.binary, workdir, settings) for index in range(args.standby)]
    producer = StreamProducer(broker.bootstrap, args.input, stream, args.rate, sends)
    figures, examples, finished = None, [], False
    # tansu makes a member that leaves while a rebalance is under way the leader of the next
    # generation and never expires it: the group wedges for good (plain librdkafka consumers
    # show it: rebalance_probe.py --leave-while-joining). Kafka and the mock cluster recover,
    # so only on tansu does a fault wait until the group has settled.
    settle = args.broker == "tansu"
    if settle:
        log("tansu: each fault waits until the group has settled (docs/delivery.md, \"What does not hold\")")
    try:
        first.start()
        for spare in spares:
            spare.start()
        time.sleep(2)
        producer.start()
        for action in plan(args, rng):
            if time.monotonic() > deadline:
                break
            if not first.running:
                code = first.reap("between faults")
                log(f"a exited with {code}; restarting (the run fails for it)")
                first.start()
            # A fault lands on a working instance: wait until it is ready (joined, restored),
            # then a random moment into its work.
            if not first.wait_ready(120):
                log("a did not become ready within 120 s")
            # --unkeyed: the relay stage's partitions (of the repartition topic) are the ones counted.
            owned = args.output_partitions if args.unkeyed else args.partitions
            if settle and not wait_settled([first, second] + spares, owned, 120):
                log("the group did not settle within 120 s")
            time.sleep(rng.uniform(0.5, 3.0))
            log(f"action: {action}")
            if action == "kill":
                first.stop(signal.SIGKILL)
                first.start()
            elif action == "term":
                first.stop(signal.SIGTERM)
                first.start()
            elif action == "pair-join":
                if not second.running:
                    second.start()
            elif action == "pair-term":
                second.stop(signal.SIGTERM)
            elif action == "pair-kill":
                second.stop(signal.SIGKILL)
            elif action == "zombie":
                # Its partitions given away while it was stopped, b may find its producer fenced or
                # its transaction refused when it resumes: exit 1, a failure a restart may cure.
                second.tolerated = {1}
                second.send(signal.SIGSTOP)
                time.sleep(9)  # past session.timeout.ms: the group gives its partitions away
                second.send(signal.SIGCONT)
                time.sleep(3)
                second.stop(signal.SIGTERM)
                second.tolerated = set()
            elif action == "fault":
                inject_fault(broker, rng)
        second.stop(signal.SIGTERM)
        producer.done.wait(max(1, deadline - time.monotonic()))
        if producer.failures:
            sys.exit(f"{producer.failures} input records were not delivered; the run proves nothing")
        producer.resolve_unknown(broker.bootstrap)
        ends = {}
        for partition, offset in filter(None, producer.coordinates):
            ends[partition] = max(ends.get(partition, 0), offset + 1)
        log("input complete; waiting for the relay to commit every input partition's end")
        finished = wait_until_done([first] + spares, ends, broker.bootstrap, args, deadline)
        for daemon in [first] + spares:
            daemon.stop(signal.SIGTERM)
        figures, examples = check(broker.bootstrap, args, stream, producer.coordinates, expected)
    finally:
        for daemon in [first, second] + spares:
            daemon.stop(signal.SIGKILL, timeout=10)
        broker.stop()

    exact = finished and all(figures[k] == 0 for k in
                             ("lost", "duplicated", "wrong", "out_of_order", "dlq_missing", "dlq_duplicated",
                              "dlq_wrong", "schema_violations"))
    restarts = {daemon.name: daemon.starts for daemon in [first, second] + spares}
    unexpected = [message for daemon in [first, second] + spares for message in daemon.unexpected]
    print(json.dumps({"chaos": figures, "exact": exact, "finished": finished, "starts": restarts,
                      "unexpected_exits": unexpected, "broker": args.broker, "delivery": args.delivery,
                      "assignment": args.assignment, "unkeyed": args.unkeyed, "seed": args.seed}), flush=True)
    log(f"lost {figures['lost']}, duplicated {figures['duplicated']}, wrong {figures['wrong']}, "
        f"out of order {figures['out_of_order']}; DLQ {figures['dlq']} of {figures['invalid']} "
        f"(missing {figures['dlq_missing']}, twice {figures['dlq_duplicated']}, wrong {figures['dlq_wrong']}); "
        f"records against schemas/: {figures['schema_violations']} violations")
    for example in examples:
        log(f"  {example}")
    if not finished:
        log("the relay did not commit the end of the input in time")
    if unexpected:
        for message in unexpected:
            log(f"unexpected exit: {message}")
        sys.exit(f"chaos: {len(unexpected)} unexpected exit status(es), first: {unexpected[0]}")
    if args.zombie:
        log("zombie run: a broker without KIP-447 checks (the mock, tansu) may accept a stale member's "
            "offsets, so differences here are reported, not judged; a KIP-447 broker fences the zombie")
        sys.exit(0)
    sys.exit(0 if exact else 1)


if __name__ == "__main__":
    main()
