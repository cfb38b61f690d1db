"""A small MLLP sender for the tests and the benchmark (python-hl7's asyncio client).

:func:`send` sends messages on one connection, keeping up to ``ahead`` of them un-ACKed
(1: wait for each ACK, the classic way), optionally paced at ``rate`` messages a second, and
returns each message's ACK code with its round-trip time. A connection that breaks ends the
sending; the messages without an ACK are those to send again.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from hl7.mllp import open_hl7_connection


@dataclass
class Sent:
    """ACK codes and round-trip seconds per message index (missing: no ACK came)."""

    codes: dict[int, str] = field(default_factory=dict)
    control: dict[int, str] = field(default_factory=dict)
    seconds: dict[int, float] = field(default_factory=dict)


def msa(ack: bytes) -> tuple[str, str]:
    """MSA-1 and MSA-2 of an ACK."""
    for segment in ack.decode().split("\r"):
        if segment.startswith("MSA|"):
            parts = segment.split("|")
            return parts[1], parts[2] if len(parts) > 2 else ""
    return "", ""


async def send(host: str, port: int, messages: list[str], ahead: int = 1,
               rate: float | None = None, sent: Sent | None = None,
               indexes: list[int] | None = None) -> Sent:
    """Send ``messages`` on one connection (see the module doc)."""
    sent = sent or Sent()
    indexes = indexes if indexes is not None else list(range(len(messages)))
    reader, writer = await open_hl7_connection(host, port, limit=1 << 20)
    window = asyncio.Semaphore(ahead)
    started: dict[int, float] = {}
    order: asyncio.Queue = asyncio.Queue()

    async def receive():
        try:
            while (i := await order.get()) is not None:
                block = await reader.readblock()
                sent.codes[i], sent.control[i] = msa(block)
                sent.seconds[i] = time.perf_counter() - started[i]
                window.release()
        except (asyncio.IncompleteReadError, ConnectionError):
            for _ in range(ahead):  # the connection broke: let the sender see it and stop
                window.release()

    receiver = asyncio.create_task(receive())
    t0 = time.perf_counter()
    try:
        for n, (i, text) in enumerate(zip(indexes, messages)):
            if rate:
                await asyncio.sleep(max(0.0, t0 + n / rate - time.perf_counter()))
            await window.acquire()
            if receiver.done():
                break
            started[i] = time.perf_counter()
            writer.writeblock(text.encode())
            await writer.drain()
            order.put_nowait(i)
    except ConnectionError:
        pass
    order.put_nowait(None)
    await receiver
    writer.close()
    return sent
