#!/usr/bin/env python3
"""Peers that connect, or take connections, and never say a word (no handshake).

  silent_peers.py listen HOST FIRST_PORT COUNT SECONDS
      listens on COUNT ports from FIRST_PORT, accepts and holds every connection silently for
      SECONDS; prints "ready", then one JSON line: connections accepted, the most open at once,
      and the longest one the other side held before closing it
  silent_peers.py dial HOST PORT COUNT
      opens COUNT connections and sends nothing; prints one JSON line: after how many seconds
      the other side had closed all of them (null if not within 30 s)
"""
import json
import select
import socket
import sys
import time


def listen(host, first, count, seconds):
    servers = []
    for port in range(first, first + count):
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        server.listen(16)
        server.setblocking(False)
        servers.append(server)
    print("ready", flush=True)
    opened = {}
    accepted, most, longest = 0, 0, 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        readable, _, _ = select.select(servers + list(opened), [], [], 0.1)
        now = time.monotonic()
        for sock in readable:
            if sock in servers:
                conn, _ = sock.accept()
                opened[conn] = now
                accepted += 1
            else:
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    longest = max(longest, now - opened.pop(sock))
                    sock.close()
        most = max(most, len(opened))
    print(json.dumps({"accepted": accepted, "most_open": most, "longest_held": round(longest, 1)}, separators=(",", ":")), flush=True)


def dial(host, port, count):
    conns = [socket.create_connection((host, port)) for _ in range(count)]
    start = time.monotonic()
    closed_after = None
    while conns and time.monotonic() - start < 30:
        readable, _, _ = select.select(conns, [], [], 0.2)
        for conn in readable:
            try:
                data = conn.recv(4096)
            except OSError:
                data = b""
            if not data:
                conns.remove(conn)
                conn.close()
        if not conns:
            closed_after = round(time.monotonic() - start, 1)
    print(json.dumps({"closed_after": closed_after}, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        listen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    else:
        dial(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
