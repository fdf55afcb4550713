#!/usr/bin/env bash
# Provision an offline WebAssembly toolchain (see README "Building").
#
# On a machine whose rustup already has wasm32-unknown-unknown and whose PATH has wasm-pack,
# nothing is installed: the build uses those. Otherwise (Debian 12 without rustup downloads),
# a Debian sid root is made with debootstrap at a fixed, cached path, and rustc + the wasm32
# standard library + wasm-bindgen + wasm-pack + wasm-opt + clippy (for `npm run lint:wasm`) are
# installed inside it from Debian's package registry. Idempotent: a second run takes well under a
# second. A root provisioned before clippy was on the list gets rust-clippy on its next run.
#
# Prints "host" or "chroot:<root>" on its last line of stdout, which scripts/build.mjs reads.
set -euo pipefail

ROOT="${BENIGNFIT_WASM_ROOT:-${BENIGNFIT_CACHE:-$HOME/.cache/benignfit}/wasm-sid-root}"
STAMP="$ROOT/.benignfit-provisioned-v1"
say() { echo "[wasm-toolchain] $*" >&2; }

if [ "${BENIGNFIT_WASM_TOOLCHAIN:-auto}" != "chroot" ] \
   && command -v wasm-pack >/dev/null 2>&1 \
   && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "using the host's wasm32 target and $(wasm-pack --version)"
  echo host
  exit 0
fi

# Packages installed inside the root (apt-get install is idempotent).
PKGS="rustc cargo rust-clippy libstd-rust-dev-wasm32 wasm-bindgen wasm-pack lld binaryen ca-certificates"
apt_in_root() {
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  # Mirrors served here may be snapshots whose Release files are past their Valid-Until date.
  chroot "$ROOT" sh -c "apt-get -o Acquire::Check-Valid-Until=false update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false install -y -qq --no-install-recommends $*" >&2
}

if [ -f "$STAMP" ]; then
  # Roots provisioned before rust-clippy joined PKGS lack it: add it once (a few seconds).
  if [ ! -x "$ROOT/usr/bin/clippy-driver" ]; then
    if [ "$(id -u)" != 0 ]; then
      say "error: the sid root at $ROOT lacks clippy (rust-clippy); installing it needs root once"
      exit 1
    fi
    say "adding rust-clippy to the cached sid root at $ROOT (npm run lint:wasm needs it)"
    apt_in_root rust-clippy
  fi
  say "cached sid root at $ROOT ($(cat "$STAMP"))"
  echo "chroot:$ROOT"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  say "error: provisioning the offline wasm toolchain needs root (debootstrap + chroot)."
  say "Either run this as root once, or install the wasm32 target and wasm-pack yourself:"
  say "  rustup target add wasm32-unknown-unknown && cargo install wasm-pack"
  exit 1
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap from Debian's registry"
  apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
fi

MIRROR="${BENIGNFIT_DEBIAN_MIRROR:-}"
if [ -z "$MIRROR" ]; then
  MIRROR=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1 || true)
  [ -n "$MIRROR" ] || MIRROR=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian
fi

# debootstrap writes into ROOT.tmp and renames it when done, so an interrupted run leaves no
# half-made root behind; the package step below is itself idempotent (apt-get install).
if [ ! -d "$ROOT" ]; then
  rm -rf "$ROOT.tmp"
  mkdir -p "$(dirname "$ROOT")"
  say "debootstrap Debian sid into $ROOT from $MIRROR (about a minute)"
  debootstrap --variant=minbase sid "$ROOT.tmp" "$MIRROR" >&2 || { rm -rf "$ROOT.tmp"; exit 1; }
  mv "$ROOT.tmp" "$ROOT"
fi
say "installing rustc, cargo, clippy, the wasm32 std, wasm-bindgen, wasm-pack, lld, binaryen inside the root"
apt_in_root "$PKGS"
mkdir -p "$ROOT/root/.cargo"
cat > "$ROOT/root/.cargo/config.toml" <<'TOML'
[target.wasm32-unknown-unknown]
linker = "wasm-ld"
TOML
ver="$(chroot "$ROOT" rustc --version) / $(chroot "$ROOT" wasm-bindgen --version) / $(chroot "$ROOT" wasm-pack --version)"
echo "$ver" > "$STAMP"
say "ready: $ver"
echo "chroot:$ROOT"
