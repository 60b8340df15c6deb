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

# The system packages every build needs (librdkafka's headers and pkg-config file).
ensure_build_deps() {
    command -v swift >/dev/null || die "swift is not on PATH; install Swift 6.1 or newer (https://swift.org/install)"
    ensure_apt librdkafka-dev pkg-config
}
