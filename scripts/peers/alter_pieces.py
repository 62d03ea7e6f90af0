#!/usr/bin/python3
"""Makes an older version of an image: flips one byte at the start of every Nth piece of an
EZIO-layout torrent (files named by their device offset in hex), in place on DISK.
  alter_pieces.py TORRENT DISK EVERY      prints how many pieces it changed"""
import sys

import libtorrent as lt

info = lt.torrent_info(sys.argv[1])
disk, every = sys.argv[2], int(sys.argv[3])
files = info.files()
extents = []  # (torrent offset, device offset, length)
at = 0
for index in range(files.num_files()):
    length = files.file_size(index)
    extents.append((at, int(files.file_path(index).replace("\\", "/").split("/")[-1], 16), length))
    at += length
changed = 0
with open(disk, "r+b") as out:
    for piece in range(0, info.num_pieces(), every):
        start = piece * info.piece_length()
        for torrent_offset, device_offset, length in extents:
            if torrent_offset <= start < torrent_offset + length:
                out.seek(device_offset + start - torrent_offset)
                byte = out.read(1)
                out.seek(device_offset + start - torrent_offset)
                out.write(bytes([byte[0] ^ 0x5A]))
                changed += 1
                break
print(changed)
