# Shared helpers for the integration tests (sourced). Each test runs in its own empty $W.
# Environment from ctest: SIGNET (binary), SIGNET_PKI (fixture dir), SIGNET_IT_WORK, SIGNET_SOURCE_DIR.
set -euo pipefail
: "${SIGNET:?}" "${SIGNET_PKI:?}" "${SIGNET_IT_WORK:?}"
# shellcheck disable=SC1091
source "$SIGNET_PKI/env.sh"
P=$SIGNET_PKI
W=$SIGNET_IT_WORK
rm -rf "$W"
mkdir -p "$W"
cd "$W"
FAILURES=0
CHECKS=0

pass() { CHECKS=$((CHECKS + 1)); echo "ok   - $*"; }
failed() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); echo "FAIL - $*"; }

# expect_exit CODE DESCRIPTION -- CMD...   (stdout+stderr in $W/last.out)
expect_exit() {
  local want=$1 what=$2
  shift 3
  local got=0
  "$@" >"$W/last.out" 2>&1 || got=$?
  if [[ $got == "$want" ]]; then pass "$what (exit $got)"; else
    failed "$what: exit $got, expected $want"; sed 's/^/     | /' "$W/last.out"; fi
}

# json_get FILE PY_EXPR — evaluates a Python expression over `d` (the parsed JSON)
json_get() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# verify_json NAME EXPECTED_EXIT [verify args...] — runs `signet verify --json`, keeps NAME.json
verify_json() {
  local name=$1 want=$2
  shift 2
  local got=0
  "$SIGNET" verify --json "$@" >"$W/$name.json" 2>"$W/$name.err" || got=$?
  if [[ $got != "$want" ]]; then
    failed "$name: exit $got, expected $want"
    sed 's/^/     | /' "$W/$name.json" "$W/$name.err"
    return 1
  fi
}

# expect_deny NAME REASON [verify args...] — exit 1 and REASON among the top-level reason codes
expect_deny() {
  local name=$1 reason=$2
  shift 2
  verify_json "$name" 1 "$@" || return 0
  local codes
  codes=$(json_get "$W/$name.json" "' '.join(r['code'] for r in d['reasons'])")
  if [[ " $codes " == *" $reason "* && $(json_get "$W/$name.json" "d['decision']") == deny ]]; then
    pass "$name: denied with $reason"
  else
    failed "$name: reasons [$codes], expected $reason"
    sed 's/^/     | /' "$W/$name.json"
  fi
}

expect_allow() {
  local name=$1
  shift
  verify_json "$name" 0 "$@" || return 0
  if [[ $(json_get "$W/$name.json" "d['decision']") == allow ]]; then pass "$name: allowed"; else
    failed "$name: not allowed"; sed 's/^/     | /' "$W/$name.json"; fi
}

# A policy trusting the plant PKI for OT Engineering code signers; extra TOML appended from $1.
write_policy() {
  local file=$1
  shift
  cat >"$file" <<POL
mode = "enforce"

[trust_store.plant]
anchors = ["$P/root.pem"]

[publisher.ot-engineering]
store = "plant"
subject = "O=Example Plant, OU=OT Engineering, CN=*"
eku = ["codeSigning"]

[publisher.release]
store = "plant"
subject = "O=Example Plant, OU=Release Engineering, CN=Release Build"

[[rule]]
id = "firmware-line3"
class = "firmware"
target = "acme/*/line3/*"
publishers = ["ot-engineering", "release"]

[[rule]]
id = "plc-programs"
class = "plc-program"
target = "acme/*"
publishers = ["ot-engineering"]
POL
  for extra in "$@"; do printf '\n%s\n' "$extra" >>"$file"; done
}

finish() {
  echo "$((CHECKS - FAILURES)) passed, $FAILURES failed"
  [[ $FAILURES == 0 ]]
}
