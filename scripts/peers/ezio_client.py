#!/usr/bin/python3
"""A gRPC client of EZIO's control API (package ezio, service EZIO), written from the
message table in the issue, with grpcio and protobuf (Debian's python3-grpcio). It drives
`ezio daemon` as Clonezilla's scripts drive EZIO, for the tests.

    ezio_client.py ADDR version
    ezio_client.py ADDR add TORRENT SAVE_PATH [--seed] [--sequential] [--max-uploads N] [--max-connections N]
    ezio_client.py ADDR status [HASH...]          (JSON on stdout)
    ezio_client.py ADDR pause HASH | resume HASH | shutdown
    ezio_client.py ADDR wait-finished HASH [--timeout S]
    ezio_client.py ADDR clonezilla [--wait S] [--timeout S]
        Clonezilla's stop rule: poll; pause a finished torrent once its upload exceeds
        3 x total_done, or once finished_time passes --wait and last_upload is over 15 s
        (or -1); when all are finished and paused, call Shutdown.

Errors print "STATUS_CODE: details" on stderr and exit 3.
"""
import argparse
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "..", "..", "Protos")


def load_messages():
    """Compiles Protos/ezio.proto with Debian's protoc into a temporary module."""
    out = tempfile.mkdtemp(prefix="ezio-pb-")
    atexit.register(shutil.rmtree, out, True)
    subprocess.run(["protoc", "-I", PROTO_DIR, "--python_out", out, "ezio.proto"], check=True)
    sys.path.insert(0, out)
    import ezio_pb2  # noqa: E402
    return ezio_pb2


pb = load_messages()


class Client:
    def __init__(self, address):
        self.channel = grpc.insecure_channel(address)
        grpc.channel_ready_future(self.channel).result(timeout=20)

    def call(self, method, request, response_type):
        stub = self.channel.unary_unary(
            "/ezio.EZIO/" + method,
            request_serializer=lambda message: message.SerializeToString(),
            response_deserializer=response_type.FromString,
        )
        return stub(request, timeout=30)

    def version(self):
        return self.call("GetVersion", pb.Empty(), pb.VersionResponse).version

    def add(self, torrent, save_path, seed=False, sequential=False, max_uploads=0, max_connections=0):
        with open(torrent, "rb") as handle:
            data = handle.read()
        request = pb.AddRequest(torrent=data, save_path=save_path, seeding_mode=seed,
                                max_uploads=max_uploads, max_connections=max_connections,
                                sequential_download=sequential)
        return self.call("AddTorrent", request, pb.AddResponse).result

    def status(self, hashes=()):
        answer = self.call("GetTorrentStatus", pb.UpdateRequest(hashes=list(hashes)), pb.UpdateStatus)
        result = {"hashes": list(answer.hashes), "torrents": {}}
        for key, torrent in answer.torrents.items():
            result["torrents"][key] = {field.name: value for field, value in torrent.ListFields()}
            # proto3 leaves out fields at their default: fill them in so tests see every field.
            for field in pb.Torrent.DESCRIPTOR.fields:
                result["torrents"][key].setdefault(field.name, getattr(torrent, field.name))
        return result

    def pause(self, info_hash):
        self.call("PauseTorrent", pb.PauseTorrentRequest(hash=info_hash), pb.PauseTorrentResponse)

    def resume(self, info_hash):
        self.call("ResumeTorrent", pb.ResumeTorrentRequest(hash=info_hash), pb.ResumeTorrentResponse)

    def shutdown(self):
        self.call("Shutdown", pb.Empty(), pb.Empty)


def clonezilla(client, wait, timeout):
    """Clonezilla's ocs-sr client loop (its stop rule, as the issue states it)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        torrents = client.status()["torrents"]
        if torrents and all(t["is_finished"] and t["is_paused"] for t in torrents.values()):
            client.shutdown()
            print(json.dumps({"event": "shutdown", "torrents": torrents}), flush=True)
            return 0
        for key, t in torrents.items():
            if not t["is_finished"] or t["is_paused"]:
                continue
            ratio_met = t["total_payload_upload"] > 3 * t["total_done"]
            idle = t["last_upload"] == -1 or t["last_upload"] > 15
            if ratio_met or (t["finished_time"] > wait and idle):
                client.pause(key)
                print(json.dumps({"event": "paused", "hash": key, "status": t}), flush=True)
        time.sleep(0.5)
    print("timeout: torrents never all finished and paused", file=sys.stderr)
    return 4


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("address")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("version")
    add = sub.add_parser("add")
    add.add_argument("torrent")
    add.add_argument("save_path")
    add.add_argument("--seed", action="store_true")
    add.add_argument("--sequential", action="store_true")
    add.add_argument("--max-uploads", type=int, default=0)
    add.add_argument("--max-connections", type=int, default=0)
    status = sub.add_parser("status")
    status.add_argument("hashes", nargs="*")
    for name in ("pause", "resume"):
        sub.add_parser(name).add_argument("hash")
    sub.add_parser("shutdown")
    wait = sub.add_parser("wait-finished")
    wait.add_argument("hash")
    wait.add_argument("--timeout", type=float, default=120)
    loop = sub.add_parser("clonezilla")
    loop.add_argument("--wait", type=int, default=0)
    loop.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args()
    try:
        client = Client(args.address)
        if args.command == "version":
            print(client.version())
        elif args.command == "add":
            print(json.dumps({"result": client.add(args.torrent, args.save_path, args.seed, args.sequential,
                                                   args.max_uploads, args.max_connections)}))
        elif args.command == "status":
            print(json.dumps(client.status(args.hashes)))
        elif args.command == "pause":
            client.pause(args.hash)
        elif args.command == "resume":
            client.resume(args.hash)
        elif args.command == "shutdown":
            client.shutdown()
        elif args.command == "wait-finished":
            deadline = time.time() + args.timeout
            seen = []
            while time.time() < deadline:
                t = client.status([args.hash])["torrents"][args.hash]
                seen.append(t["progress"])
                if t["is_finished"]:
                    print(json.dumps({"status": t, "progress_seen": seen}))
                    return 0
                time.sleep(0.2)
            print("timeout waiting for %s to finish" % args.hash, file=sys.stderr)
            return 4
        elif args.command == "clonezilla":
            return clonezilla(client, args.wait, args.timeout)
    except grpc.RpcError as error:
        print("%s: %s" % (error.code().name, error.details()), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
