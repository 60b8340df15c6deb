#!/usr/bin/env python3
"""An independent Kafka client (confluent-kafka) for end-to-end checks.

  status_events.py produce --bootstrap B --topic T --jobs N --prefix P
      Sends, per job, QUEUED, RUNNING, RUNNING (an exact duplicate), DONE, keyed
      by job_id, and one invalid record per call.
  status_events.py check --bootstrap B --topic T --jobs N --prefix P [--prefix P2 ...]
      Reads the output read_committed until 5 s of silence and checks that every
      job has exactly its three canonical transitions, in order, once each.
      Prints a one-line summary; exits 1 on any difference.
"""
import argparse
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition


def canonical(job, status):
    # RFC 8785 for ASCII-only members equals sorted keys without whitespace.
    return json.dumps({"job_id": job, "status": status, "status_msg": "m"}, sort_keys=True, separators=(",", ":"))


def produce(args):
    producer = Producer({"bootstrap.servers": args.bootstrap, "linger.ms": 5, "partitioner": "murmur2_random"})
    for prefix in args.prefix:
        for index in range(args.jobs):
            job = f"{prefix}-{index}"
            for status in ("QUEUED", "RUNNING", "RUNNING", "DONE"):
                value = json.dumps({"status": status.lower(), "job_id": job, "status_msg": "m"})
                producer.produce(args.topic, key=job, value=value)
                producer.poll(0)
        producer.produce(args.topic, key=f"{prefix}-bad", value=b"not json")
    left = producer.flush(30)
    if left:
        sys.exit(f"{left} records not delivered")


def check(args):
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap, "group.id": f"check-{time.time()}",
        "isolation.level": "read_committed", "enable.auto.commit": False,
    })
    metadata = consumer.list_topics(args.topic, timeout=10)
    partitions = metadata.topics[args.topic].partitions
    consumer.assign([TopicPartition(args.topic, p, 0) for p in partitions])
    seen = {}
    last = time.time()
    while time.time() - last < 5:
        message = consumer.poll(0.5)
        if message is None or message.error():
            continue
        last = time.time()
        seen.setdefault(message.key().decode(), []).append(message.value().decode())
    consumer.close()
    expected = {
        f"{prefix}-{index}": [canonical(f"{prefix}-{index}", s) for s in ("QUEUED", "RUNNING", "DONE")]
        for prefix in args.prefix for index in range(args.jobs)
    }
    # Only this check's rounds: other prefixes in the topic are other checks' business.
    seen = {job: records for job, records in seen.items() if any(job.startswith(p + "-") for p in args.prefix)}
    wrong = [job for job in expected if seen.get(job) != expected[job]]
    extra = [job for job in seen if job not in expected]
    total = sum(len(v) for v in seen.values())
    print(f"output: {total} records for {len(seen)} jobs; expected {3 * len(expected)} for {len(expected)}; "
          f"{len(wrong)} jobs differ, {len(extra)} unexpected")
    for job in wrong[:3]:
        print(f"  {job}: got {seen.get(job)}")
    sys.exit(1 if wrong or extra else 0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["produce", "check"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--prefix", action="append", required=True)
    args = parser.parse_args()
    produce(args) if args.command == "produce" else check(args)


if __name__ == "__main__":
    main()
