"""Runs, inside one guest's network namespace, what EC2 provides on the network:

* an IMDSv2 stand-in on 169.254.169.254:80 (token required on every GET, like an
  instance launched with HttpTokens=required), values from a JSON file;
* a TCP forwarder from 127.0.0.1:<port> to the moto server's Unix socket, so the
  guest reaches the AWS API stand-in at http://127.0.0.1:<port>.

Prints "ready" once both listen. Python standard library only.
"""

import argparse
import datetime
import json
import secrets
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKENS = {}
TOKENS_LOCK = threading.Lock()
MAX_TTL = 21600


def metadata_tree(cfg):
    """Maps each path (no trailing slash) to its body."""
    expiration = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    role = cfg["roleName"]
    credentials = {
        "Code": "Success",
        "LastUpdated": now,
        "Type": "AWS-HMAC",
        "AccessKeyId": cfg["accessKeyId"],
        "SecretAccessKey": cfg["secretAccessKey"],
        "Token": cfg["sessionToken"],
        "Expiration": expiration,
    }
    document = {
        "accountId": cfg["accountId"],
        "architecture": cfg["architecture"],
        "availabilityZone": cfg["availabilityZone"],
        "imageId": cfg["imageId"],
        "instanceId": cfg["instanceId"],
        "instanceType": cfg["instanceType"],
        "privateIp": cfg["privateIp"],
        "region": cfg["region"],
        "version": "2017-09-30",
    }
    meta = {
        "ami-id": cfg["imageId"],
        "hostname": cfg["hostname"],
        "instance-id": cfg["instanceId"],
        "instance-type": cfg["instanceType"],
        "local-hostname": cfg["hostname"],
        "local-ipv4": cfg["privateIp"],
        "placement/availability-zone": cfg["availabilityZone"],
        "placement/region": cfg["region"],
        "iam/security-credentials": role,
        "iam/security-credentials/" + role: json.dumps(credentials, indent=2),
        "iam/info": json.dumps(
            {
                "Code": "Success",
                "LastUpdated": now,
                "InstanceProfileArn": "arn:aws:iam::%s:instance-profile/%s" % (cfg["accountId"], role),
                "InstanceProfileId": "AIPAARWTESTPROFILE",
            }
        ),
    }
    tree = {"/latest/meta-data/" + k: v for k, v in meta.items()}
    tree["/latest/meta-data"] = "\n".join(sorted({k.split("/")[0] + ("/" if "/" in k else "") for k in meta}))
    tree["/latest/meta-data/placement"] = "availability-zone\nregion"
    tree["/latest/meta-data/iam"] = "info\nsecurity-credentials/"
    tree["/latest/dynamic/instance-identity/document"] = json.dumps(document, indent=2)
    tree["/latest/user-data"] = cfg.get("userData", "")
    return tree


class ImdsHandler(BaseHTTPRequestHandler):
    tree = {}

    def log_message(self, *_args):
        pass

    def reply(self, status, body=""):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        if self.path != "/latest/api/token":
            return self.reply(404)
        try:
            ttl = int(self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", ""))
        except ValueError:
            return self.reply(400)
        if not 1 <= ttl <= MAX_TTL:
            return self.reply(400)
        token = secrets.token_urlsafe(32)
        with TOKENS_LOCK:
            TOKENS[token] = time.monotonic() + ttl
        self.send_response(200)
        self.send_header("X-aws-ec2-metadata-token-ttl-seconds", str(ttl))
        data = token.encode()
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        token = self.headers.get("X-aws-ec2-metadata-token", "")
        with TOKENS_LOCK:
            valid = TOKENS.get(token, 0) > time.monotonic()
        if not valid:
            return self.reply(401)
        path = self.path.split("?", 1)[0].rstrip("/")
        if path not in self.tree:
            return self.reply(404)
        return self.reply(200, self.tree[path])


class Forwarder(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def forward_handler(unix_path):
    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(unix_path)
            except OSError:
                return
            threading.Thread(target=pump, args=(upstream, self.request), daemon=True).start()
            pump(self.request, upstream)

    return Handler


def pump(source, destination):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            destination.sendall(data)
    except OSError:
        pass
    finally:
        for sock, how in ((destination, socket.SHUT_WR), (source, socket.SHUT_RD)):
            try:
                sock.shutdown(how)
            except OSError:
                pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--imds-config", required=True, help="JSON file with the instance's metadata")
    parser.add_argument("--imds-address", default="169.254.169.254")
    parser.add_argument("--forward-port", type=int, default=5000)
    parser.add_argument("--forward-to", required=True, help="Unix socket of the moto server")
    args = parser.parse_args()

    with open(args.imds_config) as f:
        ImdsHandler.tree = metadata_tree(json.load(f))
    imds = ThreadingHTTPServer((args.imds_address, 80), ImdsHandler)
    imds.daemon_threads = True
    forwarder = Forwarder(("127.0.0.1", args.forward_port), forward_handler(args.forward_to))
    threading.Thread(target=forwarder.serve_forever, daemon=True).start()
    print("ready", flush=True)
    imds.serve_forever()


if __name__ == "__main__":
    main()
