#!/usr/bin/env python3
"""proxy.py - an HTTP proxy that only tunnels (CONNECT), for the fetch
tests: https URLs fetched through it with https_proxy.  Python standard
library only.  Listens on 127.0.0.1 on a free port, writes the port to
--port-file once it accepts connections, appends each CONNECT's target to
--log, and exits by itself after --lifetime seconds."""
import argparse
import os
import socket
import threading


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def tunnel(client, log):
    head = b""
    while b"\r\n\r\n" not in head:
        data = client.recv(4096)
        if not data:
            client.close()
            return
        head += data
    target = head.split(b" ")[1].decode()
    with open(log, "a") as f:
        f.write(target + "\n")
    host, port = target.rsplit(":", 1)
    upstream = socket.create_connection((host, int(port)))
    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
    pipe(client, upstream)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--lifetime", type=float, default=120)
    a = ap.parse_args()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    open(a.log, "a").close()
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    threading.Timer(a.lifetime, lambda: os._exit(0)).start()
    while True:
        client, _ = srv.accept()
        threading.Thread(target=tunnel, args=(client, a.log), daemon=True).start()


if __name__ == "__main__":
    main()
