"""The MLLP listener: HL7 v2 messages over TCP, each acknowledged only after it is stored.

Framing (``0x0b`` message ``0x1c 0x0d``) is python-hl7's asyncio MLLP support
(``hl7.mllp.start_hl7_server``, ``readblock``/``writeblock``): a maintained implementation of
the framing that leaves the content to us, so a block that is not HL7 can still be answered
with an AR instead of breaking the connection. Every connection gets its own reader and
writer; a sender may wait for each ACK (the usual MLLP way) or send several messages ahead,
and the ACKs come back in the order of the messages. Messages from all connections go to one
:class:`Committer`, which stores whatever has arrived as one batch (one transaction, see
:class:`hospitaltwin.store.feed.Feed`) and only then releases the batch's ACKs: group commit,
so throughput grows with load while no ACK ever precedes its commit.

On stop (:meth:`MllpListener.close`) the listener accepts nothing new, stops reading, lets
the messages already read be stored and acknowledged, then closes the connections. If the
store cannot be written, the messages in hand get no ACK and their connection is closed, so
the sender sends them again later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from hl7.mllp import start_hl7_server
from hl7.mllp.exceptions import InvalidBlockError

from hospitaltwin.service.ack import build_ack, plain_ack

log = logging.getLogger("hospitaltwin.mllp")
MAX_BLOCK = 1 << 20  # 1 MiB: far above any ADT message
MAX_BATCH = 500
AHEAD = 64  # messages a connection may send before waiting for their ACKs


class Committer:
    """Group commit: stores what has arrived in one batch, then resolves its futures.

    Parameters
    ----------
    store_batch : callable
        ``list[str] -> list[Verdict]``, run in a thread (it blocks on the database).
    on_stored : callable, optional
        Called (in the event loop) after each committed batch that stored something.
    """

    def __init__(self, store_batch: Callable, on_stored: Callable | None = None):
        self.store_batch, self.on_stored = store_batch, on_stored
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task: asyncio.Task | None = None
        self.stored = 0
        self.in_flight = 0

    def start(self) -> None:
        """Begin committing (call inside the running loop)."""
        self.task = asyncio.create_task(self._run(), name="mllp-committer")

    def submit(self, text: str) -> asyncio.Future:
        """Queue a message; the future gets its Verdict once the batch is committed."""
        future = asyncio.get_running_loop().create_future()
        self.in_flight += 1
        self.queue.put_nowait((text, future))
        return future

    async def _run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < MAX_BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            try:
                await self._commit(batch)
            finally:
                self.in_flight -= len(batch)

    async def _commit(self, batch: list) -> None:
        try:
            verdicts = await asyncio.to_thread(self.store_batch, [text for text, _ in batch])
        except Exception as exc:  # noqa: BLE001  (any store failure: no ACK, sender resends)
            log.error("could not store %d message(s), none acknowledged: %s", len(batch), exc)
            for _, future in batch:
                if not future.done():
                    future.set_exception(ConnectionAbortedError("store unavailable"))
            return
        for (_, future), verdict in zip(batch, verdicts):
            if not future.done():
                future.set_result(verdict)
        self.stored += len(batch)
        if self.on_stored is not None:
            self.on_stored()

    async def drain(self) -> None:
        """Wait until every message submitted so far is committed, then stop."""
        while self.in_flight:
            await asyncio.sleep(0.01)
        if self.task is not None:
            self.task.cancel()


class MllpListener:
    """Accepts MLLP connections and answers each message with its ACK after the commit."""

    def __init__(self, committer: Committer, host: str, port: int):
        self.committer, self.host, self.port = committer, host, port
        self.server: asyncio.AbstractServer | None = None
        self.connections: set[asyncio.Task] = set()
        self.stopping = asyncio.Event()

    async def start(self) -> int:
        """Start listening; the port bound (useful with port 0)."""
        self.server = await start_hl7_server(self._connected, self.host, self.port,
                                             limit=MAX_BLOCK)
        self.port = self.server.sockets[0].getsockname()[1]
        log.info("MLLP listening on %s:%d", self.host, self.port)
        return self.port

    def _connected(self, reader, writer) -> None:
        task = asyncio.create_task(self._serve(reader, writer))
        self.connections.add(task)
        task.add_done_callback(self.connections.discard)

    async def _serve(self, reader, writer) -> None:
        pending: asyncio.Queue = asyncio.Queue(maxsize=AHEAD)
        answering = asyncio.create_task(self._answer(pending, writer))
        try:
            while not self.stopping.is_set():
                block = await self._read(reader)
                if block is None:
                    break
                await pending.put(self._submit(block))
        finally:
            await pending.put(None)
            await answering
            writer.close()

    async def _read(self, reader) -> bytes | None:
        """The next block, or None at the end of the stream or when stopping."""
        read = asyncio.ensure_future(reader.readblock())
        stop = asyncio.ensure_future(self.stopping.wait())
        done, _ = await asyncio.wait({read, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if read not in done:
            read.cancel()
            return None
        try:
            return read.result()
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        except (InvalidBlockError, ValueError) as exc:
            log.warning("MLLP framing error, block skipped: %s", exc)
            return b""

    def _submit(self, block: bytes) -> tuple[str, asyncio.Future | None]:
        text = block.decode("utf-8", errors="replace")
        if not block:
            return text, None
        return text, self.committer.submit(text)

    async def _answer(self, pending: asyncio.Queue, writer) -> None:
        while (item := await pending.get()) is not None:
            text, future = item
            try:
                ack = await self._verdict_ack(text, future)
            except ConnectionAbortedError:
                writer.transport.abort()
                return
            writer.writeblock(ack.encode("utf-8"))
            try:
                await writer.drain()
            except ConnectionError:
                return

    @staticmethod
    async def _verdict_ack(text: str, future: asyncio.Future | None) -> str:
        if future is None:
            return plain_ack("AR", "MLLP block not framed as 0x0b ... 0x1c 0x0d")
        verdict = await future
        return build_ack(text, verdict.code, verdict.reason)

    async def close(self) -> None:
        """Stop accepting, finish the messages in hand (store, ACK), close connections."""
        if self.server is not None:
            self.server.close()
        self.stopping.set()
        if self.connections:
            await asyncio.wait(set(self.connections), timeout=30)
        if self.server is not None:
            await self.server.wait_closed()
