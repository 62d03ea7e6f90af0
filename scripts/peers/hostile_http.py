#!/usr/bin/env python3
"""A hostile HTTP client for the seeder's port (tracker, boot files, reports).

  hostile_http.py slowloris HOST PORT SOURCE COUNT
      opens COUNT connections from the local address SOURCE, each sending half a request head,
      and holds them; prints one JSON line: how many the server refused at once (503 or close),
      how many it held, and after how many seconds it closed the last held one (or null if it
      still held any after 30 s)
  hostile_http.py limits HOST PORT
      one 9000-byte head in a single send, then a 20000-byte report body, then a head sent one
      byte at a time past 8 KiB; prints one JSON line with the three status codes (or "closed")
"""
import json
import select
import socket
import sys
import time


def connect(host, port, source=None):
    conn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if source:
        conn.bind((source, 0))
    conn.settimeout(5)
    conn.connect((host, port))
    return conn


def status(conn):
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    if not data:
        return "closed"
    return int(data.split(b" ")[1])


def slowloris(host, port, source, count):
    held, refused = [], 0
    for _ in range(count):
        try:
            conn = connect(host, port, source)
            conn.sendall(b"GET /announce?info_hash=")
        except OSError:
            refused += 1
            continue
        held.append(conn)
    time.sleep(0.5)
    # Connections the server answered at once (503) or closed count as refused.
    still = []
    for conn in held:
        readable, _, _ = select.select([conn], [], [], 0)
        if readable:
            refused += 1
            conn.close()
        else:
            still.append(conn)
    print(json.dumps({"event": "holding", "held": len(still), "refused": refused}, separators=(",", ":")), flush=True)
    start = time.monotonic()
    closed_after = None
    open_ = list(still)
    while open_ and time.monotonic() - start < 30:
        readable, _, _ = select.select(open_, [], [], 0.2)
        for conn in readable:
            try:
                data = conn.recv(4096)
            except OSError:
                data = b""
            if not data:
                open_.remove(conn)
                conn.close()
        if not open_:
            closed_after = round(time.monotonic() - start, 1)
    print(json.dumps({"event": "done", "held": len(still), "refused": refused, "closed_after": closed_after}, separators=(",", ":")), flush=True)


def limits(host, port):
    results = {}
    conn = connect(host, port)
    conn.sendall(b"GET /announce HTTP/1.0\r\nX-Pad: " + b"a" * 9000 + b"\r\n\r\n")
    results["big_head"] = status(conn)
    conn.close()
    conn = connect(host, port)
    conn.sendall(b"POST /report HTTP/1.0\r\nContent-Length: 20000\r\n\r\n" + b"{" * 20000)
    results["big_body"] = status(conn)
    conn.close()
    conn = connect(host, port)
    try:
        conn.sendall(b"GET /announce HTTP/1.0\r\n")
        for _ in range(8300):
            conn.sendall(b"a")
    except OSError:
        pass
    results["trickled_head"] = status(conn)
    conn.close()
    print(json.dumps(results, separators=(",", ":")), flush=True)


def main():
    mode = sys.argv[1]
    if mode == "slowloris":
        slowloris(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    elif mode == "limits":
        limits(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
