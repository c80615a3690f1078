"""An ASGI app served by uvicorn in a thread on a loopback port: for harvesters, browsers and benchmarks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(app: Any, port: int | None = None, lifespan: Literal["on", "off"] = "off", **options: Any) -> Iterator[str]:
    """Yield the base URL (http://127.0.0.1:PORT) while `app` is served.

    `lifespan="off"` (the default) skips the app's background work, such as
    the index sync loop; pass "on" to serve it as `mawrid serve` does. `options` go to
    uvicorn.Config (`web.app.SERVER_OPTIONS` for exactly what `mawrid serve` runs).
    """
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
