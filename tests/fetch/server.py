#!/usr/bin/env python3
"""server.py - a fault-injecting HTTP(S) server for the fetch tests.

Python standard library only.  Listens on 127.0.0.1 on a free port, writes
the port to --port-file once it accepts connections, serves the files of
--root, and appends one line per request to --log:
    <seconds since start> <path> range=<Range or -> if-range=<If-Range or ->
        accept-encoding=<Accept-Encoding or -> authorization=<Authorization or ->
It exits by itself after --lifetime seconds.

Routes (NAME is a file in --root):
  /img/NAME          the file; Range (206), ETag, Accept-Ranges: bytes
  /plain/NAME        the file; no Range support, no validators
  /flaky/NAME        500 on the first request, then /img/NAME
  /busy/NAME         429 with Retry-After: 1 on the first request, then the file
  /drop/NAME         first request: all headers, half the body, connection
                     closed; later requests: /img/NAME (so Range resumes)
  /dropplain/NAME    the same, but without Range support: a retry starts over
  /slow/NAME         the headers, then one byte every 0.25 s
  /html/NAME         200 text/html: an error page instead of an image
  /redirect/NAME     302 to /img/NAME
  /loop              302 to itself
  /tofile/NAME       302 to file:///<root>/NAME
  /tohttp/PORT/NAME  302 to http://127.0.0.1:PORT/img/NAME (from https, a
                     downgrade)
  /tohttps/PORT/NAME 302 to https://127.0.0.1:PORT/img/NAME
  /hugehdr/NAME      the file, after a 200 KB response header
  /endless           200 without a length, 64 KiB chunks until the client
                     gives up
  /errendless/N      the same with status N (an error page without end)
  /errhuge/N         status N declaring Content-Length: 10 GiB, then 4 KB
                     every 0.5 s (above any low-speed limit) for 30 s
  /changed/A+B       first request: A's length, half of A, connection closed,
                     no validator; later ones: B, a range of it saying B's
                     length (a file replaced between two attempts)
  /shrunk/A+B        first request: A's length, half of A, connection closed,
                     with an ETag; later ones: B, shorter, by a server that
                     ignores If-Range: a range past B's end is 416
  /rangeless/NAME    as /drop/NAME (Accept-Ranges, an ETag), but later
                     requests get 200 and the whole file, Range ignored
  /replaced/A+B      first request: half of A with its ETag, connection
                     closed; later ones: B (of A's length), If-Range
                     ignored: a range of B, with B's ETag
  /shifted/NAME      as /drop/NAME, but a resume is answered 206 with the
                     file's first bytes, not the range asked
  /huge              200 declaring Content-Length: 10 GiB
  /chunkedcl/NAME    the file chunked, beside a Content-Length of 100 GB
                     (which the chunked coding overrides: RFC 9112 6.3)
  /part/NAME         206, the file from byte 10, to a request without Range
  /wholepart/NAME    206, all of the file (bytes 0-(N-1)/N), likewise
  /gzip/NAME         the file gzipped, with Content-Encoding: gzip, unasked
  /gzipbomb/N        N zero bytes gzipped (a few KB on the wire), likewise
  /gzipbad/NAME      Content-Encoding: gzip on the file as it is (not gzip)
  /status/N          that status code (with a short page, but a 204 or 304)
  /late204           204, then 50 ms later a stray body on the connection
                     (which the next reply on it then starts with)
  /cut/N             that status code with a page that breaks off: 10 of
                     the 1,000 bytes announced, then the connection closed
  /redirendless/NAME 302 to /img/NAME whose body never ends (chunks for 30 s)
  /redirhuge/NAME    302 to /img/NAME declaring Content-Length: 10 GiB
  /droplong/NAME     as /drop/NAME, but the resumed 206 says the rest of
                     the file and sends 1,000 bytes more than that
  /announce/NAME     Content-Length: 150,000,000, then 3,000 bytes a second
                     of zeros (for 30 s)
  /once404/NAME      404 on the first request, then /img/NAME
  /htmlonce/NAME     200 text/html on the first request, then 404
  /wait/MS/NAME      /img/NAME after MS milliseconds (a distant server)
  /http09            no status line: bytes, then the connection closed
  /goto/PATH         302 to /PATH
A query string is ignored: /img/NAME?1 and /img/NAME?2 are one file.
With --tls CERT KEY, the same over HTTPS.
"""
import argparse
import gzip
import hashlib
import http.server
import os
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

START = time.monotonic()
LOCK = threading.Lock()
HITS = {}


def first_hit(path):
    """True for the first request of path."""
    with LOCK:
        HITS[path] = HITS.get(path, 0) + 1
        return HITS[path] == 1


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faulty/1"
    disable_nagle_algorithm = True  # headers and body go out as two writes

    def log_message(self, fmt, *args):
        pass

    def log_request_line(self):
        line = "%.3f %s range=%s if-range=%s accept-encoding=%s authorization=%s\n" % (
            time.monotonic() - START, self.path,
            self.headers.get("Range", "-"), self.headers.get("If-Range", "-"),
            self.headers.get("Accept-Encoding", "-"),
            self.headers.get("Authorization", "-").replace(" ", "_"))
        with LOCK:
            with open(self.server.log, "a") as f:
                f.write(line)

    def file_bytes(self, name):
        path = os.path.join(self.server.root, os.path.basename(urllib.parse.unquote(name)))
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return None

    def simple(self, code, body=b"", ctype="text/plain", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def serve_file(self, name, ranges=True):
        data = self.file_bytes(name)
        if data is None:
            return self.simple(404, b"not found\n")
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
        rng = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        start = 0
        if ranges and rng and rng.startswith("bytes=") and (
                if_range is None or if_range == etag):
            start = int(rng[6:].split("-")[0])
        if start >= len(data) and start:
            return self.simple(416, b"", extra=[
                ("Content-Range", "bytes */%d" % len(data))])
        self.send_part(data, start, [("Content-Type", "application/octet-stream")] +
                       ([("Accept-Ranges", "bytes"), ("ETag", etag)] if ranges else []))

    def range_start(self):
        """Where the Range asked starts (0 without one)."""
        rng = self.headers.get("Range")
        return int(rng[6:].split("-")[0]) if rng else 0

    def send_part(self, data, start, headers=()):
        """data from start: a 206 saying which part, or the whole as a 200."""
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(data) - start))
        for k, v in headers:
            self.send_header(k, v)
        if start:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (
                start, len(data) - 1, len(data)))
        self.end_headers()
        self.wfile.write(data[start:])

    def drop(self, name, ranges):
        data = self.file_bytes(name)
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        if ranges:
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", '"%s"' % hashlib.sha256(data).hexdigest()[:16])
        self.end_headers()
        self.wfile.write(data[:len(data) // 2])
        self.wfile.flush()
        self.close_connection = True

    def drip(self, name):
        data = self.file_bytes(name)
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        for i in range(len(data)):
            if time.monotonic() - START > self.server.lifetime:
                break
            self.wfile.write(data[i:i + 1])
            self.wfile.flush()
            time.sleep(0.25)

    def changed(self, name):
        """A+B: half of A with its length (a server taking ranges but
        sending no validator), then, A having become B, honest answers
        about B: a range of B says B's length."""
        a, _, b = name.partition("+")
        if first_hit(self.path):
            data = self.file_bytes(a)
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_part(self.file_bytes(b), self.range_start(),
                       [("Accept-Ranges", "bytes")])

    def shrunk(self, name):
        """A+B: half of A with an ETag, then B (shorter) to every later
        request, If-Range ignored: a range past B's end is 416."""
        a, _, b = name.partition("+")
        if first_hit(self.path):
            return self.drop(a, True)
        data = self.file_bytes(b)
        start = self.range_start()
        if start >= len(data):
            return self.simple(416, b"", extra=[
                ("Content-Range", "bytes */%d" % len(data))])
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def replaced(self, name):
        """A+B of one length: half of A with an ETag, then B to every
        later request by a server that ignores If-Range, yet answers a
        range with B's own ETag."""
        a, _, b = name.partition("+")
        if first_hit(self.path):
            return self.drop(a, True)
        data = self.file_bytes(b)
        self.send_part(data, self.range_start(), [
            ("Accept-Ranges", "bytes"),
            ("ETag", '"%s"' % hashlib.sha256(data).hexdigest()[:16])])

    def shifted(self, name):
        """The file to a request without Range; to a resume, a 206 of
        the length asked, but from the file's start."""
        data = self.file_bytes(name)
        start = self.range_start()
        if not start:
            return self.serve_file(name)
        self.send_response(206)
        self.send_header("Content-Range", "bytes 0-%d/%d" % (len(data) - start - 1, len(data)))
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[:len(data) - start])

    def announced(self, code, length, chunk, pause, location=None):
        """code declaring Content-Length: length (and Location), then chunk
        zero bytes every pause seconds for 30 s, whatever the length."""
        self.send_response(code)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self.wfile.write(b"\0" * chunk)
            self.wfile.flush()
            time.sleep(pause)
        self.close_connection = True

    def endless(self, code=200):
        self.send_response(code)
        self.send_header("Content-Type", "image/png")
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"\x89PNG" + b"\0" * 65532
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self.wfile.write(chunk)
        self.close_connection = True

    def do_GET(self):
        self.log_request_line()
        try:
            self.route()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def route(self):
        parts = self.path.split("?")[0].split("/", 2)  # a query: ignored
        kind = parts[1] if len(parts) > 1 else ""
        name = parts[2] if len(parts) > 2 else ""
        if kind == "img":
            self.serve_file(name)
        elif kind == "wait":
            ms, _, name = name.partition("/")
            time.sleep(int(ms) / 1000)
            self.serve_file(name)
        elif kind == "plain":
            self.serve_file(name, ranges=False)
        elif kind in ("flaky", "busy", "once404") and first_hit(self.path):
            code, extra = {"flaky": (500, []), "busy": (429, [("Retry-After", "1")]),
                           "once404": (404, [])}[kind]
            self.simple(code, b"try again later\n", extra=extra)
        elif kind in ("flaky", "busy", "once404"):
            self.serve_file(name)
        elif kind == "drop" and first_hit(self.path):
            self.drop(name, True)
        elif kind == "drop":
            self.serve_file(name)
        elif kind == "dropplain" and first_hit(self.path):
            self.drop(name, False)
        elif kind == "dropplain":
            self.serve_file(name, ranges=False)
        elif kind == "shifted" and first_hit(self.path):
            self.drop(name, True)
        elif kind == "shifted":
            self.shifted(name)
        elif kind == "slow":
            self.drip(name)
        elif kind == "htmlonce" and first_hit(self.path):
            self.simple(200, b"<html>sorry</html>\n", "text/html")
        elif kind == "htmlonce":
            self.simple(404)
        elif kind == "html":
            self.simple(200, b"<!DOCTYPE html><html><body>Sorry, this image "
                        b"is not available.</body></html>\n", "text/html")
        elif kind == "redirect":
            self.simple(302, extra=[("Location", "/img/" + name)])
        elif kind == "loop":
            self.simple(302, extra=[("Location", "/loop")])
        elif kind == "tofile":
            target = "file://" + os.path.join(self.server.root, name)
            self.simple(302, extra=[("Location", target)])
        elif kind == "hugehdr":
            data = self.file_bytes(name) or b""
            self.send_response(200)
            self.send_header("X-Big", "a" * 200000)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif kind in ("tohttp", "tohttps"):
            port, _, name = name.partition("/")
            target = "%s://127.0.0.1:%d/img/%s" % (kind[2:], int(port), name)
            self.simple(302, extra=[("Location", target)])
        elif kind == "endless":
            self.endless()
        elif kind == "errendless":
            self.endless(int(name))
        elif kind == "errhuge":
            self.announced(int(name), 10 << 30, 4096, 0.5)
        elif kind == "changed":
            self.changed(name)
        elif kind == "shrunk":
            self.shrunk(name)
        elif kind == "rangeless" and first_hit(self.path):
            self.drop(name, True)
        elif kind == "rangeless":
            self.serve_file(name, ranges=False)
        elif kind == "replaced":
            self.replaced(name)
        elif kind == "huge":
            self.send_response(200)
            self.send_header("Content-Length", str(10 << 30))
            self.end_headers()
            self.wfile.write(b"\x89PNG" + b"\0" * 65532)
            self.close_connection = True
        elif kind in ("gzip", "gzipbomb", "gzipbad"):
            if kind == "gzipbomb":
                data = b"\0" * int(name)
            else:
                data = self.file_bytes(name) or b""
            if kind != "gzipbad":
                data = gzip.compress(data, compresslevel=9)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif kind == "chunkedcl":
            data = self.file_bytes(name) or b""
            self.send_response(200)
            self.send_header("Content-Length", str(99999999999))
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data))
            self.close_connection = True
        elif kind == "wholepart":
            data = self.file_bytes(name) or b""
            self.send_response(206)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Content-Range", "bytes 0-%d/%d" % (
                len(data) - 1, len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif kind == "part":
            data = self.file_bytes(name) or b""
            self.send_response(206)
            self.send_header("Content-Length", str(len(data) - 10))
            self.send_header("Content-Range", "bytes 10-%d/%d" % (
                len(data) - 1, len(data)))
            self.end_headers()
            self.wfile.write(data[10:])
        elif kind == "redirendless":
            self.send_response(302)
            self.send_header("Location", "/img/" + name)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 65536
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                time.sleep(0.05)
            self.close_connection = True
        elif kind == "redirhuge":
            self.announced(302, 10 << 30, 65536, 0, "/img/" + name)
        elif kind == "droplong" and first_hit(self.path):
            self.drop(name, True)
        elif kind == "droplong":
            data = self.file_bytes(name)
            start = int(self.headers.get("Range", "bytes=0-")[6:].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Length", str(len(data) - start + 1000))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", '"%s"' % hashlib.sha256(data).hexdigest()[:16])
            self.send_header("Content-Range", "bytes %d-%d/%d" % (
                start, len(data) - 1, len(data)))
            self.end_headers()
            self.wfile.write(data[start:] + b"\0" * 1000)
        elif kind == "announce":
            self.announced(200, 150000000, 3000, 1)
        elif kind == "cut":
            self.send_response(int(name))
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"not here\n\n")
            self.wfile.flush()
            self.close_connection = True
        elif kind == "http09":
            self.wfile.write(b"hello\r\n")
            self.close_connection = True
        elif kind == "goto":
            self.simple(302, extra=[("Location", "/" + name)])
        elif kind == "status":  # no body where HTTP allows none
            code = int(name)
            self.simple(code, b"" if code in (204, 304) else
                        b"status %s\n" % name.encode())
        elif kind == "late204":
            self.simple(204)
            self.wfile.flush()
            time.sleep(0.05)
            self.wfile.write(b"stray body\n")
        else:
            self.simple(404, b"no such route\n")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--lifetime", type=float, default=120)
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.root = os.path.abspath(a.root)
    srv.log = a.log
    srv.lifetime = a.lifetime
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    open(a.log, "a").close()
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    threading.Timer(a.lifetime, lambda: os._exit(0)).start()
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
