#!/usr/bin/env bash
# npm run bench: start the real services, build the packages, run every benchmark, and write
# BENCHMARKS.md. Arguments select benchmarks by name (then BENCHMARKS.md is left alone).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/services.sh start)"
npx turbo run build --output-logs=errors-only
node --import tsx bench/run.ts "$@"
