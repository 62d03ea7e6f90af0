#!/usr/bin/env python3
"""A hostile BitTorrent peer for robustness tests; listens on 127.0.0.1:PORT.

  bad_peer.py stall   INFO_HASH_HEX PIECES PORT   handshakes, has every piece, unchokes, then
                                                  never answers a request
  bad_peer.py garbage INFO_HASH_HEX PIECES PORT   handshakes, then sends a 1 GiB length prefix
  bad_peer.py flood   INFO_HASH_HEX PIECES HOST:PORT  connects out, says interested, then sends
                                                  10,000 requests at once
  bad_peer.py unasked INFO_HASH_HEX PIECES HOST:PORT  connects out, then sends 8 MiB of blocks
                                                  nobody asked for
  bad_peer.py liar    INFO_HASH_HEX PIECES HOST:PORT  listens on HOST:PORT; each connection has a
                                                  new peer ID, every piece, unchokes and answers
                                                  every request with zeros; prints "connection N"

Prints "ready" when listening. Serves connections one after another until killed.
"""
import os
import socket
import struct
import sys


def outgoing(mode, info_hash, pieces, address):
    host, port = address.rsplit(":", 1)
    conn = socket.create_connection((host, int(port)))
    conn.sendall(bytes([19]) + b"BitTorrent protocol" + bytes(8) + info_hash + b"-XX0001-badbadbadbad")
    conn.recv(68)
    conn.sendall(struct.pack(">IB", 1 + (pieces + 7) // 8, 5) + bytes((pieces + 7) // 8))
    conn.sendall(struct.pack(">IB", 1, 2))  # interested
    try:
        if mode == "flood":
            conn.sendall(b"".join(struct.pack(">IBIII", 13, 6, i % pieces, 0, 16384) for i in range(10000)))
        else:
            block = bytes(16384)
            for i in range(512):
                conn.sendall(struct.pack(">IBII", 9 + len(block), 7, i % pieces, 0) + block)
        conn.settimeout(10)
        while conn.recv(65536):
            pass
        print("closed by the other side", flush=True)
    except OSError as error:
        print("closed by the other side:", error, flush=True)
    return 0


def read_exactly(conn, count):
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


def liar(info_hash, pieces, address):
    host, port = address.rsplit(":", 1)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((host, int(port)))
    server.listen(8)
    print("ready", flush=True)
    count = 0
    while True:
        conn, _ = server.accept()
        count += 1
        print("connection %d" % count, flush=True)
        try:
            read_exactly(conn, 68)
            conn.sendall(bytes([19]) + b"BitTorrent protocol" + bytes(8) + info_hash + b"-XX0001-" + os.urandom(6).hex().encode())
            bitfield = bytearray((pieces + 7) // 8)
            for i in range(pieces):
                bitfield[i // 8] |= 0x80 >> (i % 8)
            conn.sendall(struct.pack(">IB", 1 + len(bitfield), 5) + bytes(bitfield))
            conn.sendall(struct.pack(">IB", 1, 1))  # unchoke
            conn.settimeout(30)
            while True:
                length = struct.unpack(">I", read_exactly(conn, 4))[0]
                if length == 0:
                    continue
                body = read_exactly(conn, length)
                if body[0] == 6 and length == 13:  # request: answer with zeros
                    index, begin, size = struct.unpack(">III", body[1:])
                    conn.sendall(struct.pack(">IBII", 9 + size, 7, index, begin) + bytes(size))
        except OSError:
            pass
        finally:
            conn.close()


def main():
    mode, info_hash, pieces = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3])
    if mode in ("flood", "unasked"):
        return outgoing(mode, info_hash, pieces, sys.argv[4])
    if mode == "liar":
        return liar(info_hash, pieces, sys.argv[4])
    port = int(sys.argv[4])
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(8)
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        try:
            conn.recv(68)
            conn.sendall(bytes([19]) + b"BitTorrent protocol" + bytes(8) + info_hash + b"-XX0001-badbadbadbad")
            if mode == "garbage":
                conn.sendall(struct.pack(">I", 1 << 30) + b"\x07" + bytes(64))
            else:
                bitfield = bytearray((pieces + 7) // 8)
                for i in range(pieces):
                    bitfield[i // 8] |= 0x80 >> (i % 8)
                conn.sendall(struct.pack(">IB", 1 + len(bitfield), 5) + bytes(bitfield))
                conn.sendall(struct.pack(">IB", 1, 1))  # unchoke
            conn.settimeout(60)
            while conn.recv(65536):
                pass
        except OSError:
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    sys.exit(main())
