#!/usr/bin/env bash
# npm run bench: start the real services, build the packages, run every benchmark, and write
# BENCHMARKS.md. Arguments select benchmarks by name (then BENCHMARKS.md is left alone).
set -euo pipefail
cd "$(dirname "$0")/.."
# A separate assignment, so that a failed start stops this script (set -e).
service_env=$(bash scripts/services.sh start)
eval "$service_env"
npx turbo run build --output-logs=errors-only
node --import tsx bench/run.ts "$@"
