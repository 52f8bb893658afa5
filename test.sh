#!/usr/bin/env bash
# The README's test command. Installs what the tests need (Debian packages, as root), builds,
# runs every test (unit, integration, E2E) and ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"

install_packages() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "test.sh: missing ${missing[*]}; run as root or install them with apt-get." >&2
    return 1
  fi
  echo "test.sh: installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

summary_failed() {
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
}

install_packages || summary_failed

results="$PWD/TestResults"
rm -rf "$results"

dotnet build AuthPortal.sln -nologo -v quiet || summary_failed

dotnet test AuthPortal.sln --no-build -nologo \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@"
status=$?

trx=$(find "$results" -name '*.trx' | head -n 1)
if [ -z "$trx" ]; then
  summary_failed
fi
counters=$(grep -o '<Counters [^>]*>' "$trx")
count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
total=$(count total); passed=$(count passed); failed=$(( $(count failed) + $(count error) ))
skipped=$(( total - passed - failed ))
[ "$skipped" -lt 0 ] && skipped=0
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
