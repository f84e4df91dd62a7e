"""The real server (uvicorn, the app as `homeward serve` builds it) in a background thread.

Browser tests need a real socket: TestClient never speaks HTTP on the wire, so it cannot show
what Chromium does with our headers, forms and multipart uploads. The socket is bound before
the thread starts (port 0, no race for a "free" port), and the server is stopped and joined
when the test ends, so no thread or port outlives it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from homeward.core.runtime import Runtime
from homeward.web.app import create_app

HOST = "127.0.0.1"


@contextmanager
def serve(runtime: Runtime, *, timeout: float = 10.0) -> Iterator[str]:
    """Serve the app for `runtime` on 127.0.0.1; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    # The same options as `homeward serve`: no access log, no proxy headers, no server header.
    config = uvicorn.Config(
        create_app(runtime),
        access_log=False,
        proxy_headers=False,
        server_header=False,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"live-server-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the live server stopped while starting")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the live server did not start within {timeout} s")
            time.sleep(0.02)
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
        if thread.is_alive():
            raise RuntimeError("the live server did not stop")
