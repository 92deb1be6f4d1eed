#!/usr/bin/env bash
# Installs what signet needs to build, test and demo on Debian 12, from Debian's archive only.
# Idempotent: does nothing (and needs no network) when everything is already there.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config
  libssl-dev libsqlite3-dev liburing-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libfmt-dev
  libp11-dev libengine-pkcs11-openssl
  # keys in tokens
  softhsm2 opensc
  # time zones of maintenance windows (TZif files under /usr/share/zoneinfo)
  tzdata
  # third-party signature formats (issue 5): signers and tools the tests use, kernel-image
  # decompressors, objcopy for shim's .vendor_cert; Debian-signed files come from apt-get download
  osslsigncode signify-openbsd minisign linux-kbuild-6.1 lz4 zstd xz-utils bzip2 binutils
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev openssl sqlite3 hyperfine faketime python3 time
  # telemetry tests: a real syslog receiver (TLS through its GnuTLS driver), JSON schema checks
  rsyslog rsyslog-gnutls python3-jsonschema
  # signet validate: the HTML report is checked in headless Chromium (validate_html_test.sh)
  chromium
  # fuzzing: clang-16 + libc++ 16 (std::expected) + libFuzzer runtime
  clang-16 libc++-16-dev libc++abi-16-dev libclang-rt-16-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "signet: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
  exit 1
fi
echo "signet: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
