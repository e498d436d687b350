"""A TCP proxy to cut and restore on demand: the app's road to PostgreSQL or Redis.

bench.faults puts one in front of PostgreSQL and one in front of Redis, points the processes
under test at them, and cuts them instead of restarting the shared servers (other people's test
runs use the same PostgreSQL and Redis):

* `cut()` closes every open connection (both ends see a reset, as when a server restarts)
  and, until `restore()`, closes every new connection at once (a server still starting).
* `restore()` lets connections through again.

Run alone, it proxies until interrupted, and SIGUSR1 cuts, SIGUSR2 restores:

    .venv/bin/python -m bench.fault_proxy --listen 6543 --target 127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import contextlib
import select
import signal
import socket
import struct
import threading


class FaultProxy:
    def __init__(self, target_host: str, target_port: int, *, listen_port: int = 0) -> None:
        self.target = (target_host, target_port)
        self._server = socket.create_server(("127.0.0.1", listen_port), reuse_port=False)
        self.port = self._server.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._cut = False
        self._closed = False
        self.connections = 0
        self.refused = 0

    def start(self) -> FaultProxy:
        threading.Thread(target=self._accept, name=f"proxy-{self.port}", daemon=True).start()
        return self

    @property
    def is_cut(self) -> bool:
        return self._cut

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            pairs, self._pairs = self._pairs, set()
        for pair in pairs:
            for sock in pair:
                _reset(sock)

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._server.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if self._cut:
                self.refused += 1
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _reset(client)
                continue
            pair = (client, upstream)
            with self._lock:
                if self._cut:
                    _reset(client)
                    _reset(upstream)
                    continue
                self._pairs.add(pair)
                self.connections += 1
            threading.Thread(target=self._pump, args=(pair,), daemon=True).start()

    def _pump(self, pair: tuple[socket.socket, socket.socket]) -> None:
        client, upstream = pair
        other = {client: upstream, upstream: client}
        try:
            while True:
                readable, _, _ = select.select([client, upstream], [], [], 1.0)
                if pair not in self._pairs:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    other[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            with self._lock:
                self._pairs.discard(pair)
            for sock in pair:
                _close(sock)


def _reset(sock: socket.socket) -> None:
    """Close with RST, as a crashed or restarted server does, not a polite FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _close(sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fault_proxy")
    parser.add_argument("--listen", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--target", required=True, help="host:port")
    args = parser.parse_args(argv)
    host, port = args.target.rsplit(":", 1)
    proxy = FaultProxy(host, int(port), listen_port=args.listen).start()
    signal.signal(signal.SIGUSR1, lambda *_: proxy.cut())
    signal.signal(signal.SIGUSR2, lambda *_: proxy.restore())
    print(f"proxy 127.0.0.1:{proxy.port} -> {args.target}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        signal.pause()
    proxy.close()


if __name__ == "__main__":
    main()
