#!/usr/bin/env python3
"""A fault-injecting TLS reverse proxy on 127.0.0.1 for client tests.

It serves HTTP/1.1 over TLS with the given certificate and forwards each
request to the upstream HTTPS server, except when a rule of the plan says
otherwise. The plan (JSON) is a list of rules:

    {"method": "PATCH", "path": "/configmaps/f1", "faults": ["429", "500"]}

A request whose method matches and whose path contains `path` takes the
next fault of its rule (once the list is used up it is forwarded):

    429           answer 429 with Retry-After: 1 (not forwarded)
    500, 503      answer that status (not forwarded)
    drop-before   close the connection without forwarding or answering
    drop-after    forward, then close the connection instead of answering

Every request is logged as "TIME METHOD PATH ACTION STATUS" (TIME in
seconds since the epoch) to the log file. The chosen port is written to
--port-file once the proxy listens.
"""
import argparse
import http.client
import http.server
import json
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

LOCK = threading.Lock()


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--plan", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--port-file", required=True)
    return p.parse_args()


class Proxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def make_handler(args, plan, log):
    up = urllib.parse.urlsplit(args.upstream)
    up_ctx = ssl.create_default_context(cafile=args.ca)

    def next_fault(method, path):
        with LOCK:
            for rule in plan:
                if rule["method"] == method and rule["path"] in path and rule["faults"]:
                    return rule["faults"].pop(0)
        return None

    def record(method, path, action, status):
        with LOCK:
            log.write("%.3f %s %s %s %s\n" % (time.time(), method, path, action, status))
            log.flush()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def forward(self, body):
            conn = http.client.HTTPSConnection(up.hostname, up.port, context=up_ctx, timeout=60)
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("host", "connection", "accept-encoding")}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            return resp, data

        def answer(self, status, data, headers=()):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else None
            fault = next_fault(self.command, self.path)
            if fault in ("429", "500", "503"):
                code = int(fault)
                status = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                     "message": "injected %s" % fault, "code": code}).encode()
                hdrs = [("Content-Type", "application/json")]
                if code == 429:
                    hdrs.append(("Retry-After", "1"))
                record(self.command, self.path, fault, code)
                self.answer(code, status, hdrs)
                return
            if fault == "drop-before":
                record(self.command, self.path, fault, 0)
                self.close_connection = True
                return
            resp, data = self.forward(body)
            if fault == "drop-after":
                record(self.command, self.path, fault, resp.status)
                self.close_connection = True
                return
            record(self.command, self.path, "forward", resp.status)
            hdrs = [(k, v) for k, v in resp.getheaders()
                    if k.lower() in ("content-type", "retry-after", "audit-id")]
            self.answer(resp.status, data, hdrs)

        do_GET = do_PATCH = do_PUT = do_POST = do_DELETE = handle_any

    return Handler


def main():
    args = parse_args()
    with open(args.plan) as f:
        plan = json.load(f)
    log = open(args.log, "a")
    server = Proxy(("127.0.0.1", 0), make_handler(args, plan, log))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(["http/1.1"])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    with open(args.port_file, "w") as f:
        f.write(str(server.server_address[1]))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
