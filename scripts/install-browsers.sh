#!/usr/bin/env bash
# Installs what hwcov's webgpu and webnn platforms need, at pinned versions:
#   - Debian's chromium (WebGPU through SwiftShader's Vulkan with --enable-unsafe-webgpu),
#     plus libnss3/libnspr4/libexpat1 for the webnn build;
#   - runners/web/node_modules from package-lock.json (`npm ci`): onnxruntime-web 1.30.0
#     (served to the page) and @sparticuz/chromium 153.0.0;
#   - the @sparticuz/chromium build unpacked into runners/web/.browsers/ (WebNN).
# Idempotent: each step is skipped when its result is already there.
#   scripts/install-browsers.sh          (make browsers)
set -euo pipefail

CHROMIUM_DEB_VERSION="${HWCOV_CHROMIUM_DEB_VERSION:-156.0.8078.108-1~deb12u1}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
web="$root/runners/web"

say() { printf 'install-browsers: %s\n' "$*"; }
die() { printf 'install-browsers: %s\n' "$*" >&2; exit 1; }

# 1. Debian chromium -----------------------------------------------------------
if command -v chromium >/dev/null 2>&1; then
  say "chromium: $(chromium --version 2>/dev/null | head -1) already installed"
else
  command -v apt-get >/dev/null 2>&1 || die "chromium is missing and there is no apt-get; install Chromium 156 and set HWCOV_WEBGPU_BROWSER to its path"
  [ "$(id -u)" = 0 ] || die "chromium is missing: run as root (or: sudo apt-get install chromium)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if ! apt-get install -y -qq --no-install-recommends "chromium=$CHROMIUM_DEB_VERSION" libnss3 libnspr4 libexpat1; then
    # Debian's security archive keeps only the newest chromium: take it, and say so
    say "chromium=$CHROMIUM_DEB_VERSION is no longer in the archive; installing $(apt-cache policy chromium | awk '/Candidate/{print $2}')"
    apt-get install -y -qq --no-install-recommends chromium libnss3 libnspr4 libexpat1
  fi
  say "chromium: $(chromium --version 2>/dev/null | head -1)"
fi
for lib in libnss3.so libnspr4.so libexpat.so.1; do
  if ! ldconfig -p 2>/dev/null | grep "$lib" >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get install -y -qq --no-install-recommends libnss3 libnspr4 libexpat1
      break
    fi
    die "$lib is missing (the webnn chromium needs libnss3 libnspr4 libexpat1)"
  fi
done

# 2. npm ci in runners/web ------------------------------------------------------
command -v npm >/dev/null 2>&1 || die "npm is missing: install Node.js 20+ (apt-get install nodejs npm)"
lock_sum="$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)"
stamp="$web/node_modules/.hwcov-lock"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
  say "node_modules: up to date with package-lock.json"
else
  # --ignore-scripts: no package may download anything at install time
  (cd "$web" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$stamp"
  say "node_modules: installed from package-lock.json"
fi

# 3. the webnn chromium ---------------------------------------------------------
(cd "$web" && node unpack-chromium.mjs)
