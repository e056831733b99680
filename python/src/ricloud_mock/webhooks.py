"""A webhook receiver on a real socket that verifies ricloud signatures as the official client's receiver does.

The check follows ricloud-py 3.2.0 (`ricloud/webhooks.py:verify_request`, `ricloud/signing.py:Signature`):
the `Ricloud-Signature` header is `t=<unix seconds>,s=<base64 HMAC-SHA256>`, split at its first comma, each part
after its two-character prefix; the signed payload is `"<t>.<raw body as text>"`; the digests are compared in
constant time; then a `t` older than `delta` seconds (default 600) of this machine's clock is refused.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["SignatureError", "verify_signature", "WebhookReceiver", "Delivery"]

DEFAULT_DELTA = 600


class SignatureError(Exception):
    """The signature does not verify (bad header, wrong digest, or stale timestamp)."""


def verify_signature(header, body, secret, delta=DEFAULT_DELTA, now=None):
    """Raises SignatureError unless `header` signs `body` (bytes or text) with `secret` within `delta` seconds."""
    try:
        timestamp, signature = header.split(",", 1)
        timestamp = int(timestamp[2:])
        digest = base64.b64decode(signature[2:].encode("ascii"))
    except Exception:
        raise SignatureError("invalid signature header: %r" % (header,))
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    payload = "%s.%s" % (timestamp, text)
    expected = hmac.new(secret.encode("utf-8"), payload.encode("utf-8"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, digest):
        raise SignatureError("signature does not match the body and secret")
    current = int(time.time()) if now is None else now
    if delta and current - timestamp > delta:
        raise SignatureError("signature timestamp %d is more than %d s old" % (timestamp, delta))


class Delivery:
    """One request the receiver got: the event (parsed body), its raw bytes, headers, and whether it verified."""

    def __init__(self, path, headers, body, verified, error):
        self.path = path
        self.headers = headers
        self.body = body
        self.verified = verified
        self.error = error
        try:
            self.event = json.loads(body.decode("utf-8"))
        except ValueError:
            self.event = None

    @property
    def type(self):
        return (self.event or {}).get("type")

    @property
    def action(self):
        return (self.event or {}).get("action")

    def __repr__(self):
        return "Delivery(%s %s.%s verified=%s)" % (self.path, self.type, self.action, self.verified)


class WebhookReceiver:
    """An HTTP server in a thread on 127.0.0.1 (port 0: any free port). POST `<url>/<event id>` with a verified
    signature answers 200; a bad or missing signature answers 400, as the official receiver does (which also
    answers 400 to a non-JSON body). `secret` may be set after start (the config's secret is known only once it
    is created)."""

    def __init__(self, secret=None, delta=DEFAULT_DELTA, host="127.0.0.1", port=0, path="/webhooks"):
        self.secret = secret
        self.delta = delta
        self.path = path.rstrip("/")
        self._lock = threading.Lock()
        self._deliveries = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = receiver._receive(self.path, dict(self.headers.items()), body)
                text = b"OK" if status == 200 else b"refused"
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, format, *args):  # quiet
                return

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="ricloud-webhooks", daemon=True)
        self._thread.start()
        self.url = "http://%s:%d%s" % (host, self._server.server_port, self.path)

    def _receive(self, path, headers, body):
        verified, error = False, None
        content_type = headers.get("Content-Type", "")
        if not path.startswith(self.path + "/"):
            error = "unexpected path %s" % path
        elif "json" not in content_type:
            error = "not JSON (Content-Type %r)" % content_type
        elif self.secret is None:
            error = "no secret configured yet"
        else:
            header = headers.get("Ricloud-Signature")
            if header is None:
                error = "no Ricloud-Signature header"
            else:
                try:
                    verify_signature(header, body, self.secret, delta=self.delta)
                    verified = True
                except SignatureError as exc:
                    error = str(exc)
        delivery = Delivery(path, headers, body, verified, error)
        with self._lock:
            self._deliveries.append(delivery)
        return 200 if verified else 400

    @property
    def deliveries(self):
        """Every request received, in arrival order (verified or not)."""
        with self._lock:
            return list(self._deliveries)

    @property
    def events(self):
        """The events of verified deliveries, in arrival order."""
        return [d.event for d in self.deliveries if d.verified]

    @property
    def rejected(self):
        """Deliveries refused (bad or missing signature, not JSON)."""
        return [d for d in self.deliveries if not d.verified]

    def clear(self):
        with self._lock:
            self._deliveries = []

    def close(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
