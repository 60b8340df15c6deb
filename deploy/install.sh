#!/usr/bin/env bash
# Installs jobstatusd where deploy/jobstatusd.service expects it:
#   /usr/local/bin/jobstatusd                 (release build, Swift runtime linked in)
#   /etc/systemd/system/jobstatusd.service
#   /etc/systemd/system/jobstatusd@.service    (template: jobstatusd@NAME reads /etc/jobstatusd/NAME.yaml)
#   /etc/systemd/system/jobstatusd-monitor.service (the monitor's page; not enabled)
#   /etc/jobstatusd/jobstatusd.yaml           (kept if it exists)
#   /etc/jobstatusd/secrets.env               (mode 0600, created empty if missing)
#   /usr/local/share/doc/jobstatusd/README.md, monitor.md
#
#   deploy/install.sh [--root DIR] [--binary PATH] [--no-reload]
#     --root DIR     install into DIR (an image or a container rootfs) instead of /
#     --binary PATH  install this binary instead of building one
#     --no-reload    do not run systemctl daemon-reload
# The host needs librdkafka1 and libjemalloc2 (Debian) at run time.
set -euo pipefail
cd "$(dirname "$0")/.."

root=""
binary=""
reload=1
while [ $# -gt 0 ]; do
    case "$1" in
    --root) root="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    --no-reload) reload=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

if [ -z "$binary" ]; then
    source scripts/lib/common.sh
    ensure_build_deps
    log "building jobstatusd (release, static Swift runtime)"
    swift build -c release --static-swift-stdlib --product jobstatusd
    binary="$(swift build -c release --static-swift-stdlib --show-bin-path)/jobstatusd"
fi
[ -x "$binary" ] || { echo "install.sh: $binary is not an executable" >&2; exit 1; }

install -d -m 0755 "$root/usr/local/bin" "$root/etc/systemd/system" "$root/usr/local/share/doc/jobstatusd"
install -d -m 0755 "$root/etc/jobstatusd"
install -m 0755 "$binary" "$root/usr/local/bin/jobstatusd"
install -m 0644 deploy/jobstatusd.service "$root/etc/systemd/system/jobstatusd.service"
deploy/template-unit.sh >"$root/etc/systemd/system/jobstatusd@.service"
chmod 0644 "$root/etc/systemd/system/jobstatusd@.service"
install -m 0644 deploy/jobstatusd-monitor.service "$root/etc/systemd/system/jobstatusd-monitor.service"
install -m 0644 README.md "$root/usr/local/share/doc/jobstatusd/README.md"
install -m 0644 docs/monitor.md "$root/usr/local/share/doc/jobstatusd/monitor.md"
if [ ! -e "$root/etc/jobstatusd/jobstatusd.yaml" ]; then
    # World-readable: the service runs as a dynamic user; secrets belong in secrets.env (0600, read by systemd).
    install -m 0644 config/jobstatusd.yaml "$root/etc/jobstatusd/jobstatusd.yaml"
else
    echo "install.sh: keeping the existing $root/etc/jobstatusd/jobstatusd.yaml"
fi
if [ ! -e "$root/etc/jobstatusd/secrets.env" ]; then
    install -m 0600 /dev/null "$root/etc/jobstatusd/secrets.env"
fi
if [ -z "$root" ] && [ "$reload" = 1 ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
fi
echo "installed jobstatusd into ${root:-/}; edit /etc/jobstatusd/jobstatusd.yaml, then: systemctl enable --now jobstatusd"
