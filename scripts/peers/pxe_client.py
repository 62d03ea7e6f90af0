#!/usr/bin/env python3
"""A PXE client's boot-server request, as firmware sends it after the proxy DHCP offer: a
DHCPREQUEST to the proxy's port 4011 with the PXEClient vendor class and the client
architecture (option 93). An answer with a boot menu (BIOS) is followed, as a BIOS PXE ROM
does, by a request for the menu's first item (option 43, sub-option 71). Prints the boot file
of the answer, or exits 1 without one.
  pxe_client.py SERVER_IP MAC ARCH     (ARCH: 0 BIOS, 7 x64 UEFI)"""
import os
import socket
import struct
import sys

server, mac, arch = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), int(sys.argv[3])
xid = os.urandom(4)
# ciaddr: the address the lab's DHCP server gave (dnsmasq answers a boot item only then).
probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
probe.connect((server, 4011))
ciaddr = socket.inet_aton(probe.getsockname()[0])
probe.close()
vendor = b"PXEClient:Arch:%05d:UNDI:003000" % arch
packet = struct.pack("!BBBB4sHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0, ciaddr, b"\0" * 4, b"\0" * 4, b"\0" * 4,
                     mac + b"\0" * 10, b"", b"")
options = bytes([99, 130, 83, 99, 53, 1, 3, 60, len(vendor)]) + vendor + bytes([93, 2, 0, arch, 97, 17, 0]) + b"\x01" * 16 + bytes([255])


def dhcp_options(reply):
    found, at = {}, 240
    while at + 1 < len(reply) and reply[at] != 255:
        if reply[at] == 0:
            at += 1
            continue
        found[reply[at]] = reply[at + 2:at + 2 + reply[at + 1]]
        at += 2 + reply[at + 1]
    return found


def first_menu_item(vendor):
    at = 0
    while at + 1 < len(vendor) and vendor[at] != 255:
        code, length = vendor[at], vendor[at + 1]
        if code in (8, 9) and length >= 2:  # PXE_BOOT_SERVERS, PXE_BOOT_MENU: type first
            return vendor[at + 2:at + 4]
        at += 2 + length
    return None


sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(3)
request = options
for _ in range(4):
    sock.sendto(packet + request, (server, 4011))
    try:
        reply, _ = sock.recvfrom(2048)
    except socket.timeout:
        continue
    if reply[4:8] != xid:
        continue
    name = reply[108:236].split(b"\0")[0].decode("ascii", "replace")
    if name:
        print(name)
        sys.exit(0)
    item = first_menu_item(dhcp_options(reply).get(43, b""))
    if item is None:
        break
    request = options[:-1] + bytes([43, 7, 71, 4]) + item + bytes([0, 0, 255, 255])
sys.exit(1)
