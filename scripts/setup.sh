#!/usr/bin/env bash
# One command from a fresh clone to a working benignfit: checks the machine, installs what is
# missing (npm packages, the offline WebAssembly toolchain), builds the native addon, the wasm
# package and the TypeScript, then runs the main job on its built-in defaults.
# Idempotent: a second run reuses every cache and only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "[benignfit setup] $*"; }
t0=$(date +%s)

need() { command -v "$1" >/dev/null 2>&1 || { say "error: $1 is missing. $2"; exit 1; }; }
need node "Install Node.js 20.19+ or 22.12+."
need npm "Install npm (comes with Node.js)."
need cargo "Install Rust with rustup (https://rustup.rs); benignfit builds its native addon with it."
# package.json's engines: require(esm) (and Vite 8) need 20.19+ on the 20 line, 22.12+ after it.
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a < 20 || (a === 20 && b < 19) || a === 21 || (a === 22 && b < 12)) { console.error("[benignfit setup] error: Node.js " + process.versions.node + " is too old: benignfit needs Node.js 20.19+ or 22.12+."); process.exit(1) }'
say "node $(node -v), $(cargo --version), $(rustc --version)"
# npm test runs `cargo fmt --check` and `cargo clippy` (npm run lint): rustup's default profile has
# both; a minimal profile gets them here.
for c in rustfmt clippy; do
  sub=$([ "$c" = rustfmt ] && echo fmt || echo clippy)
  if ! cargo "$sub" --version >/dev/null 2>&1; then
    say "cargo $sub is missing (npm run lint needs it): rustup component add $c"
    rustup component add "$c"
  fi
done

# Chromium for the browser tests (npm run test:browser, part of npm test): Debian's package, as
# playwright's own browser download is not used. Installed only when /usr/bin/chromium is missing.
if [ -x /usr/bin/chromium ]; then
  say "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
elif command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  say "installing Debian's chromium for the browser tests: ${SUDO:+sudo }apt-get install -y chromium"
  if ! apt-cache show chromium >/dev/null 2>&1; then
    say "the package lists do not know chromium yet: ${SUDO:+sudo }apt-get update"
    $SUDO apt-get update -qq
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  say "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
else
  say "warning: /usr/bin/chromium is missing and apt-get is not available; npm run test:browser needs a Chromium (set BENIGNFIT_CHROMIUM to its path)"
fi

# Slurm and munge for test/slurm.test.ts (a one-node cluster the test starts and stops; it needs
# root): Debian's slurm-wlm. Installed only when slurmctld or munged is missing and apt-get is
# there; BENIGNFIT_NO_SLURM=1 skips it (the test then says it is skipped and why).
if [ "${BENIGNFIT_NO_SLURM:-}" = "1" ]; then
  say "slurm: skipped (BENIGNFIT_NO_SLURM=1); test/slurm.test.ts will be skipped"
elif command -v slurmctld >/dev/null 2>&1 && [ -x /usr/sbin/munged ]; then
  say "slurm: $(slurmctld -V 2>/dev/null | head -n1)"
elif command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  say "installing Debian's slurm-wlm and munge for the Slurm test: ${SUDO:+sudo }apt-get install -y --no-install-recommends slurm-wlm munge"
  if ! apt-cache show slurm-wlm >/dev/null 2>&1; then
    say "the package lists do not know slurm-wlm yet: ${SUDO:+sudo }apt-get update"
    $SUDO apt-get update -qq
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge
  say "slurm: $(slurmctld -V 2>/dev/null | head -n1)"
else
  say "warning: Slurm is not installed and apt-get is not available; test/slurm.test.ts will be skipped"
fi

say "installing npm packages (npm install)"
# `npm install` (not `npm ci`): vite 8 has a Windows-only optional dependency that npm leaves out
# of the lock file, which makes `npm ci` refuse an untouched checkout; install keeps the lock.
# The optional dependency benignfit-linux-x64-gnu (the published native addon) is not on the
# registry for an unreleased version; npm skips it, and the loader uses the addon built below.
npm install --no-audit --no-fund

# The build is a step of its own, not an npm `prepare` script: the published package must not
# build anything when it is installed. scripts/build.mjs: wasm toolchain (cached), native addon
# (native/), wasm package (wasm/), TypeScript (dist/); parts whose sources did not change are skipped.
say "building (node scripts/build.mjs)"
node scripts/build.mjs

say "setup done in $(( $(date +%s) - t0 )) s; running the main job: Figure 3a on a quick grid (about 15 seconds)"
node dist/cli/main.js reproduce fig3a --quick --out out/fig3a-quick
say "finished in $(( $(date +%s) - t0 )) s. Next: npm test"
