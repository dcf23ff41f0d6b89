"""Starts moto's AWS API server for the boot harness.

Listens on a TCP address (inside the harness's network namespace) and, optionally,
on a Unix socket the host and other namespaces reach it through. Adds what moto
lacks and the instance code needs:

* CloudFormation ``SignalResource`` (moto has no such action). Each call is
  recorded (StackName, LogicalResourceId, UniqueId, Status) and accepted whether or
  not the stack exists: moto cannot model a resource waiting for a signal.
* ``GET /arw-test/signals`` returns the recorded signals as a JSON list.
"""

import argparse
import json
import os
import signal
import sys
import threading
import uuid

from moto.cloudformation.responses import CloudFormationResponse
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

SIGNALS = []
SIGNALS_LOCK = threading.Lock()
SIGNAL_RESPONSE = (
    '<SignalResourceResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
    "<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
    "</SignalResourceResponse>"
)


def signal_resource(self):
    entry = {
        key: self._get_param(key)
        for key in ("StackName", "LogicalResourceId", "UniqueId", "Status")
    }
    with SIGNALS_LOCK:
        SIGNALS.append(entry)
    return SIGNAL_RESPONSE.format(request_id=uuid.uuid4())


CloudFormationResponse.signal_resource = signal_resource


def with_test_routes(app):
    def wrapped(environ, start_response):
        if environ.get("PATH_INFO") == "/arw-test/signals":
            with SIGNALS_LOCK:
                body = json.dumps(SIGNALS).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return app(environ, start_response)

    return wrapped


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    parser.add_argument("--unix-socket", help="also serve on this Unix socket")
    args = parser.parse_args()

    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = with_test_routes(DomainDispatcherApplication(create_backend_app))
    servers = [make_server(args.host, args.port, app, threaded=True)]
    if args.unix_socket:
        if os.path.exists(args.unix_socket):
            os.unlink(args.unix_socket)
        servers.append(make_server("unix://" + args.unix_socket, 0, app, threaded=True))
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(_signum, _frame):
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
