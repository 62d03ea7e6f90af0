# Shared by the QEMU end-to-end scripts (sourced): a work folder, cleanup by ids, labs (a
# namespace with a bridge, taps and a "router" namespace whose dnsmasq hands out addresses
# only) and QEMU clients whose serial console is stamped with wall-clock seconds.
id=$$
work=$(mktemp -d /tmp/ezio-e2e-XXXXXX)
pids=()
namespaces=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # serve stops its dnsmasq on SIGTERM: give it the time to.
  for _ in $(seq 30); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  [ -n "${KEEP_E2E:-}" ] && echo "e2e: kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "$(basename "$0"): FAILED: $*" >&2
  for f in "$work"/*.log "$work"/*.err; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 25 "$f" >&2; }; done
  exit 1
}

# The image: GPT, ESP, ext4 root with files, swap.
scripts/make-test-disk "$work/disk.img" 256 gpt > "$work/files.txt"

# lab N: namespace ezio-e2e-ID-N with bridge 10.77.N.1 (+ fd77:N::1 for router adverts, which
# spare iPXE its wait for IPv6), taps tapN1..tapN3, and the router namespace at 10.77.N.2.
lab() {
  local n=$1 ns="ezio-e2e-$id-$1" router="ezio-e2r-$id-$1"
  ip netns add "$ns"; namespaces+=("$ns")
  ip netns add "$router"; namespaces+=("$router")
  ip -n "$ns" link set lo up
  ip -n "$ns" link add br0 type bridge
  ip -n "$ns" addr add "10.77.$n.1/24" dev br0
  ip -n "$ns" link set br0 up
  ip -n "$ns" link add veth0 type veth peer name eth0 netns "$router"
  ip -n "$ns" link set veth0 master br0 up
  ip -n "$router" link set lo up
  ip -n "$router" addr add "10.77.$n.2/24" dev eth0
  ip -n "$router" addr add "fd77:$n::2/64" dev eth0 nodad
  ip -n "$router" link set eth0 up
  for t in 1 2 3; do
    ip -n "$ns" tuntap add "tap$n$t" mode tap
    ip -n "$ns" link set "tap$n$t" master br0 up
  done
  # The lab's DHCP server: addresses only, no boot options.
  ip netns exec "$router" dnsmasq --no-daemon --conf-file=/dev/null --interface=eth0 --bind-interfaces --port=0 \
    --dhcp-range="10.77.$n.50,10.77.$n.99,255.255.255.0,1h" --dhcp-range=::,constructor:eth0,ra-only --enable-ra \
    --dhcp-leasefile="$work/router$n.leases" --log-dhcp > "$work/router$n.log" 2>&1 &
  pids+=($!)
}

# client NAME LAB TAP [qemu arguments]: a QEMU guest with a blank 256 MiB virtio disk; its
# serial console goes through a stamper (wall-clock seconds on each line) into NAME.console.
# CLIENT_DISK (size), CLIENT_SMP, CLIENT_MEM (MiB) and CLIENT_DRIVE (more -drive options, like
# ",throttling.bps-write=100000000") change the guest for benchmarks.
client() {
  local name=$1 n=$2 t=$3; shift 3
  truncate -s "${CLIENT_DISK:-256M}" "$work/$name.img"
  date +%s.%N > "$work/$name.start"
  ip netns exec "ezio-e2e-$id-$n" timeout 900 qemu-system-x86_64 -accel tcg -smp "${CLIENT_SMP:-1}" -m "${CLIENT_MEM:-1024}" \
    -display none -no-reboot -serial stdio -monitor none \
    -netdev "tap,id=net0,ifname=tap$n$t,script=no,downscript=no" \
    -drive "file=$work/$name.img,format=raw,if=none,id=disk0${CLIENT_DRIVE:-}" -device virtio-rng-pci "$@" \
    < /dev/null > >(while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done > "$work/$name.console") 2> "$work/$name.qemu.log" &
  last=$!; pids+=($last)
}
mac() { printf '52:54:00:77:%02x:%02x' "$1" "$2"; }
