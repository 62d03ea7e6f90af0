# Shared by the scripts: find Swift, install missing Debian packages.

# Swift lives in /opt/swift on our machines; put it on PATH when it is not there yet.
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH=/opt/swift/usr/bin:$PATH
fi

# What building and testing need from Debian: the C libraries we link (libcrypto, liburing,
# libudev), and the real tools the tests compare against (partclone, python3-libtorrent).
EZIO_PACKAGES=(pkg-config libssl-dev liburing-dev libudev-dev partclone python3-libtorrent aria2 opentracker iproute2 e2fsprogs util-linux mount bc time protobuf-compiler python3-grpcio python3-protobuf tmux curl gdisk fdisk dosfstools mtools dnsmasq-base busybox-static)

# install_missing PACKAGE...: apt-get install only what dpkg does not have yet.
install_missing() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
