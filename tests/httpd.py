#!/usr/bin/env python3
"""Loopback HTTP(S) server for the download tests: one route per way a
download can go right or wrong. Binds 127.0.0.1 on a free port, writes the
port to --port-file, and exits by itself after --lifetime seconds or when its
parent goes away. Standard library only."""

import argparse
import http.server
import os
import socketserver
import ssl
import sys
import threading
import time

NOTZIP = b"this is not a zip file\n"
STREAM_CHUNK = 64 * 1024
BIG_HEADER_BYTES = 200 * 1000


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nt_flash-testd"

    def log_message(self, fmt, *args):  # keep test output clean
        pass

    def send_body(self, body, ctype="application/zip", extra=()):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, where):
        self.send_response(302)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def error(self, code):
        body = b"error page\n"
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def stream(self, declared, total):
        """Send total bytes quickly; declare a length only if declared."""
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        if declared is not None:
            self.send_header("Content-Length", str(declared))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        chunk = b"\0" * STREAM_CHUNK
        sent = 0
        try:
            while sent < total:
                n = min(STREAM_CHUNK, total - sent)
                self.wfile.write(chunk[:n])
                sent += n
        except OSError:
            pass  # the client gave up, as it should

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        ok = self.server.ok_bytes
        big = self.server.big_bytes
        if path == "/ok.zip" or path.startswith("/name/"):
            self.send_body(ok)
        elif path == "/disposition":
            self.send_body(ok, extra=[("Content-Disposition",
                                       'attachment; filename="dir/disting_NT_1.2.3.zip"')])
        elif path == "/bigheader":
            # One header line over libcurl's 100 KB limit.
            self.send_body(ok, extra=[("X-Big", "a" * BIG_HEADER_BYTES)])
        elif path.startswith("/files/") and self.server.files_dir:
            # Files the test writes (release pages, packages), read afresh
            # on every request so a test can change them between runs.
            name = path[len("/files/"):]
            full = os.path.join(self.server.files_dir, name)
            if "/" in name or name.startswith(".") or not os.path.isfile(full):
                self.error(404)
            else:
                with open(full, "rb") as f:
                    body = f.read()
                self.send_body(body, "text/html" if name.endswith(".html") else "application/zip")
        elif path.startswith("/goto/"):
            self.redirect("/" + path[len("/goto/"):])
        elif path == "/ua":
            self.send_body(self.headers.get("User-Agent", "").encode(), "text/plain")
        elif path == "/notzip":
            self.send_body(NOTZIP)
        elif path == "/404":
            self.error(404)
        elif path == "/500":
            self.error(500)
        elif path.startswith("/redirect/"):
            n = int(path[len("/redirect/"):])
            self.redirect("/ok.zip" if n <= 1 else "/redirect/%d" % (n - 1))
        elif path == "/loop":
            self.redirect("/loop")
        elif path == "/ftp":
            self.redirect("ftp://127.0.0.1/ok.zip")
        elif path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", str(len(ok) + 1000))
            self.end_headers()
            self.wfile.write(ok)
            self.wfile.flush()
            self.close_connection = True
        elif path == "/stall" or path.startswith("/stall/"):
            self.send_response(200)
            self.send_header("Content-Length", str(len(ok)))
            self.end_headers()
            self.wfile.write(ok[:10])
            self.wfile.flush()
            time.sleep(self.server.stall_s)
            self.close_connection = True
        elif path == "/big":
            self.stream(big, big)
        elif path == "/bignolength":
            self.stream(None, big)
        elif path == "/nolength":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            for i in range(0, len(ok), 4096):
                self.wfile.write(ok[i:i + 4096])
            self.close_connection = True
        else:
            self.error(404)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, args):
        super().__init__(("127.0.0.1", 0), Handler)
        with open(args.ok_file, "rb") as f:
            self.ok_bytes = f.read()
        self.big_bytes = args.big
        self.stall_s = args.stall
        self.files_dir = args.files
        self.tls = None
        if args.cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(args.cert, args.key)
            self.tls = ctx

    def handle_error(self, request, client_address):
        pass  # clients that give up mid-response are what these tests are about

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the request's thread, so a client that
        # rejects the certificate never blocks the accept loop.
        if self.tls:
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)


def watchdog(lifetime, parent):
    end = time.monotonic() + lifetime
    while time.monotonic() < end and os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--ok-file", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--big", type=int, default=2 * 1024 * 1024)
    p.add_argument("--stall", type=float, default=10.0)
    p.add_argument("--lifetime", type=float, default=120.0)
    p.add_argument("--files", help="serve this folder's files at /files/NAME")
    args = p.parse_args()

    srv = Server(args)
    threading.Thread(target=watchdog, args=(args.lifetime, os.getppid()),
                     daemon=True).start()
    tmp = args.port_file + ".part"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)  # readers never see a half-written port
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
