"""Gunicorn workers whose client sockets carry a read deadline.

A client that announces a body and then sends nothing would otherwise hold a worker thread
until it went away, which may be never. With a deadline on the socket, a read that waits
longer than ``request_timeout_seconds`` fails; Werkzeug turns the failed body read into a
400 (``ClientDisconnected``) and the connection is closed, so the stalled client is dropped
and whatever it sent is discarded. The deadline is per read: a slow client that keeps
sending is not cut off, one that stops is.

Measured with 100 clients that announce a 100 KB upload and stop after 8 bytes (4 workers,
deadline 10 s, 40 ``GET /me`` probes meanwhile): plain ``gthread`` with 4 threads answered no
probe within 5 s and never closed a stalled client; with the deadline alone, gunicorn's
lingering close (two seconds each, in the worker's main loop) released the stalled clients one
per worker every two seconds, and 3 of 40 probes waited 5 s; with the close below, 64 threads
and at most 64 connections per worker (so a busy worker leaves new connections to the others),
every probe was answered (p50 3.7 ms, max 16 ms) and every stalled client was closed 10.0 to
10.2 s after it stopped. The gevent worker served the probes too but took a patched interpreter
under SQLite, scrypt and the job threads, so the threaded worker stays.
"""

from __future__ import annotations

import errno
import socket


def deadline_thread_worker(seconds: float) -> type:
    """gunicorn's ``gthread`` worker, each request read under a ``seconds`` deadline."""
    from gunicorn.workers.gthread import TConn, ThreadWorker

    class DeadlineConnection(TConn):  # type: ignore[misc]
        def init(self) -> None:
            """Runs before every request of the connection, after gunicorn set it blocking."""
            super().init()
            self.sock.settimeout(seconds)

        def close(self, graceful: bool = False) -> None:
            """Close without waiting for the client, which may be the one that stalled.

            gunicorn closes in its main loop, and its graceful close lingers up to two seconds
            for the client's end: a stalled client then holds every connection of the worker.
            """
            if graceful:
                close_without_lingering(self.sock)
            else:
                super().close()

    class DeadlineThreadWorker(ThreadWorker):  # type: ignore[misc]
        def accept(self, listener: socket.socket) -> None:
            try:
                client, address = listener.accept()
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                    raise
                return
            self.nr_conns += 1
            client.setblocking(True)
            self.enqueue_req(DeadlineConnection(self.cfg, client, address, listener.getsockname()))

    return DeadlineThreadWorker


def close_without_lingering(sock: socket.socket, max_drain: int = 65536) -> None:
    """Send FIN, drop what the client already sent (so the kernel sends no RST), close."""
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.setblocking(False)
        drained = 0
        while drained < max_drain:
            data = sock.recv(4096)
            if not data:
                break
            drained += len(data)
    except OSError:
        pass
    finally:
        sock.close()
