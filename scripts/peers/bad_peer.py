#!/usr/bin/env python3
"""A hostile BitTorrent peer for robustness tests; listens on 127.0.0.1:PORT.

  bad_peer.py stall   INFO_HASH_HEX PIECES PORT   handshakes, has every piece, unchokes, then
                                                  never answers a request
  bad_peer.py garbage INFO_HASH_HEX PIECES PORT   handshakes, then sends a 1 GiB length prefix

Prints "ready" when listening. Serves connections one after another until killed.
"""
import socket
import struct
import sys


def main():
    mode, info_hash, pieces, port = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
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
