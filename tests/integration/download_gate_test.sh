#!/usr/bin/env bash
# `signet gate download` end to end: a stand-in controller (a script that records what it
# received) behind the gate; allowed downloads reach it, denied ones never do, and the change
# records in SQLite say so. Also exit statuses, signals, firmware packages, audit mode, and two
# gates racing for the same target.
source "$(dirname "$0")/lib.sh"

T=acme/plc-5000/line3/plc1
DB=$W/state/signet.db
BG_PIDS=()
cleanup() { for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# The stand-in controller: logs its arguments and the SHA-256 of the program it was handed, keeps
# a copy, exits with $CONTROLLER_EXIT (0 by default). With CONTROLLER_SLEEP it takes its time and
# notices when another download to it is still running (mkdir is atomic).
cat >controller.sh <<'SH'
#!/bin/sh
log=$1; shift
file=$1; shift
if ! mkdir "$log.busy" 2>/dev/null; then echo "OVERLAP $*" >>"$log"; fi
trap 'echo "TERM $*" >>"$log"; rmdir "$log.busy"; exit 143' TERM
echo "START $* sha256=$(sha256sum "$file" | cut -d' ' -f1)" >>"$log"
if [ -n "${CONTROLLER_SLEEP:-}" ]; then
  i=0; while [ $i -lt "$CONTROLLER_SLEEP" ]; do sleep 0.1; i=$((i + 1)); done
fi
echo "DONE $*" >>"$log"
rmdir "$log.busy"
exit "${CONTROLLER_EXIT:-0}"
SH
chmod +x controller.sh
LOG=$W/controller.log
: >"$LOG"

cat >policy-head.toml <<POL
state_db = "state/signet.db"

[trust_store.plant]
anchors = ["$P/root.pem"]

[publisher.ot-engineering]
store = "plant"
subject = "O=Example Plant, OU=OT Engineering, CN=*"

[window.always]
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
from = "00:00"
to   = "24:00"
tz   = "Europe/Berlin"

[window.long-ago]
start = "2001-01-01T00:00:00Z"
end   = "2001-01-02T00:00:00Z"

[telemetry]
flush_timeout_ms = 5000

[[telemetry.sink]]
type = "file"
path = "events.jsonl"
POL
# policy.toml: two-person rule, ticket, window, rollback; firmware with timestamp and counter.
plc_rule() {  # WINDOWS [extra keys]
  printf '\n[[rule]]\nid = "plc-line3"\nclass = "plc-program"\ntarget = "acme/*/line3/*"\n'
  printf 'publishers = ["ot-engineering"]\nmin_signers = 2\nrequire_ticket = true\n'
  printf 'windows = [%s]\nrollback = "counter"\n%s\n' "$1" "${2:-}"
}
fw_rule='
[[rule]]
id = "fw-line3"
class = "firmware"
target = "acme/*/line3/*"
publishers = ["ot-engineering"]
rollback = "counter"
require_timestamp = true'
{ cat policy-head.toml; plc_rule '"always"'; echo "$fw_rule"; } >policy.toml
{ cat policy-head.toml; plc_rule '"long-ago"'; } >closed.toml
{ cat policy-head.toml; plc_rule '"long-ago"' 'outside_window = "alert"'; } >alert.toml
{ cat policy-head.toml; plc_rule '"long-ago"' 'mode = "audit"'; } >audit.toml

sign_plc() {  # OUT FILE COUNTER [extra sign args]
  local out=$1 file=$2 counter=$3
  shift 3
  "$SIGNET" sign "$file" --key "$KEY_ALICE" --cert "$P/alice.pem" --chain "$P/chain.pem" \
    --class plc-program --target "$T" --version "1.0.$counter" --counter "$counter" \
    --ticket CHG-1001 -o "$out" "$@" 2>/dev/null || failed "signing $out"
}
cosign() {  # SIG
  "$SIGNET" sign --cosign "$1" --key "$KEY_BOB" --cert "$P/bob.pem" --chain "$P/chain.pem" \
    -o "$1" 2>/dev/null || failed "cosigning $1"
}
changes_json() { "$SIGNET" changes --json --state-db "$DB" "$@" >"$W/changes.json"; }
# last_event PY_EXPR: evaluates PY_EXPR over `e`, the last event in events.jsonl
last_event() {
  /usr/bin/python3 -c "import json,sys; e=[json.loads(l) for l in open(sys.argv[1])][-1]; print($1)" \
    "$W/events.jsonl"
}
last() { json_get "$W/changes.json" "d[-1]$1"; }
state_counter() {  # TARGET CLASS
  sqlite3 "$DB" "SELECT counter FROM rollback_state WHERE target = '$1' AND class = '$2'"
}
gate() {  # PROGRAM SIG POLICY [more gate options] -- and the controller gets PROGRAM
  local prog=$1 sig=$2 policy=$3
  shift 3
  "$SIGNET" gate download --target "$T" --class plc-program --policy "$policy" --sig "$sig" \
    "$@" "$prog" -- "$W/controller.sh" "$LOG" "$prog" "$(basename "$prog")"
}

printf 'PROGRAM Main\nVAR x : INT; END_VAR\nx := x + 1;\nEND_PROGRAM\n' >prog5.st
sign_plc alice-only5.sig prog5.st 5
cp alice-only5.sig prog5.sig && cosign prog5.sig
sed 's/x + 1/x + 2/' prog5.st >prog6.st && sign_plc prog6.sig prog6.st 6 && cosign prog6.sig
sed 's/x + 1/x + 3/' prog5.st >prog4.st && sign_plc prog4.sig prog4.st 4 && cosign prog4.sig

# ---- An allowed download reaches the controller and is recorded -----------------------------
expect_exit 0 "allowed download runs the controller" -- gate prog5.st prog5.sig policy.toml \
  --ticket CHG-1001
grep -q "^START prog5.st sha256=$(sha256sum prog5.st | cut -d' ' -f1)" "$LOG" &&
  pass "controller received prog5.st intact" || failed "controller log: $(cat "$LOG")"
grep -q "ALLOW download of prog5.st to $T" "$W/last.out" && pass "gate says ALLOW" ||
  failed "gate output: $(cat "$W/last.out")"
changes_json
[[ $(last "['decision']") == allow && $(last "['status']") == succeeded &&
   $(last "['exit_status']") == 0 ]] && pass "change record: allowed, succeeded, exit 0" ||
  failed "change record: $(cat changes.json)"
[[ $(last "['ticket']") == CHG-1001 && $(last "['signed_ticket']") == CHG-1001 &&
   $(last "['window']") == always && $(last "['rule']") == plc-line3 ]] &&
  pass "change record: ticket, window, rule" || failed "change record fields: $(cat changes.json)"
[[ $(last "['user']") == "$(id -un)"* && $(last "['host']") == "$(hostname)" &&
   $(last "['target']") == "$T" && $(last "['operation']") == download ]] &&
  pass "change record: who, host, target, operation" || failed "who/host: $(cat changes.json)"
[[ $(last "['artifacts'][0]['sha256']") == $(sha256sum prog5.st | cut -d' ' -f1) &&
   $(json_get changes.json "len([s for s in d[-1]['signers'] if s['trusted']])") == 2 ]] &&
  pass "change record: artifact digest, two trusted signers" || failed "artifacts/signers"
[[ $(json_get changes.json "'T0843' in d[-1]['techniques'] and 'T0889' in d[-1]['techniques']") == True ]] &&
  pass "change record: ATT&CK T0843, T0889" || failed "techniques: $(last "['techniques']")"
[[ $(state_counter "$T" plc-program) == 5 && $(last "['rollback_advanced']") == True ]] &&
  pass "rollback state advanced to 5" || failed "rollback state: $(state_counter "$T" plc-program)"

[[ $(last_event "e['signet']['point']") == download-gate && $(last_event "e['event']['action']") == download &&
   $(last_event "e['event']['kind']") == event && $(last_event "e['signet']['window']") == always &&
   $(last_event "'T0843' in e['threat']['technique']['id']") == True ]] &&
  pass "event: download-gate, download, window, T0843" || failed "event: $(tail -1 events.jsonl)"

# The operation picks the sub-technique.
expect_exit 0 "online edit" -- gate prog5.st prog5.sig policy.toml --ticket CHG-1001 \
  --operation online-edit
changes_json
[[ $(json_get changes.json "d[-1]['techniques'][0]") == T0843.002 &&
   $(last_event "e['threat']['technique']['id'][0]") == T0843.002 ]] &&
  pass "online-edit is T0843.002 (record and event)" || failed "online-edit techniques: $(last "['techniques']")"

# ---- Denied downloads never reach the controller -----------------------------------------------
lines_before=$(wc -l <"$LOG")
denied() {  # NAME REASON [gate args...]
  local name=$1 reason=$2
  shift 2
  expect_exit 1 "$name: denied" -- "$@"
  changes_json
  if [[ $(wc -l <"$LOG") == "$lines_before" ]]; then pass "$name: controller never ran"; else
    failed "$name: the controller ran"; tail -2 "$LOG" | sed 's/^/     | /'; fi
  [[ $(last "['decision']") == deny && $(last "['status']") == denied &&
     $(last "['exit_status']") == None &&
     " $(json_get changes.json "' '.join(r['code'] for r in d[-1]['reasons'])") " == *" $reason "* ]] &&
    pass "$name: change record says denied with $reason" ||
    failed "$name: change record $(json_get changes.json 'd[-1]')"
}
cp prog5.st tampered.st && echo "x := 0;" >>tampered.st
denied tampered DIGEST_MISMATCH gate tampered.st prog5.sig policy.toml --ticket CHG-1001
[[ $(last_event "e['event']['kind']") == alert && $(last_event "e['event']['severity']") == 8 &&
   $(last_event "e['signet']['decision']") == deny ]] && pass "event: the denial is an alert (severity 8)" ||
  failed "denial event: $(tail -1 events.jsonl)"
denied no-ticket NO_TICKET gate prog5.st prog5.sig policy.toml
denied other-ticket NO_TICKET gate prog5.st prog5.sig policy.toml --ticket CHG-9999
denied one-signer TOO_FEW_SIGNERS gate prog5.st alice-only5.sig policy.toml --ticket CHG-1001
denied outside-window OUTSIDE_WINDOW gate prog5.st prog5.sig closed.toml --ticket CHG-1001
denied rollback ROLLBACK gate prog4.st prog4.sig policy.toml --ticket CHG-1001
denied wrong-target WRONG_TARGET "$SIGNET" gate download --target acme/plc-5000/line3/plc2 \
  --class plc-program --policy policy.toml --sig prog5.sig --ticket CHG-1001 prog5.st -- \
  "$W/controller.sh" "$LOG" prog5.st
denied wrong-class WRONG_CLASS "$SIGNET" gate download --target "$T" --class firmware \
  --policy policy.toml --sig prog5.sig --ticket CHG-1001 prog5.st -- "$W/controller.sh" "$LOG" prog5.st
denied unsigned UNSIGNED gate prog6.st missing.sig policy.toml --ticket CHG-1001
grep -q "the download command was not run" "$W/last.out" && pass "gate says it did not run" ||
  failed "deny output: $(cat "$W/last.out")"

# ---- Exit status passes through; a failed download does not advance the rollback state ---------
CONTROLLER_EXIT=4 expect_exit 4 "controller's exit status 4 passes through" -- \
  gate prog6.st prog6.sig policy.toml --ticket CHG-1001
changes_json
[[ $(last "['status']") == failed && $(last "['exit_status']") == 4 &&
   $(last "['rollback_advanced']") == False && $(state_counter "$T" plc-program) == 5 ]] &&
  pass "failed download recorded, rollback state still 5" ||
  failed "after failed download: state $(state_counter "$T" plc-program), $(json_get changes.json 'd[-1]')"
expect_exit 0 "counter 6 downloads" -- gate prog6.st prog6.sig policy.toml --ticket CHG-1001
[[ $(state_counter "$T" plc-program) == 6 ]] && pass "rollback state 6 (a new process read it)" ||
  failed "state after 6: $(state_counter "$T" plc-program)"
lines_before=$(wc -l <"$LOG")
denied rollback-to-5 ROLLBACK gate prog5.st prog5.sig policy.toml --ticket CHG-1001
# `signet verify` reads the same state.
verify_json verify-rollback 1 prog5.st --sig prog5.sig --policy policy.toml --ticket CHG-1001 &&
  [[ $(json_get verify-rollback.json "d['reasons'][0]['code']") == ROLLBACK ]] &&
  pass "signet verify sees the rollback state" || failed "verify: $(cat verify-rollback.json)"

# ---- Alert and audit modes -------------------------------------------------------------------
lines_before=$(wc -l <"$LOG")
expect_exit 0 "outside_window = alert: runs" -- gate prog6.st prog6.sig alert.toml --ticket CHG-1001
changes_json
[[ $(wc -l <"$LOG") -gt $lines_before && $(last "['decision']") == allow &&
   $(last "['reasons'][0]['code']") == OUTSIDE_WINDOW ]] &&
  pass "allowed with an OUTSIDE_WINDOW alert, recorded" || failed "alert: $(json_get changes.json 'd[-1]')"
[[ $(last_event "e['event']['kind']") == alert && $(last_event "e['event']['severity']") == 6 &&
   $(last_event "e['signet']['decision']") == allow &&
   $(last_event "e['signet']['reasons'][0]['code']") == OUTSIDE_WINDOW ]] &&
  pass "event: allowed outside the window is an alert (severity 6)" || failed "alert event: $(tail -1 events.jsonl)"
lines_before=$(wc -l <"$LOG")
expect_exit 0 "audit mode never blocks" -- gate prog5.st prog5.sig audit.toml
changes_json
[[ $(wc -l <"$LOG") -gt $lines_before && $(last "['decision']") == deny &&
   $(last "['enforced']") == False && $(last "['status']") == succeeded ]] &&
  pass "audit mode: ran, recorded as a not-enforced deny" || failed "audit: $(json_get changes.json 'd[-1]')"
codes=$(json_get changes.json "' '.join(r['code'] for r in d[-1]['reasons'])")
[[ " $codes " == *" OUTSIDE_WINDOW "* && " $codes " == *" NO_TICKET "* && " $codes " == *" ROLLBACK "* ]] &&
  pass "audit mode reports what it would have denied ($codes)" || failed "audit reasons: $codes"
[[ $(state_counter "$T" plc-program) == 6 ]] && pass "audit-mode deny did not move the state" ||
  failed "state after audit: $(state_counter "$T" plc-program)"

# ---- Usage errors: exit 2, nothing run, nothing recorded ---------------------------------------
changes_json && n_before=$(json_get changes.json "len(d)")
expect_exit 2 "no command after --" -- "$SIGNET" gate download --target "$T" --class plc-program \
  --policy policy.toml --sig prog6.sig prog6.st
expect_exit 2 "unknown command" -- "$SIGNET" gate download --target "$T" --class plc-program \
  --policy policy.toml --sig prog6.sig prog6.st -- no-such-vendor-tool
expect_exit 2 "unknown operation" -- gate prog6.st prog6.sig policy.toml --operation upload
expect_exit 2 "glob as target" -- "$SIGNET" gate download --target 'acme/*' --class plc-program \
  --policy policy.toml --sig prog6.sig prog6.st -- /bin/true
expect_exit 2 "bad policy" -- gate prog6.st prog6.sig no-such-policy.toml
changes_json
[[ $(json_get changes.json "len(d)") == "$n_before" ]] && pass "usage errors recorded nothing" ||
  failed "usage errors left records"

# ---- Firmware: one signature over a two-image package, timestamped, with a counter -------------
head -c 200000 /dev/urandom >fw-main.bin
head -c 30000 /dev/urandom >fw-io.bin
"$SIGNET" sign fw-main.bin fw-io.bin --key "$KEY_ALICE" --cert "$P/alice.pem" --chain "$P/chain.pem" \
  --class firmware --target "$T" --version 2.4.1 --counter 3 --tsa-key "$KEY_TSA" \
  --tsa-cert "$P/tsa.pem" --tsa-chain "$P/chain.pem" -o fw.sig 2>/dev/null || failed "signing firmware"
fw_gate() {
  "$SIGNET" gate download --target "$T" --class firmware --scope system --policy policy.toml \
    --sig fw.sig "$@" -- "$W/controller.sh" "$LOG" "$1" firmware
}
expect_exit 0 "firmware update allowed" -- fw_gate fw-main.bin fw-io.bin
changes_json
[[ $(last "['operation']") == firmware-update && $(json_get changes.json "d[-1]['techniques'][0]") == T1693.001 &&
   $(state_counter "$T" firmware) == 3 && $(state_counter "$T" plc-program) == 6 ]] &&
  pass "firmware: T1693.001, own rollback state" || failed "firmware: $(json_get changes.json 'd[-1]')"
[[ $(last_event "e['signet']['point']") == firmware-gate && $(last_event "e['event']['kind']") == alert &&
   $(last_event "e['threat']['technique']['id'][0]") == T1693.001 ]] &&
  pass "event: firmware-gate, alert, T1693.001" || failed "firmware event: $(tail -1 events.jsonl)"
mkdir -p swapped && cp fw-main.bin swapped/fw-io.bin && cp fw-io.bin swapped/fw-main.bin
lines_before=$(wc -l <"$LOG")
denied mix-and-match DIGEST_MISMATCH fw_gate swapped/fw-main.bin swapped/fw-io.bin

# ---- Signals: SIGTERM to the gate is forwarded to the controller --------------------------------
CONTROLLER_SLEEP=100 "$SIGNET" gate download --target "$T" --class plc-program --policy policy.toml \
  --sig prog6.sig --ticket CHG-1001 prog6.st -- "$W/controller.sh" "$LOG" prog6.st signal-test \
  >signal.out 2>&1 &
gate_pid=$!
BG_PIDS+=("$gate_pid")
for _ in $(seq 100); do grep -q "START signal-test" "$LOG" && break; sleep 0.1; done
kill -TERM "$gate_pid" || failed "the gate was gone before SIGTERM"
status=0
wait "$gate_pid" || status=$?
[[ $status == 143 ]] && pass "gate exits 143 after forwarding SIGTERM" || failed "gate exit $status: $(cat signal.out)"
grep -q "TERM signal-test" "$LOG" && pass "controller got the SIGTERM" || failed "controller log: $(cat "$LOG")"
changes_json
[[ $(last "['status']") == failed && $(last "['exit_status']") == 143 ]] &&
  pass "interrupted download recorded (exit 143)" || failed "signal record: $(json_get changes.json 'd[-1]')"

# ---- Two gates for the same target at once ------------------------------------------------------
# Counters 20 and 15 start together, three rounds (+10 each). The target lock serializes them: the
# controller never sees two downloads at once, never gets an older counter after a newer one, and
# the state ends at the highest counter.
R=acme/plc-5000/line3/plc9
cat >race.toml <<POL
state_db = "state/signet.db"
[trust_store.plant]
anchors = ["$P/root.pem"]
[publisher.ot-engineering]
store = "plant"
subject = "O=Example Plant, OU=OT Engineering, CN=*"
[[rule]]
id = "race"
class = "plc-program"
target = "acme/*/line3/*"
publishers = ["ot-engineering"]
rollback = "counter"
POL
RACE_LOG=$W/race.log
: >"$RACE_LOG"
for c in 15 20 25 30 35 40; do
  printf 'PROGRAM P%s\nEND_PROGRAM\n' "$c" >"race$c.st"
  "$SIGNET" sign "race$c.st" --key "$KEY_ALICE" --cert "$P/alice.pem" --chain "$P/chain.pem" \
    --class plc-program --target "$R" --counter "$c" -o "race$c.sig" 2>/dev/null || failed "signing race$c"
done
race_gate() {  # COUNTER
  CONTROLLER_SLEEP=10 "$SIGNET" gate download --target "$R" --class plc-program --policy race.toml \
    --sig "race$1.sig" "race$1.st" -- "$W/controller.sh" "$RACE_LOG" "race$1.st" "counter=$1" \
    >"race$1.out" 2>&1
}
# Each round starts both at once (the newer first, then the older first): either may get the lock.
for round in "20 15" "25 30" "40 35"; do
  read -r a b <<<"$round"
  hi=$((a > b ? a : b)) lo=$((a < b ? a : b))
  race_gate "$a" & pa=$!
  race_gate "$b" & pb=$!
  BG_PIDS+=("$pa" "$pb")
  sa=0; sb=0
  wait "$pa" || sa=$?
  wait "$pb" || sb=$?
  if [[ $a == "$hi" ]]; then s_hi=$sa s_lo=$sb; else s_hi=$sb s_lo=$sa; fi
  [[ $s_hi == 0 ]] && pass "race: counter $hi allowed" || failed "race: counter $hi exit $s_hi: $(cat "race$hi.out")"
  [[ $s_lo == 0 || $s_lo == 1 ]] && pass "race: counter $lo allowed or denied (exit $s_lo)" ||
    failed "race: counter $lo exit $s_lo: $(cat "race$lo.out")"
  if [[ $s_lo == 1 ]]; then grep -q ROLLBACK "race$lo.out" && pass "race: $lo denied as ROLLBACK" ||
    failed "race: $lo denied for another reason: $(cat "race$lo.out")"; fi
  [[ $(state_counter "$R" plc-program) == "$hi" ]] && pass "race: state is $hi" ||
    failed "race: state $(state_counter "$R" plc-program), expected $hi"
done
grep -q OVERLAP "$RACE_LOG" && failed "race: two downloads overlapped: $(cat "$RACE_LOG")" ||
  pass "race: downloads never overlapped"
received=$(sed -n 's/^START counter=\([0-9]*\) .*/\1/p' "$RACE_LOG" | tr '\n' ' ')
sorted=$(tr ' ' '\n' <<<"$received" | sed '/^$/d' | sort -n | tr '\n' ' ')
[[ -n $received && $received == "$sorted" ]] && pass "race: controller received counters in order ($received)" ||
  failed "race: controller received $received"

# ---- signet changes -------------------------------------------------------------------------------
expect_exit 0 "signet changes" -- "$SIGNET" changes --policy policy.toml
grep -q "ALLOW download $T" "$W/last.out" && grep -q "DENY download $T" "$W/last.out" &&
  grep -q "OUTSIDE_WINDOW" "$W/last.out" && pass "human listing shows allows, denies and reasons" ||
  failed "changes output: $(head -20 "$W/last.out")"
changes_json --target 'acme/*/plc9'
[[ $(json_get changes.json "len(d) > 0 and all(r['target'] == '$R' for r in d)") == True ]] &&
  pass "--target filters" || failed "--target filter"
changes_json --since 2099-01-01T00:00:00Z
[[ $(json_get changes.json "len(d)") == 0 ]] && pass "--since filters" || failed "--since filter"
expect_exit 0 "no database yet" -- "$SIGNET" changes --state-db "$W/none/state.db"
[[ ! -e $W/none/state.db ]] && pass "signet changes creates no database" || failed "changes created a database"

# Every event the gates sent validates against the event schema.
if /usr/bin/python3 - "$W/events.jsonl" "$SIGNET_SOURCE_DIR/docs/event.schema.json" >schema.out 2>&1 <<'PY'
import json, sys, jsonschema
validator = jsonschema.Draft202012Validator(json.load(open(sys.argv[2])))
points = set()
for n, line in enumerate(open(sys.argv[1]), 1):
    event = json.loads(line)
    errors = sorted(validator.iter_errors(event), key=str)
    assert not errors, f"line {n}: {errors[0].message} at {list(errors[0].path)}"
    points.add(event["signet"]["point"])
assert {"download-gate", "firmware-gate"} <= points, points
PY
then pass "gate events validate against docs/event.schema.json"; else
  failed "event schema: $(cat schema.out)"; fi

finish
