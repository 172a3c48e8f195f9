#!/usr/bin/env bash
# The test command of the README and of CI: start the real services, then one jest run
# over every workspace (one summary line at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
# A separate assignment, so that a failed start stops this script (set -e).
service_env=$(bash scripts/services.sh start)
eval "$service_env"
npm run test:jest -- "$@"
