#!/usr/bin/env python3
"""Mutation check: small, named breaks of the lines the delivery promise rests on.

Each mutant replaces one exact piece of text in one source file. For each, in a scratch
copy of the working tree (.build-mutants/tree, kept between runs so that its build stays
warm), this script applies the mutant, builds, runs the Swift tests that should catch it
and restores the file. A mutant is killed when those tests fail, and survives when they
pass; a mutant that does not build is an error of this table. It prints killed / survived
per mutant and exits 1 on any survivor or error.

    scripts/mutants [--list] [NAME...]     (default: every mutant)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: str  # a `swift test --filter` expression
    why: str
    environment: tuple[tuple[str, str], ...] = ()


MUTANTS: list[Mutant] = [
    Mutant(
        "handled-check-always-false", "Sources/Relay/Loop/RelayLoop+Records.swift",
        "        if handled.contains(message.topicPartition, message.offset) {",
        "        if handled.contains(message.topicPartition, message.offset) && false {",
        "RelayEndToEndTests/aCrashedRelayIsReplacedWithoutDuplicatesOrGaps",
        "a replayed invalid record is dead-lettered again: the DLQ is no longer exact"),
    Mutant(
        "handled-check-always-true", "Sources/Relay/Loop/RelayLoop+Records.swift",
        "        if handled.contains(message.topicPartition, message.offset) {",
        "        if handled.contains(message.topicPartition, message.offset) || true {",
        "RelayEndToEndTests/restoreKeepsJobsPublishedUnderOtherLimits",
        "every record counts as a replay: nothing is published"),
    Mutant(
        "restore-skips-a-reassigned-partition", "Sources/Relay/Loop/RelayLoop+Restore.swift",
        "            guard try await restore(forInput: rebalance.partitions.sorted()) else {",
        "            guard try await restore(forInput: status.current.lastRestoreDuration == .zero "
        "? rebalance.partitions.sorted() : []) else {",
        "RelayEndToEndTests/aPartitionThatComesBackIsRestoredAgain",
        "only the first assignment is restored: a partition that comes back keeps a stale table"),
    Mutant(
        "restore-reads-nothing", "Sources/Relay/Loop/RelayLoop+Restore.swift",
        "        return try await restorer.readToEnd(\n            partitions,",
        "        return try await restorer.readToEnd(\n            [],",
        "KilledDaemonTests",
        "after a real SIGKILL the next run republishes what the killed one wrote"),
    Mutant(
        "committed-offset-without-plus-one", "Sources/Relay/Loop/OpenTransaction.swift",
        "        nextOffsets[first.topicPartition] = last.offset.next",
        "        nextOffsets[first.topicPartition] = last.offset",
        "RelayStateMachineTests/aBatchIsConsumedByRunsOfOnePartition",
        "the offsets committed point at the last record, not past it"),
    Mutant(
        "at-least-once-commits-before-delivery", "Sources/Relay/Loop/RelayLoop+Transaction.swift",
        "            try await producer.flush(timeout: timeout)",
        "            if !offsets.isEmpty { try? await consumer.commit(offsets) }; try await producer.flush(timeout: timeout)",
        "AtLeastOnceProducerTests/noInputOffsetIsCommittedBeforeItsOutputIsDelivered",
        "input offsets committed for records that were never delivered: they are lost"),
    Mutant(
        "terminal-status-not-final", "Sources/Relay/Dedup/DedupPolicy.swift",
        "        if last.isTerminal { return .drop(.afterTerminal) }",
        "        if last.isTerminal && false { return .drop(.afterTerminal) }",
        "DedupPolicyTests",
        "DONE then ERROR is published: a transition out of a terminal status"),
    Mutant(
        "dead-letter-produce-skipped", "Sources/Relay/Loop/RelayLoop+Records.swift",
        "            try await producer.send(letter, tag: transaction.tagProduced(from: message, isDeadLetter: true))",
        "            if message.offset.rawValue < 0 { try await producer.send(letter, tag: transaction.tagProduced("
        "from: message, isDeadLetter: true)) }",
        "RelayEndToEndTests/aRecordTooLargeToPublishIsDeadLetteredAndTheRestFlows",
        "an invalid record is counted and its offset committed, but the DLQ is empty"),
    Mutant(
        "tombstone-written-by-a-non-owner", "Sources/Relay/Loop/PartitionOwnership.swift",
        "            return assigned.contains(",
        "            return !assigned.isEmpty || assigned.contains(",
        "FinishedRetentionTests/onlyTheOwnerOfAJobsPartitionTombstonesIt|PartitionOwnershipTests",
        "an instance that lost a job's partition tombstones it too: two tombstones"),
    Mutant(
        "max-in-flight-not-forced", "Sources/Relay/Configuration/RelayClientSettings.swift",
        '                    role: .producer, key: "max.in.flight.requests.per.connection", value: "1",',
        '                    role: .producer, key: "max.in.flight.requests.per.connection", value: "5",',
        "RelayClientSettingsTests|AtLeastOnceProducerTests/aTimedOutRequestIsRetriedNotAcknowledgedByTheNextOne",
        "a later request acknowledges a timed-out one: records lost behind a success report"),
    Mutant(
        "drain-skips-the-commit", "Sources/Relay/Loop/RelayStateMachine.swift",
        "            return startCommit(transaction, .drain, now: now)",
        "            return startAbort(transaction, then: .close, cause: nil, now: now)",
        "RelayStateMachineTests/drainCommitsThenCloses",
        "a SIGTERM aborts the open transaction instead of committing it"),
    Mutant(
        "ready-before-restore", "Sources/Relay/Loop/RelayLoop+Restore.swift",
        "            snapshot.phase = .restoring",
        "            snapshot.phase = .running",
        "RestoreInterruptionTests",
        "the relay says ready while its restore still reads"),
    Mutant(
        "secret-logged-at-debug", "Sources/Kafka/KafkaClient.swift",
        "        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())",
        "        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque()); "
        'context.logger.debug("client configuration", metadata: ["properties": "\\(configuration.properties)"])',
        "SecretsTests",
        "every client's properties, the SASL password among them, written to the debug log"),
    Mutant(
        "configuration-error-exits-1", "Sources/jobstatusd/Commands/ConfigurationOptions.swift",
        "            throw ExitCode(ExitStatus.usage)",
        "            throw ExitCode(ExitStatus.failure)",
        "DaemonLifecycleTests/aBadConfigurationExitsTwoWithOneLineNamingTheKey",
        "a bad configuration exits 1, and systemd restarts it forever"),
    Mutant(
        "a-second-signal-does-not-exit", "Sources/jobstatusd/Commands/DaemonRunner.swift",
        "            if count >= 2 {",
        "            if count >= 3 {",
        "DaemonLifecycleTests/aSecondSignalDuringTheDrainExits130",
        "a second SIGTERM waits for the drain instead of exiting 130 at once"),
    Mutant(
        "murmur2-seed-changed", "Sources/Relay/Topics/Murmur2Partitioner.swift",
        "        var h: UInt32 = 0x9747_B28C ^ UInt32(truncatingIfNeeded: length)",
        "        var h: UInt32 = 0x9747_B28D ^ UInt32(truncatingIfNeeded: length)",
        "DedupPolicyTests/murmur2MatchesTheJavaClient",
        "job_id keys land in other partitions than the Java client's"),
    Mutant(
        "canonical-1e21-as-plain-digits", "Sources/JobStatus/ECMAScriptNumber.swift",
        "        if k <= n && n <= 21 {",
        "        if k <= n && n <= 22 {",
        "ECMAScriptNumberTests",
        "1e21 prints as 22 digits: the canonical form changes"),
    Mutant(
        "restore-end-from-the-first-empty-poll", "Sources/Kafka/PartitionEndReader.swift",
        "                count += batch.count",
        "                count += batch.count; if batch.isEmpty { for partition in remaining where ends[partition] == nil "
        "{ ends[partition] = positions[partition] ?? KafkaOffset(rawValue: 0) } }",
        "PartitionEndReaderTests/aSlowFetchIsWaitedForNotTakenForTheEnd",
        "a slow fetch is taken for the end: the restore stops early"),
]


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def sync_tree(root: Path, tree: Path) -> None:
    """Copies the working tree's files (tracked and untracked, not ignored) into `tree`,
    touching only files whose content differs, and deletes files that are gone."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root, check=True, capture_output=True).stdout.decode().split("\0")
    wanted = {name for name in listed if name and (root / name).exists()}
    for name in sorted(wanted):
        source, target = root / name, tree / name
        if source.is_symlink():
            link = os.readlink(source)
            if not target.is_symlink() or os.readlink(target) != link:
                if target.is_symlink() or target.exists():
                    target.unlink()
                target.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(link, target)
            continue
        if source.is_dir():
            continue
        data = source.read_bytes()
        if target.is_symlink():
            target.unlink()
        if not target.exists() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            shutil.copymode(source, target)
    for directory in ("Sources", "Tests", "Sanitizers", "Benchmarks"):
        base = tree / directory
        if not base.exists():
            continue
        for path in sorted(base.rglob("*"), reverse=True):
            relative = str(path.relative_to(tree))
            if (path.is_file() or path.is_symlink()) and relative not in wanted:
                path.unlink()


def check_table(tree: Path, mutants: list[Mutant]) -> list[str]:
    """The mutants whose text is not exactly once in its file."""
    problems = []
    for mutant in mutants:
        text = (tree / mutant.path).read_text()
        count = text.count(mutant.old)
        if count != 1:
            problems.append(f"{mutant.name}: its text is in {mutant.path} {count} times, not once; "
                            f"update scripts/lib/mutants.py")
    return problems


def run(command: list[str], cwd: Path, log: Path, environment: dict[str, str] | None = None,
        timeout: int = 1800) -> int:
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        try:
            return subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                  env=environment, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            out.write(f"timed out after {timeout} s\n")
            return 124


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="mutants to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--scratch", default=None, help="scratch folder (default .build-mutants)")
    arguments = parser.parse_args()

    if arguments.list:
        for mutant in MUTANTS:
            print(f"{mutant.name:38} {mutant.path}\n{'':38} killed by: {mutant.tests}\n{'':38} {mutant.why}")
        return 0
    known = {mutant.name: mutant for mutant in MUTANTS}
    unknown = [name for name in arguments.names if name not in known]
    if unknown:
        print(f"unknown mutant(s): {', '.join(unknown)} (scripts/mutants --list)", file=sys.stderr)
        return 2
    selected = [known[name] for name in arguments.names] if arguments.names else MUTANTS

    root = repo_root()
    scratch = Path(arguments.scratch) if arguments.scratch else root / ".build-mutants"
    tree = scratch / "tree"
    logs = scratch / "logs"
    tree.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    sync_tree(root, tree)
    problems = check_table(tree, selected)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2

    print(f"==> building the unmutated tree in {tree}", file=sys.stderr, flush=True)
    baseline_log = logs / "baseline.log"
    baseline_log.write_text("")
    if run(["swift", "build", "--build-tests"], tree, baseline_log) != 0:
        print(f"the unmutated tree does not build: {baseline_log}", file=sys.stderr)
        return 2

    results = []
    for mutant in selected:
        path = tree / mutant.path
        original = path.read_text()
        log = logs / f"{mutant.name}.log"
        log.write_text(f"{mutant.name}: {mutant.path}\n--- {mutant.old}\n+++ {mutant.new}\n")
        print(f"==> {mutant.name}: {mutant.path}; tests: {mutant.tests}", file=sys.stderr, flush=True)
        began = time.monotonic()
        try:
            path.write_text(original.replace(mutant.old, mutant.new, 1))
            if run(["swift", "build", "--build-tests"], tree, log) != 0:
                outcome = "ERROR (does not build)"
            else:
                environment = dict(os.environ)
                environment.update(dict(mutant.environment))
                status = run(["swift", "test", "--skip-build", "--filter", mutant.tests], tree, log, environment)
                outcome = "killed" if status != 0 else "SURVIVED"
        finally:
            path.write_text(original)
        seconds = int(time.monotonic() - began)
        results.append((mutant, outcome, seconds))
        print(f"    {outcome} in {seconds}s (log: {log})", file=sys.stderr, flush=True)

    print()
    print(f"{'mutant':38} {'result':24} {'seconds':>7}  tests")
    for mutant, outcome, seconds in results:
        print(f"{mutant.name:38} {outcome:24} {seconds:7}  {mutant.tests}")
    failed = [mutant.name for mutant, outcome, _ in results if outcome != "killed"]
    killed = len(results) - len(failed)
    print(f"\n{killed} of {len(results)} mutants killed" + (f"; not killed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
