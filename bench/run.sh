#!/usr/bin/env bash
# The whole benchmark (issue 15): builds Release, seeds databases with pre-hashed rows, starts AuthPortal as its own
# process on 127.0.0.1, drives load from this one and writes bench/results/latest.md and latest.json.
# Not part of ./test.sh (the test suite runs it once with --quick, tiny counts). Takes about 15 minutes on 2 cores.
#   bench/run.sh            full run
#   bench/run.sh --quick    smoke run with tiny counts (results are not measurements)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/AuthPortal.Bench -c Release -nologo -v quiet
exec dotnet bench/AuthPortal.Bench/bin/Release/net10.0/AuthPortal.Bench.dll suite "$@"
