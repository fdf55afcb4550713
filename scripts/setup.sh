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
need node "Install Node.js 20 or newer."
need npm "Install npm (comes with Node.js)."
need cargo "Install Rust with rustup (https://rustup.rs); benignfit builds its native addon with it."
node -e 'const [a]=process.versions.node.split(".").map(Number); if (a < 20) { console.error("[benignfit setup] error: Node.js " + process.versions.node + " is too old: benignfit needs Node.js 20 or newer."); process.exit(1) }'
say "node $(node -v), $(cargo --version), $(rustc --version)"

# npm install runs `prepare` = scripts/build.mjs: wasm toolchain (cached), native addon, wasm, TypeScript.
say "installing npm packages and building (npm install)"
# `npm install` (not `npm ci`): vite 8 has a Windows-only optional dependency that npm leaves out
# of the lock file, which makes `npm ci` refuse an untouched checkout; install keeps the lock.
npm install --no-audit --no-fund

say "setup done in $(( $(date +%s) - t0 )) s; running the main job: Figure 3a on a quick grid (about a minute)"
node dist/cli/main.js reproduce fig3a --quick --out out/fig3a-quick
say "finished in $(( $(date +%s) - t0 )) s. Next: npm test"
