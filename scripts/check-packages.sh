#!/usr/bin/env bash
# Packaging checks of every published package (part of `npm run lint`): the build, then
# publint (package.json against what `npm pack` ships) and Are The Types Wrong (types and
# exports as TypeScript and Node resolve them, ESM-only profile: our packages are ES modules,
# which Node 20.19+, 22.12+ and 24 also load with require()). Fails on any error.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
npx turbo run build --output-logs=errors-only >&2
bin=$PWD/node_modules/.bin
failed=0
for dir in packages/*/; do
  dir=${dir%/}
  if [ "$(node -p "Boolean(require('./$dir/package.json').private)")" = true ]; then continue; fi
  name=$(node -p "require('./$dir/package.json').name")
  before=$failed
  if ! out=$(cd "$dir" && "$bin/publint" --strict . 2>&1); then
    echo "publint: $name" >&2; echo "$out" >&2; failed=1
  elif ! grep -q "All good" <<<"$out"; then
    # Suggestions and warnings are failures too: --strict turns warnings into errors, and a
    # suggestion left alone today is a broken install for someone tomorrow.
    echo "publint: $name" >&2; echo "$out" >&2; failed=1
  fi
  if ! out=$(cd "$dir" && "$bin/attw" --pack . --profile esm-only --format ascii 2>&1); then
    echo "attw: $name" >&2; echo "$out" >&2; failed=1
  fi
  [ "$failed" = "$before" ] && echo "packaging: $name ok" >&2
done
exit "$failed"
