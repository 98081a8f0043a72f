"""Benchmarks that print ratios against a baseline measured in the same run (never timed tests).

1. Internal mail throughput: messages per second of `lab.send` (alice -> bob: MAPI pickup,
   SMTP to Transport, SMTP to Mailbox Transport Delivery) divided by messages per second of a
   bare aiosmtpd server taking one message per new SMTP session from smtplib. Three hops
   cannot beat 1/3 of one hop by much; the target is a median ratio of at least 0.30.
2. Lab start+stop time divided by starting and stopping the same number of bare aiosmtpd
   listeners on one loop. Target: at most 2.
3. The same lab in memory (no sockets, no thread) against the socket lab, same messages:
   throughput ratio, target at least 50. And the scheduler's passes per delivered message
   (alice -> bob is three hops; target at most hops + 2 = 5).
4. The ceiling of ratio 3: a bare in-memory 3-hop chain (aiosmtpd's own SMTP and an empty
   handler over the lab's in-memory transports, one open session per hop, MAIL/RCPT/DATA
   only) against the socket lab. No lab whose every hop speaks aiosmtpd's protocol can run in
   memory faster than this chain, so the memory/socket ratio cannot pass it. Also printed: the
   memory lab's share of the chain's speed (target at least 0.5), in CPU time: both run in this
   process's thread with no I/O, so other processes on a shared machine do not move it.

Rounds are interleaved (baseline, lab, baseline, lab, ...) so machine noise hits both alike.
Usage: python bench/internal_flow.py [--rounds N] [--messages M]
"""
from __future__ import annotations

import argparse
import asyncio
import smtplib
import statistics
import time
from collections.abc import Callable

from aiosmtpd.smtp import SMTP

from mailflowlab import Lab, scenarios
from mailflowlab.runtime import LoopThread, MemoryLoop, Runtime
from mailflowlab.smtp.memory import pipe

ALICE, BOB = "alice@exchange2013demo.com", "bob@exchange2013demo.com"
MESSAGE = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: bench\r\n\r\nhello\r\n"


class Sink:
    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        return "250 OK"


def bare_rate(runtime: Runtime, n: int) -> float:
    async def _listen() -> asyncio.base_events.Server:
        loop = asyncio.get_running_loop()
        return await loop.create_server(lambda: SMTP(Sink(), loop=loop), "127.0.0.1", 0)
    server = runtime.call(_listen())
    port = server.sockets[0].getsockname()[1]
    t = time.perf_counter()
    for _ in range(n):
        with smtplib.SMTP("127.0.0.1", port) as c:
            c.sendmail("a@example.com", ["b@example.com"], MESSAGE)
    elapsed = time.perf_counter() - t

    async def _close() -> None:
        server.close()
        await server.wait_closed()
    runtime.call(_close())
    return n / elapsed


def bare_memory_chain_rate(n: int, clock: Callable[[], float] = time.perf_counter) -> float:
    """Messages per second through three aiosmtpd servers in memory, each hop one transaction
    on a session opened once: the protocol's own cost, with nothing of Exchange around it."""
    async def chain() -> float:
        loop = asyncio.get_running_loop()
        hops = []
        for port in (25, 2525, 475):
            reader = asyncio.StreamReader(loop=loop)
            protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
            transport = pipe(loop, protocol, SMTP(Sink(), loop=loop), ("10.0.0.1", 49152), ("10.0.0.2", port))
            hops.append((reader, asyncio.StreamWriter(transport, protocol, reader, loop)))

        async def reply(reader: asyncio.StreamReader) -> bytes:
            while (line := await reader.readline())[3:4] == b"-":
                pass
            return line
        for reader, writer in hops:
            await reply(reader)
            writer.write(b"EHLO bench\r\n")
            await reply(reader)
        t = clock()
        for _ in range(n):
            for reader, writer in hops:
                for command in (b"MAIL FROM:<a@example.com>\r\n", b"RCPT TO:<b@example.com>\r\n", b"DATA\r\n"):
                    writer.write(command)
                    await reply(reader)
                writer.write(MESSAGE + b".\r\n")
                await reply(reader)
        rate = n / (clock() - t)
        for reader, writer in hops:
            writer.write(b"QUIT\r\n")
            await reply(reader)
            writer.close()
        await asyncio.sleep(0.1)              # the servers' sessions end on the closed pipes
        return rate
    loop = MemoryLoop()
    try:
        return loop.run_until_complete(chain())
    finally:
        loop.close()


def lab_rate(n: int, transport: str = "sockets", clock: Callable[[], float] = time.perf_counter) -> tuple[float, float]:
    """Messages per second through a lab, and the scheduler's passes per delivered message."""
    with Lab(scenarios.exchange2013demo(), transport=transport) as lab:
        passes = lab.scheduler.passes
        t = clock()
        for i in range(n):
            lab.send(ALICE, BOB, subject=f"bench {i}")
        elapsed = clock() - t
        assert len(lab.mailbox(BOB).messages) == n
        return n / elapsed, (lab.scheduler.passes - passes) / n


def lab_start_stop() -> tuple[float, int]:
    t = time.perf_counter()
    lab = Lab(scenarios.exchange2013demo()).start()
    listeners = sum(len(s.bindings) for s in lab.services.values()) + 1   # + the Internet's MX
    lab.close()
    return time.perf_counter() - t, listeners


def bare_start_stop(listeners: int) -> float:
    t = time.perf_counter()
    runtime = LoopThread("bench")

    async def _cycle() -> None:
        loop = asyncio.get_running_loop()
        servers = [await loop.create_server(lambda: SMTP(Sink(), loop=loop), "127.0.0.1", 0)
                   for _ in range(listeners)]
        for s in servers:
            s.close()
            await s.wait_closed()
    runtime.call(_cycle())
    runtime.close()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--messages", type=int, default=200)
    args = ap.parse_args()
    runtime = LoopThread("baseline")
    ratios, start_ratios, memory_ratios, passes, ceilings, shares = [], [], [], [], [], []
    lab_rate(10), lab_rate(10, "memory"), bare_rate(runtime, 10)      # warm up imports and caches
    for r in range(args.rounds):
        base = bare_rate(runtime, args.messages)
        mine, per_message = lab_rate(args.messages)
        memory, _ = lab_rate(args.messages, "memory")
        chain = bare_memory_chain_rate(args.messages)
        memory_cpu, _ = lab_rate(args.messages, "memory", clock=time.process_time)
        chain_cpu = bare_memory_chain_rate(args.messages, clock=time.process_time)
        ratios.append(mine / base)
        memory_ratios.append(memory / mine)
        ceilings.append(chain / mine)
        shares.append(memory_cpu / chain_cpu)
        passes.append(per_message)
        lab_t, listeners = lab_start_stop()
        bare_t = bare_start_stop(listeners)
        start_ratios.append(lab_t / bare_t)
        print(f"round {r + 1}: bare {base:7.1f} msg/s, lab {mine:7.1f} msg/s, ratio {ratios[-1]:.3f}; "
              f"memory lab {memory:8.1f} msg/s, memory/sockets {memory_ratios[-1]:.1f}; "
              f"start+stop lab {lab_t * 1000:.1f} ms vs {listeners} bare listeners {bare_t * 1000:.1f} ms, "
              f"ratio {start_ratios[-1]:.2f}; bare memory chain {chain:7.1f} msg/s; "
              f"memory lab / chain in CPU time {shares[-1]:.2f}")
    runtime.close()
    print(f"internal flow / bare single hop, median ratio: {statistics.median(ratios):.3f} (target >= 0.30)")
    print(f"lab start+stop / bare listeners, median ratio: {statistics.median(start_ratios):.2f} (target <= 2)")
    print(f"memory lab / socket lab, median ratio: {statistics.median(memory_ratios):.1f} (target >= 50)")
    print(f"bare in-memory 3-hop chain / socket lab, median ratio: {statistics.median(ceilings):.1f} "
          f"(the most memory/sockets can reach with aiosmtpd on every hop)")
    print(f"memory lab / bare in-memory 3-hop chain (CPU time), median share: {statistics.median(shares):.2f} "
          f"(target >= 0.5)")
    print(f"scheduler passes per delivered message: {statistics.median(passes):.2f} "
          f"(alice -> bob has 3 hops; target <= 5)")


if __name__ == "__main__":
    main()
