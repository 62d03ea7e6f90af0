#!/usr/bin/python3
"""A python3-libtorrent peer for interoperability tests and benchmarks.

  lt_peer.py make   FILE TORRENT [PIECE_LENGTH] [TRACKER]  write a normal single-file torrent of FILE
  lt_peer.py seed   TORRENT SAVE_DIR PORT                   seed until killed; prints "ready" when listening
  lt_peer.py leech  TORRENT SAVE_DIR [HOST:PORT ...]        download (from these peers and/or the torrent's
                                                            trackers), exit 0 once complete and verified;
                                                            with LT_PREALLOCATED=1 the files already exist
                                                            (preallocated) and are not checked first; with
                                                            LT_KEEP_SEEDING=1 it keeps seeding once complete

Runs with uTP, DHT, LSD, UPnP and NAT-PMP off, so nothing leaves the test, and with several
connections per IP allowed (test peers share 127.0.0.1). Needs /usr/bin/python3 (Debian's
python3-libtorrent is not importable from other interpreters).
"""
import sys
import time

import libtorrent as lt


def session(port):
    settings = {
        "listen_interfaces": "127.0.0.1:%d,0.0.0.0:%d" % (port, port) if port else "0.0.0.0:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        "allow_multiple_connections_per_ip": True,
        "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.status_notification,
        "user_agent": "lt_peer",
    }
    return lt.session(settings)


def make(path, out, piece_length=16 << 20, tracker=None):
    fs = lt.file_storage()
    lt.add_files(fs, path)
    t = lt.create_torrent(fs, int(piece_length), flags=lt.create_torrent.v1_only)
    if tracker:
        t.add_tracker(tracker)
    import os
    lt.set_piece_hashes(t, os.path.dirname(os.path.abspath(path)))
    with open(out, "wb") as f:
        f.write(lt.bencode(t.generate()))


def add(ses, torrent, save_dir, skip_check=False):
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
    params.save_path = save_dir
    if skip_check:
        params.flags |= lt.torrent_flags.no_verify_files
    return ses.add_torrent(params)


def main():
    mode = sys.argv[1]
    if mode == "make":
        make(sys.argv[2], sys.argv[3], *(sys.argv[4:6]))
        return 0
    if mode == "seed":
        ses = session(int(sys.argv[4]))
        handle = add(ses, sys.argv[2], sys.argv[3])
        handle.force_recheck()
        while not handle.status().is_seeding:
            time.sleep(0.1)
        print("ready", flush=True)
        while True:
            time.sleep(1)
    if mode == "leech":
        ses = session(0)
        import os
        handle = add(ses, sys.argv[2], sys.argv[3], skip_check=os.environ.get("LT_PREALLOCATED") == "1")
        for peer in sys.argv[4:]:
            host, port = peer.rsplit(":", 1)
            handle.connect_peer((host, int(port)))
        deadline = time.time() + 120
        while time.time() < deadline:
            status = handle.status()
            if status.is_seeding:
                print("complete %d bytes" % status.total_done, flush=True)
                if os.environ.get("LT_KEEP_SEEDING") == "1":
                    while True:
                        time.sleep(1)
                return 0
            for alert in ses.pop_alerts():
                if alert.category() & lt.alert.category_t.error_notification:
                    print("alert:", alert.message(), file=sys.stderr, flush=True)
            time.sleep(0.1)
        print("timed out at %.1f%%" % (handle.status().progress * 100), file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
