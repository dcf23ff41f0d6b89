"""Loopback HTTP servers for the instance-side unit tests' fakes (a hub, a download mirror).
The test scripts import it by name: python3 runs them directly, so this folder is on sys.path."""
import http.server
import json
import threading


class JsonHandler(http.server.BaseHTTPRequestHandler):
    """A request handler that answers JSON and keeps the test output free of access logs."""

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class Loopback:
    """`handler` served on a free port of 127.0.0.1 from a daemon thread; `url` has no trailing slash."""

    def __init__(self, handler):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
