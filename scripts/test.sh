#!/usr/bin/env bash
# The test command of the README and of CI: start the real services, build the packages,
# then one jest run over every workspace (one summary line at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
# A separate assignment, so that a failed start stops this script (set -e).
service_env=$(bash scripts/services.sh start)
eval "$service_env"
# Some tests load the built packages (a second copy of a package, the CLI's bin, packing):
# `npm install && npm test` on a fresh clone has no dist/ yet. turbo skips what is built.
export TURBO_TELEMETRY_DISABLED=1
npx turbo run build --output-logs=errors-only
npm run test:jest -- "$@"
