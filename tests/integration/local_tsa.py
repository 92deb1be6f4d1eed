#!/usr/bin/env python3
"""A loopback RFC 3161 time-stamp authority for the Authenticode tests: POSTed requests are answered
by `openssl ts -reply` with a TSA key of the test PKI. Listens on 127.0.0.1 (port chosen by the OS,
written to PORT_FILE; its pid to PORT_FILE.pid), serves until the test that started it kills it.

    local_tsa.py PORT_FILE TSA_CERT TSA_KEY CHAIN CONFIG
"""
import http.server
import os
import subprocess
import sys
import tempfile

PORT_FILE, CERT, KEY, CHAIN, CONFIG = sys.argv[1:6]
MAX_REQUEST = 64 * 1024


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length", "0"))
        if length <= 0 or length > MAX_REQUEST:
            self.send_error(400)
            return
        query = self.rfile.read(length)
        with tempfile.TemporaryDirectory() as tmp:
            qfile, rfile = os.path.join(tmp, "q.tsq"), os.path.join(tmp, "r.tsr")
            with open(qfile, "wb") as f:
                f.write(query)
            done = subprocess.run(["openssl", "ts", "-reply", "-config", CONFIG, "-queryfile", qfile,
                                   "-signer", CERT, "-inkey", KEY, "-chain", CHAIN, "-out", rfile],
                                  capture_output=True)
            if done.returncode != 0:
                self.send_error(500, done.stderr.decode(errors="replace")[:200])
                return
            with open(rfile, "rb") as f:
                reply = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".pid", "w") as f:  # this process, whatever wrapper (faketime) started it
    f.write(str(os.getpid()))
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
