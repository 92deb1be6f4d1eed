#!/usr/bin/env bash
# Every signet benchmark: `make bench` runs it on the release build.
#   bash bench/run_all.sh BUILD_DIR
# 1. digest_bench (Google Benchmark): StreamingDigest and digest_file throughput, SHA-256/384/512.
# 2. telemetry_bench (Google Benchmark): events/s to the file writer, through the emitter, TCP syslog.
# 3. verify_vs_openssl.sh: `signet verify` against openssl dgst, peak RSS, small-file latency.
# Figures only: nothing here fails on a slow machine; a missing binary or a setup error does.
set -euo pipefail
BUILD=${1:?usage: run_all.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)

echo "== digest_bench =="
if [[ -x $BUILD/bench/digest_bench ]]; then
  "$BUILD/bench/digest_bench" --benchmark_min_time=0.5
else
  echo "run_all: $BUILD/bench/digest_bench is not built (SIGNET_BUILD_BENCH=ON, libbenchmark-dev)" >&2
  exit 1
fi

echo
echo "== telemetry_bench =="
if [[ -x $BUILD/bench/telemetry_bench ]]; then
  "$BUILD/bench/telemetry_bench" --benchmark_min_time=0.5
else
  echo "run_all: $BUILD/bench/telemetry_bench is not built" >&2
  exit 1
fi

echo
echo "== signet verify vs openssl dgst =="
bash "$HERE/verify_vs_openssl.sh" "$BUILD/signet"

echo
echo "== Authenticode: signet verify vs osslsigncode verify (100 MiB PE) =="
bash "$HERE/authenticode_vs_osslsigncode.sh" "$BUILD/signet"
