"""I/O: the CSRF token a cookie-authenticated change carries — the header, else the form field.

A browser form sends the token as a field of its body, so the body is read here (at most
`MAX_FORM_BYTES`; forms are small) and then handed on to the route intact, byte for byte.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.types import Message, Receive

from access.dependencies import CSRF_FIELD, CSRF_HEADER

#: A form body bigger than this is not read for its CSRF field (413): forms are small.
MAX_FORM_BYTES = 1024 * 1024
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def csrf_given(request: Request, receive: Receive) -> tuple[Receive, str | None, bool]:
    """The CSRF token the request carries (header, else form field), the `receive` to hand on, and "form too big"."""
    header = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if header or not content_type.startswith(FORM_TYPES):
        return receive, header, False
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return receive, None, True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    form = await Request(request.scope, _replay(body, receive)).form()
    value = form.get(CSRF_FIELD)
    await form.close()
    return _replay(body, receive), value if isinstance(value, str) else None, False


def _replay(body: bytes, then: Receive) -> Receive:
    """A `receive` handing the buffered body on once, then the server's own (which reports the disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive
