#!/usr/bin/env bash
# The README's test command. Installs what the tests need (Debian packages, as root), builds,
# runs every test (unit, integration, E2E) and ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"

install_packages() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "test.sh: missing ${missing[*]}; run as root or install them with apt-get." >&2
    return 1
  fi
  echo "test.sh: installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || return 1
  # The packages' own servers are not used (the tests start throwaway ones on loopback ports): keep them off.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now nginx postgresql >/dev/null 2>&1 || true; fi
  service nginx stop >/dev/null 2>&1 || true
  service postgresql stop >/dev/null 2>&1 || true
}

summary_failed() {
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
}

install_packages || summary_failed

# Everything the tests put in a temporary directory (PostgreSQL and nginx servers, app processes' data, the full-disk
# tmpfs) goes under one directory of this run's, so the clean-up finds this run's leftovers by path, and only them.
run_tmp=$(mktemp -d /tmp/ap-run.XXXXXX) || summary_failed
chmod 755 "$run_tmp"   # PostgreSQL runs as the postgres user and must reach its data directory inside
export TMPDIR="$run_tmp"

# The tests stop the servers and processes they start; should a test process die first, nothing outlives the run.
cleanup_servers() {
  [ -n "${soak:-}" ] && kill "$soak" >/dev/null 2>&1
  pkill -f -- "-D $run_tmp/ap-pg-" >/dev/null 2>&1 || true
  pkill -f -- "nginx.*$run_tmp/" >/dev/null 2>&1 || true
  # App processes the scale-out, crash, soak and log tests start from this clone's test output.
  pkill -f -- "$PWD/AuthPortal.Tests/bin/.*/AuthPortal.dll" >/dev/null 2>&1 || true
  # The full-disk test's tmpfs, should its process die before it unmounts it.
  awk -v root="$run_tmp/" 'index($2, root) == 1 { print $2 }' /proc/mounts 2>/dev/null | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$run_tmp"
}
trap cleanup_servers EXIT

results="$PWD/TestResults"
rm -rf "$results"

dotnet build AuthPortal.sln -nologo -v quiet || summary_failed

# The soak (ten minutes of steady mixed load on its own app process, Reliability/SoakTests) runs in a test process of its
# own beside the two passes: it measures trends, not speed, so sharing the cores does not spoil it, and the suite does
# not grow by ten minutes. Its output goes to a file, printed once it ends.
mkdir -p "$results"
AUTHPORTAL_SOAK_SECONDS="${AUTHPORTAL_SOAK_SECONDS:-600}" dotnet test AuthPortal.sln --no-build -nologo --filter "Category=Soak" \
  --logger "trx;LogFileName=soak.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@" > "$results/soak.log" 2>&1 &
soak=$!

# Pass 1: everything else (unit, integration, E2E, scale-out) on SQLite. Pass 2: the integration suite again on
# PostgreSQL, switched by one variable in the fixture (no copied tests); the E2E and scale-out tests already used their
# own servers.
dotnet test AuthPortal.sln --no-build -nologo --filter "Category!=Soak" \
  --logger "trx;LogFileName=sqlite.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@"
status=$?
AUTHPORTAL_TEST_DATABASE=Postgres dotnet test AuthPortal.sln --no-build -nologo --filter "Category!=E2E&Category!=ScaleOut&Category!=Soak" \
  --logger "trx;LogFileName=postgres.trx" --logger "console;verbosity=minimal" \
  --results-directory "$results" "$@"
status=$(( status | $? ))
echo "test.sh: waiting for the soak to end"
wait "$soak"
status=$(( status | $? ))
grep -E "^ +(Passed|Failed|Skipped) |requests in|Total tests|Error Message" -A3 "$results/soak.log" | head -40

trx_files=$(find "$results" -name '*.trx')
if [ "$(echo "$trx_files" | grep -c .)" -lt 3 ]; then
  summary_failed
fi
total=0; passed=0; failed=0
for trx in $trx_files; do
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(( total + $(count total) )); passed=$(( passed + $(count passed) ))
  failed=$(( failed + $(count failed) + $(count error) ))
done
skipped=$(( total - passed - failed ))
# CI keeps only the end of the output: name each failed test and the start of its message just above the summary.
for trx in $trx_files; do
  awk -v file="$(basename "$trx")" '
    /<UnitTestResult / && /outcome="Failed"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); gsub(/&quot;/, "\"", name); inside = 1; lines = 0
      print "FAILED (" file "): " name; next }
    inside && /<\/UnitTestResult>/ { inside = 0; next }
    inside && /<StdOut>/ { stdout = 1 }
    stdout { if (/<\/StdOut>/) stdout = 0; next }
    inside && lines < 25 { gsub(/<\/?(Output|ErrorInfo|Message|StackTrace|StdOut)>/, ""); gsub(/&lt;/, "<"); gsub(/&gt;/, ">"); gsub(/&quot;/, "\""); gsub(/&amp;/, "\\&")
      if ($0 ~ /[^ ]/) { print "    " $0; lines++ } }
  ' "$trx"
done
[ "$skipped" -lt 0 ] && skipped=0
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
