#!/usr/bin/env bash
# Build (or reuse) a Debian bookworm arm64 root that runs under qemu-user, with
# talkfarm's runtime dependencies installed from aarch64 wheels.
#
# Every step is skipped when its marker says it is already done, so a re-run
# costs seconds; the slow parts (debootstrap, wheel installs under emulation)
# run once per root and once per change of the dependency list.
#
# Usage: prepare-root.sh ROOT PROJECT_DIR [--project-only]
#   --project-only: only reinstall the project's own wheel (the code changed,
#   the dependencies did not); the root must have been prepared before.
set -euo pipefail

ROOT=${1:?usage: prepare-root.sh ROOT PROJECT_DIR [--project-only]}
PROJECT_DIR=${2:?usage: prepare-root.sh ROOT PROJECT_DIR [--project-only]}
ONLY=${3:-}
VENV=/opt/talkfarm
MIRROR=${TALKFARM_ARM64_MIRROR:-http://deb.debian.org/debian}
# espeak-ng: the TTS fallback for languages Piper has no voice for.
# libgl1, libglib2.0-0: OpenCV (pulled in by mediapipe) links against them.
ROOT_PACKAGES=python3,python3-venv,python3-pip,ca-certificates,espeak-ng,libgl1,libglib2.0-0

log() { printf '[arm64-check] %s\n' "$*" >&2; }

ensure_host_tools() {
  local missing=()
  command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
  command -v update-binfmts >/dev/null || missing+=(binfmt-support)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get install -y --no-install-recommends "${missing[@]}" >&2
  fi
}

ensure_binfmt() {
  if [[ ! -e /proc/sys/fs/binfmt_misc/status ]]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  fi
  if ! grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null; then
    update-binfmts --enable qemu-aarch64
  fi
  # F (fix binary): the kernel opens the interpreter at registration, so it
  # works inside the chroot without a copy of qemu there.
  grep -q '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 \
    || { log "qemu-aarch64 binfmt entry lacks the F flag"; exit 1; }
  log "binfmt_misc: qemu-aarch64 $(head -1 /proc/sys/fs/binfmt_misc/qemu-aarch64)"
}

ensure_debootstrap() {
  if [[ -e "$ROOT/.talkfarm-debootstrap-done" ]]; then
    log "reusing root $ROOT"
    return
  fi
  log "debootstrap bookworm arm64 into $ROOT (several minutes)"
  rm -rf "$ROOT"
  mkdir -p "$ROOT"
  debootstrap --arch=arm64 --variant=minbase --include="$ROOT_PACKAGES" \
    bookworm "$ROOT" "$MIRROR" >&2
  touch "$ROOT/.talkfarm-debootstrap-done"
}

copy_host_network_config() {
  # pip inside the root needs the host's resolver, CA bundle and pip config
  # (without the CA bundle it fails with CERTIFICATE_VERIFY_FAILED).
  cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
  mkdir -p "$ROOT/etc/ssl/certs"
  cp -L /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
  if [[ -e /etc/pip.conf ]]; then cp -L /etc/pip.conf "$ROOT/etc/pip.conf"; fi
  if [[ -d /etc/xdg/pip ]]; then
    mkdir -p "$ROOT/etc/xdg"
    rm -rf "$ROOT/etc/xdg/pip"
    cp -rL /etc/xdg/pip "$ROOT/etc/xdg/pip"
  fi
}

runtime_requirements() {
  # [project.dependencies] of pyproject.toml, one requirement a line.
  python3 - "$PROJECT_DIR/pyproject.toml" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["dependencies"]))
PY
}

ensure_dependencies() {
  local requirements digest marker
  requirements=$(runtime_requirements)
  digest=$(printf '%s' "$requirements" | sha256sum | cut -c1-16)
  marker="$ROOT/.talkfarm-deps-$digest"
  if [[ -e "$marker" ]]; then
    log "dependencies already installed ($digest)"
    return
  fi
  log "installing runtime dependencies from aarch64 wheels (many minutes under emulation)"
  [[ -x "$ROOT$VENV/bin/python" ]] || chroot "$ROOT" python3 -m venv "$VENV"
  printf '%s\n' "$requirements" > "$ROOT/tmp/talkfarm-requirements.txt"
  chroot "$ROOT" "$VENV/bin/pip" install --quiet --upgrade pip >&2
  # --only-binary: a source build under emulation would take hours, and a
  # missing aarch64 wheel is exactly what this check exists to catch.
  chroot "$ROOT" "$VENV/bin/pip" install --only-binary=:all: \
    -r /tmp/talkfarm-requirements.txt >&2
  rm -f "$ROOT"/.talkfarm-deps-*
  touch "$marker"
}

install_project() {
  # The project itself is pure Python: build its wheel on the host (fast) and
  # install it without touching the dependencies installed above.
  local wheel_dir="$ROOT/tmp/talkfarm-wheel"
  rm -rf "$wheel_dir"
  mkdir -p "$wheel_dir"
  "${PYTHON:-python3}" -m pip wheel --quiet --no-deps --no-build-isolation -w "$wheel_dir" "$PROJECT_DIR" >&2
  local wheel
  wheel=$(basename "$(ls "$wheel_dir"/talkfarm-*.whl)")
  chroot "$ROOT" "$VENV/bin/pip" install --quiet --no-deps --force-reinstall \
    "/tmp/talkfarm-wheel/$wheel" >&2
  log "installed $wheel into $ROOT$VENV"
}

ensure_host_tools
ensure_binfmt
if [[ "$ONLY" == "--project-only" ]]; then
  [[ -e "$ROOT/.talkfarm-debootstrap-done" ]] || { log "no prepared root at $ROOT: run prepare first"; exit 1; }
else
  ensure_debootstrap
  copy_host_network_config
  ensure_dependencies
fi
install_project
log "root ready: $(chroot "$ROOT" uname -m), $(chroot "$ROOT" "$VENV/bin/python" -c 'import platform, onnxruntime; print(platform.machine(), "onnxruntime", onnxruntime.__version__, onnxruntime.get_available_providers())')"
