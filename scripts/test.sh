#!/usr/bin/env bash
# The test command of the README and of CI: start the real services, then one jest run
# over every workspace (one summary line at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/services.sh start)"
npm run test:jest -- "$@"
