"""Loopback TCP stand-ins for a network that fails: a COMMIT-cutting proxy and a silent peer.

:class:`CommitCutProxy` forwards bytes between a client and a database server. Armed with
:meth:`~CommitCutProxy.cut_next_commit`, it forwards the next COMMIT to the server, waits
for the server's reply (so the transaction has landed), drops that reply and aborts both
sides: the client sees a broken connection during COMMIT although the commit is durable,
the "commit outcome unknown" case.

Written by hand because it must understand just enough of two wire protocols to spot a
COMMIT; asyncpg's own test proxy (``asyncpg._testbase.fuzzer``) only delays or black-holes
traffic and is not part of its public API.

Example::

    async with CommitCutProxy("127.0.0.1", 5432, "postgresql") as proxy:
        proxy.cut_next_commit()
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{proxy.port}/db"
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable
from types import TracebackType
from typing import Literal, Self

WireProtocol = Literal["postgresql", "mysql"]

_CHUNK = 65536
_COM_QUERY = 0x03


def _starts_with_commit(sql: bytes) -> bool:
    return sql.lstrip().upper().startswith(b"COMMIT")


def is_commit(protocol: WireProtocol, chunk: bytes) -> bool:
    """True when ``chunk``, as sent by the client, starts with a COMMIT statement.

    A COMMIT is only sent once every earlier reply has arrived, so it starts a chunk.

    - PostgreSQL: a simple Query message (``'Q'``, int32 length, SQL; asyncpg sends COMMIT
      this way) or an extended-protocol Parse message (``'P'``, int32 length, statement
      name, SQL).
    - MySQL: a packet header (3-byte length, 1-byte sequence id) and ``COM_QUERY`` (0x03).
    """
    if protocol == "postgresql":
        kind, body = chunk[:1], chunk[5:]
        if kind == b"Q":
            return _starts_with_commit(body)
        if kind == b"P":
            _name, _, rest = body.partition(b"\x00")
            return _starts_with_commit(rest)
        return False
    return len(chunk) > 5 and chunk[4] == _COM_QUERY and _starts_with_commit(chunk[5:])


class _LoopbackServer:
    """A server on an ephemeral 127.0.0.1 port that aborts every link when it closes.

    Subclasses handle each connection in :meth:`_on_connect`.
    """

    def __init__(self) -> None:
        self.port = 0
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.WriteTransport] = set()
        self._handlers: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1."""
        self._server = await asyncio.start_server(self._on_connect, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def aclose(self) -> None:
        """Stop listening and abort every open link."""
        await _shut(self._server, self._transports, self._handlers)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class CommitCutProxy(_LoopbackServer):
    """A loopback TCP proxy in front of one database server that can lose a COMMIT's reply.

    Attributes:
        port: the local port to connect to (after :meth:`start`).
        commits_seen: COMMIT statements forwarded so far.
        cuts: links cut after a COMMIT.
    """

    def __init__(self, target_host: str, target_port: int, protocol: WireProtocol) -> None:
        super().__init__()
        self.target_host = target_host
        self.target_port = target_port
        self.protocol = protocol
        self.commits_seen = 0
        self.cuts = 0
        self._armed = False
        self._black_hole = False

    def cut_next_commit(self) -> None:
        """Cut the link of the next connection that sends COMMIT, once its reply is back."""
        self._armed = True

    def black_hole(self, on: bool = True) -> None:
        """Drop every byte in both directions without closing anything (a dead network)."""
        self._black_hole = on

    async def _on_connect(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        _track(self._handlers)
        try:
            server_reader, server_writer = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError:
            client_writer.transport.abort()
            return
        links = (client_writer.transport, server_writer.transport)
        self._transports.update(links)
        # Set by the upstream pump once a COMMIT went out on an armed proxy; the
        # downstream pump then swallows the reply and cuts both sides.
        cutting = asyncio.Event()

        async def upstream() -> None:
            while chunk := await client_reader.read(_CHUNK):
                if is_commit(self.protocol, chunk):
                    self.commits_seen += 1
                    if self._armed:
                        self._armed = False
                        cutting.set()
                if self._black_hole:
                    continue
                server_writer.write(chunk)
                await server_writer.drain()

        async def downstream() -> None:
            while chunk := await server_reader.read(_CHUNK):
                if cutting.is_set():
                    self.cuts += 1
                    for transport in links:
                        transport.abort()
                    return
                if self._black_hole:
                    continue
                client_writer.write(chunk)
                await client_writer.drain()

        try:
            await asyncio.gather(
                _until_closed(upstream(), server_writer),
                _until_closed(downstream(), client_writer),
            )
        finally:
            for transport in links:
                transport.abort()
                self._transports.discard(transport)


def _track(handlers: set[asyncio.Task[None]]) -> None:
    task = asyncio.current_task()
    if task is not None:
        handlers.add(task)
        task.add_done_callback(handlers.discard)


async def _shut(
    server: asyncio.Server | None,
    transports: set[asyncio.WriteTransport],
    handlers: set[asyncio.Task[None]],
) -> None:
    # Abort every link, then let the handlers see it and finish on their own, so no task is
    # left for the event loop to cancel at shutdown.
    if server is not None:
        server.close()
    for transport in list(transports):
        transport.abort()
    transports.clear()
    if handlers:
        await asyncio.wait(list(handlers), timeout=5)


async def _until_closed(pump: Awaitable[None], peer: asyncio.StreamWriter) -> None:
    # One direction ending (EOF, reset, cut) ends the other: close the peer's side.
    try:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            await pump
    finally:
        peer.transport.abort()


class SilentServer(_LoopbackServer):
    """Accepts TCP connections on 127.0.0.1 and never sends a byte: a hung server.

    Attributes:
        port: the local port (after :meth:`start`).
        accepted: connections accepted so far.
    """

    def __init__(self) -> None:
        super().__init__()
        self.accepted = 0

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _track(self._handlers)
        self.accepted += 1
        self._transports.add(writer.transport)
        # Read and discard until the client gives up, so its bytes never pile up unread.
        with contextlib.suppress(OSError):
            while await reader.read(_CHUNK):
                pass
        writer.transport.abort()
        self._transports.discard(writer.transport)


def closed_port() -> int:
    """A loopback port on which nothing listens (bound once, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
