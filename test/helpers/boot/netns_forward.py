"""Runs inside a guest's network namespace: accepts connections on a Unix socket and
connects each to a TCP port on the namespace's loopback, so the test process (in the
host namespace) can reach a service the guest serves on 127.0.0.1 (e.g. the hub).
Prints "ready" once it listens. Python standard library only."""

import argparse
import os
import socket
import socketserver
import threading


def pipe(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            upstream = socket.create_connection(("127.0.0.1", self.server.target_port), timeout=10)
        except OSError:
            return
        upstream.settimeout(None)
        thread = threading.Thread(target=pipe, args=(upstream, self.request), daemon=True)
        thread.start()
        pipe(self.request, upstream)
        thread.join(timeout=600)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--unix-socket", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if os.path.exists(args.unix_socket):
        os.unlink(args.unix_socket)
    server = socketserver.ThreadingUnixStreamServer(args.unix_socket, Handler)
    server.daemon_threads = True
    server.target_port = args.port
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
