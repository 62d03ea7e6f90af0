#!/usr/bin/env python3
"""Peers that take connections and never say a word (no handshake). (Silent peers that
connect: hostile_http.py slowloris ... silent.)

  silent_peers.py listen HOST FIRST_PORT COUNT SECONDS
      listens on COUNT ports from FIRST_PORT, accepts and holds every connection silently for
      SECONDS; prints "ready", then one JSON line: connections accepted, the most open at once,
      and the longest one the other side held before closing it
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


if __name__ == "__main__":
    listen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
