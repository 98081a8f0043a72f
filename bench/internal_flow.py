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
5. The same share against chains that say what the lab says: the lab's own command lines and
   message bytes on each hop (its messages carry Received and organization headers, so about
   3.3 times the lines aiosmtpd reads one by one in DATA), and then also the shadow redundancy
   round trip the lab makes per message (XSHADOWDISCARD, said as NOOP: a bare aiosmtpd closes
   the session after five commands it does not know). What the lab says is observed on one
   message of a memory lab in the same run, not written down here.
6. The garbage collector's CPU time per message in the memory lab and in issue 21's chain
   (gc.callbacks, timed loops only), and share 4 without it: the lab keeps records of every
   message (tracking events, queued messages, safety net copies: about 20 objects the
   collector tracks), which now and then set off a full collection over every long-lived
   object in the process; the chain keeps nothing.

Rounds are interleaved (baseline, lab, baseline, lab, ...) so machine noise hits both alike.
Usage: python bench/internal_flow.py [--rounds N] [--messages M]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import smtplib
import statistics
import time
from collections.abc import Callable, Sequence
from types import TracebackType

from aiosmtpd.smtp import SMTP

from mailflowlab import Lab, scenarios
from mailflowlab.runtime import LoopThread, MemoryLoop, Runtime
from mailflowlab.smtp.client import SmtpClient
from mailflowlab.smtp.memory import pipe

ALICE, BOB = "alice@exchange2013demo.com", "bob@exchange2013demo.com"
MESSAGE = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: bench\r\n\r\nhello\r\n"

#: One message's dialogue through the chain: (hop, what is written), each answered by one reply.
Script = Sequence[tuple[int, bytes]]


def _transaction(hop: int, mail_from: str, rcpt_to: str, message: bytes) -> list[tuple[int, bytes]]:
    return [(hop, f"MAIL FROM:<{mail_from}>\r\n".encode()), (hop, f"RCPT TO:<{rcpt_to}>\r\n".encode()),
            (hop, b"DATA\r\n"), (hop, message + b".\r\n")]


#: The chain as issue 21 defines it: three hops, MAIL/RCPT/DATA and a 67-byte message on each.
CHAIN = [line for hop in range(3) for line in _transaction(hop, "a@example.com", "b@example.com", MESSAGE)]


class Collections:
    """The CPU time the garbage collector spends while this context is open (gc.callbacks)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def _observe(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started

    def __enter__(self) -> Collections:
        gc.callbacks.append(self._observe)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        gc.callbacks.remove(self._observe)


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


def lab_dialogue(shadow: bool) -> Script:
    """What a warmed-up memory lab says per alice -> bob message, as a chain script: each command
    line and message its SMTP client sends, on the hop of its endpoint (in order of first use).
    With `shadow`, also the commands outside a transaction (XSHADOWDISCARD), as NOOP.

    Observed by wrapping `SmtpClient.command` and `.data` for one message, then unwrapped."""
    said: list[tuple[object, bytes, bool]] = []        # (endpoint, line, part of a transaction)
    command, data = SmtpClient.command, SmtpClient.data

    async def heard_command(self: SmtpClient, line: str, *, timed: bool = True) -> object:
        said.append((self.endpoint, line.encode() + b"\r\n", line.split(" ")[0].upper() in ("MAIL", "RCPT", "DATA")))
        return await command(self, line, timed=timed)

    async def heard_data(self: SmtpClient, message: bytes) -> object:
        said.append((self.endpoint, message + b".\r\n", True))
        return await data(self, message)
    SmtpClient.command, SmtpClient.data = heard_command, heard_data      # type: ignore[method-assign, assignment]
    try:
        with Lab(scenarios.exchange2013demo(), transport="memory") as lab:
            lab.send(ALICE, BOB, subject="bench 0")         # opens the sessions: EHLO once per hop
            said.clear()
            lab.send(ALICE, BOB, subject="bench 1")
            one = list(said)                                 # not the QUITs of closing the lab
    finally:
        SmtpClient.command, SmtpClient.data = command, data  # type: ignore[method-assign]
    hops = list(dict.fromkeys(endpoint for endpoint, _, _ in one))
    script = [(hops.index(endpoint), line if in_transaction else b"NOOP\r\n")
              for endpoint, line, in_transaction in one if in_transaction or shadow]
    assert len(hops) == 3 and sum(line == b"DATA\r\n" for _, line in script) == 3, one   # the chain's shape
    return script


def bare_memory_chain_rate(n: int, clock: Callable[[], float] = time.perf_counter,
                           script: Script = CHAIN, collections: Collections | None = None) -> float:
    """Messages per second through three aiosmtpd servers in memory, each hop on a session
    opened once, each message the `script`'s dialogue: the protocol's own cost, with nothing of
    Exchange around it."""
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
        with collections or contextlib.nullcontext():
            t = clock()
            for _ in range(n):
                for hop, line in script:
                    reader, writer = hops[hop]
                    writer.write(line)
                    if not (await reply(reader)).startswith((b"2", b"3")):
                        raise RuntimeError(f"the bare chain refused {line[:40]!r}")
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


def lab_rate(n: int, transport: str = "sockets", clock: Callable[[], float] = time.perf_counter,
             collections: Collections | None = None) -> tuple[float, float]:
    """Messages per second through a lab, and the scheduler's passes per delivered message."""
    with Lab(scenarios.exchange2013demo(), transport=transport) as lab:
        passes = lab.scheduler.passes
        with collections or contextlib.nullcontext():
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
    lab_shares: list[float] = []
    shadow_shares: list[float] = []
    lab_gc: list[float] = []              # the collector's CPU seconds per message
    chain_gc: list[float] = []
    lab_gc_parts: list[float] = []        # ... and as a part of all its CPU time
    chain_gc_parts: list[float] = []
    bare_shares: list[float] = []         # share 4 without the collector's time on either side
    lab_rate(10), lab_rate(10, "memory"), bare_rate(runtime, 10)      # warm up imports and caches
    lab_says, lab_says_shadow = lab_dialogue(shadow=False), lab_dialogue(shadow=True)
    for r in range(args.rounds):
        base = bare_rate(runtime, args.messages)
        mine, per_message = lab_rate(args.messages)
        memory, _ = lab_rate(args.messages, "memory")
        chain = bare_memory_chain_rate(args.messages)
        lab_collections, chain_collections = Collections(), Collections()
        memory_cpu, _ = lab_rate(args.messages, "memory", time.process_time, lab_collections)
        chain_cpu = bare_memory_chain_rate(args.messages, time.process_time, collections=chain_collections)
        lab_chain_cpu = bare_memory_chain_rate(args.messages, time.process_time, lab_says)
        shadow_chain_cpu = bare_memory_chain_rate(args.messages, time.process_time, lab_says_shadow)
        ratios.append(mine / base)
        memory_ratios.append(memory / mine)
        ceilings.append(chain / mine)
        shares.append(memory_cpu / chain_cpu)
        lab_shares.append(memory_cpu / lab_chain_cpu)
        shadow_shares.append(memory_cpu / shadow_chain_cpu)
        lab_gc.append(lab_collections.seconds / args.messages)
        chain_gc.append(chain_collections.seconds / args.messages)
        lab_gc_parts.append(lab_gc[-1] * memory_cpu)
        chain_gc_parts.append(chain_gc[-1] * chain_cpu)
        bare_shares.append((1 / chain_cpu - chain_gc[-1]) / (1 / memory_cpu - lab_gc[-1]))
        passes.append(per_message)
        lab_t, listeners = lab_start_stop()
        bare_t = bare_start_stop(listeners)
        start_ratios.append(lab_t / bare_t)
        print(f"round {r + 1}: bare {base:7.1f} msg/s, lab {mine:7.1f} msg/s, ratio {ratios[-1]:.3f}; "
              f"memory lab {memory:8.1f} msg/s, memory/sockets {memory_ratios[-1]:.1f}; "
              f"start+stop lab {lab_t * 1000:.1f} ms vs {listeners} bare listeners {bare_t * 1000:.1f} ms, "
              f"ratio {start_ratios[-1]:.2f}; bare memory chain {chain:7.1f} msg/s; "
              f"memory lab / chain in CPU time {shares[-1]:.3f}, / chain saying the lab's lines "
              f"{lab_shares[-1]:.3f}, and its shadow round trip {shadow_shares[-1]:.3f}")
    runtime.close()
    print(f"internal flow / bare single hop, median ratio: {statistics.median(ratios):.3f} (target >= 0.30)")
    print(f"lab start+stop / bare listeners, median ratio: {statistics.median(start_ratios):.2f} (target <= 2)")
    print(f"memory lab / socket lab, median ratio: {statistics.median(memory_ratios):.1f} (target >= 50)")
    print(f"bare in-memory 3-hop chain / socket lab, median ratio: {statistics.median(ceilings):.1f} "
          f"(the most memory/sockets can reach with aiosmtpd on every hop)")
    print(f"memory lab / bare in-memory 3-hop chain (CPU time), median share: {statistics.median(shares):.3f} "
          f"(issue 21's chain: MAIL, RCPT, DATA and a 67-byte message per hop; target >= 0.5)")
    print(f"memory lab / the chain saying the lab's own command lines and message bytes (CPU time), "
          f"median share: {statistics.median(lab_shares):.3f} "
          f"({sum(len(line) for _, line in lab_says)} bytes per message, "
          f"the issue's chain {sum(len(line) for _, line in CHAIN)})")
    print(f"memory lab / that chain plus the lab's shadow redundancy round trip (XSHADOWDISCARD, as NOOP) "
          f"(CPU time), median share: {statistics.median(shadow_shares):.3f} "
          f"(every SMTP round trip the lab makes per message: {len(lab_says_shadow)} against the chain's {len(CHAIN)})")
    print(f"garbage collection per message (CPU time), median: memory lab {statistics.median(lab_gc) * 1e6:.1f} us "
          f"({statistics.median(lab_gc_parts):.1%} of its time), chain {statistics.median(chain_gc) * 1e6:.1f} us "
          f"({statistics.median(chain_gc_parts):.1%}); memory lab / chain without "
          f"either's collections, median share: {statistics.median(bare_shares):.3f}")
    print(f"scheduler passes per delivered message: {statistics.median(passes):.2f} "
          f"(alice -> bob has 3 hops; target <= 5)")


if __name__ == "__main__":
    main()
