#!/usr/bin/env bash
# The whole benchmark (issue 15): publishes AuthPortal the way an operator would (Release, ReadyToRun), builds the
# load generator, seeds databases with pre-hashed rows, starts AuthPortal as its own process on 127.0.0.1, drives load
# from this one and writes bench/results/latest.md and latest.json. About 16 minutes on 2 cores (each rate is measured
# after a warm-up; see Scale.Warmup in Suite/BenchSuite.cs).
# Not part of ./test.sh (the test suite runs the suite once with --quick, tiny counts).
#   bench/run.sh            full run
#   bench/run.sh --quick    smoke run with tiny counts (its numbers are not measurements)
set -euo pipefail
cd "$(dirname "$0")/.."
app="$(mktemp -d)/authportal"
dotnet publish AuthPortal/AuthPortal.csproj -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$app" -nologo -v quiet
dotnet build bench/AuthPortal.Bench -c Release -nologo -v quiet
dotnet bench/AuthPortal.Bench/bin/Release/net10.0/AuthPortal.Bench.dll suite --app "$app/AuthPortal.dll" "$@"
rm -rf "$(dirname "$app")"
