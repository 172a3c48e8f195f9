#!/usr/bin/env bash
# npm run bench: start the real services, build the packages, run every benchmark, and write
# BENCHMARKS.md. Arguments select benchmarks by name (then BENCHMARKS.md is left alone).
set -euo pipefail
cd "$(dirname "$0")/.."
# A separate assignment, so that a failed start stops this script (set -e).
service_env=$(bash scripts/services.sh start)
eval "$service_env"
# rclone is what the migration is compared with
command -v rclone >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rclone >&2 \
  || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rclone >&2; }
export TURBO_TELEMETRY_DISABLED=1
npx turbo run build --output-logs=errors-only
node --import tsx bench/run.ts "$@"
