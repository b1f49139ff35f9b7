"""I/O: a webhook receiver for Alertmanager's notifications, on a free loopback port in a thread of the bench process.

Every POST is answered 200 at once and kept as (received unix time, parsed JSON body, or None
when the body is not JSON); bench/am_notifications.py counts them.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    """`with WebhookReceiver() as receiver:` serves `receiver.url`; `receiver.calls` grows as notifications arrive."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, object]] = []
        calls = self.calls

        class Handler(BaseHTTPRequestHandler):
            timeout = 30  # a sender that stalls mid-request does not hold a thread for ever

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                at = time.time()
                try:
                    payload = json.loads(raw)
                except ValueError:
                    payload = None
                calls.append((at, payload))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:  # quiet: the bench prints its own summary
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # port 0: the kernel picks a free one
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhook"

    def __enter__(self) -> "WebhookReceiver":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
