#!/usr/bin/env python3
"""Two jobstatusd builds against each other: A and B alternate (A B, B A, A B, ...) on one
preloaded input on the mock broker, in one delivery mode, and each run's client CPU per record
and seconds after READY are printed, with the medians.

For a change whose effect is smaller than bench-e2e's spread between runs: the passthrough ratio
of two separate bench-e2e runs moves by a tenth on this machine, while paired runs of two
binaries on the same input see a few percent. The input and the per-run measure are
bench-e2e's (`chaos.generate`, `run_relay`); nothing here is quoted as a figure against the
limit, only as A against B.

    swift build -c release --product jobstatusd; cp .build/release/jobstatusd /tmp/b
    python3 scripts/lib/bench_ab.py --a /tmp/a --b /tmp/b [--delivery exactly-once] [--rounds 5]
"""
import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_e2e  # noqa: E402
import chaos  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", required=True, help="the baseline jobstatusd (release build)")
    parser.add_argument("--b", required=True, help="the jobstatusd to compare with it")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--delivery", choices=["exactly-once", "at-least-once"], default="at-least-once")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--timeout", type=float, default=1800, help="for each run, seconds")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="jsd-bench-ab-")
    topics = ["bench-in"]
    for round_number in range(args.rounds):
        for which in "ab":
            topics += [f"ab-{which}{round_number}-latest", f"ab-{which}{round_number}-dlq"]
    broker = chaos.MockBroker(args.a, [(name, 64) for name in topics], workdir)
    runs = {"a": [], "b": []}
    try:
        stream = chaos.generate(args.records, max(1, args.records // 10), seed=7)
        ends = bench_e2e.preload(broker.bootstrap, "bench-in", stream)
        records = sum(ends.values())
        for round_number in range(args.rounds):
            for which in ("ab" if round_number % 2 == 0 else "ba"):
                name = f"ab-{which}{round_number}"
                render = bench_e2e.settings(broker.bootstrap, name, "bench-in", f"{name}-latest", f"{name}-dlq",
                                            args.delivery, name)
                total, ready, cpu = bench_e2e.run_relay(name, getattr(args, which), workdir, render, "bench-in",
                                                        ends, args.timeout, broker.process.pid)
                if ready is None or cpu is None or cpu[0] is None:
                    sys.exit(f"{name}: no READY or no CPU reading; see {workdir}/{name}.log")
                microseconds, seconds = cpu[0] / records * 1e6, total - ready
                runs[which].append((microseconds, seconds))
                print(f"{which} round {round_number + 1}: {microseconds:.2f} us/record, {seconds:.2f} s after READY",
                      flush=True)
    finally:
        broker.stop()
    for which in "ab":
        cpu = [run[0] for run in runs[which]]
        seconds = [run[1] for run in runs[which]]
        print(f"{which}: median {statistics.median(cpu):.2f} us/record ({min(cpu):.2f}..{max(cpu):.2f}), "
              f"median {statistics.median(seconds):.2f} s after READY ({min(seconds):.2f}..{max(seconds):.2f})")


if __name__ == "__main__":
    main()
