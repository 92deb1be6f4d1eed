#!/usr/bin/env bash
# The audit log with checkpoints signed by a token key; `signet audit verify` on an untouched
# log and on an edited, a deleted, two swapped records and a truncated tail; evidence export and
# `signet verify` of the bundle; `signet attack import` on both ATT&CK bundles; every event type
# validated against docs/event.schema.json.
source "$(dirname "$0")/lib.sh"

cat "$P/alice.pem" "$P/chain.pem" >audit-signer.pem
echo "PROGRAM line3; END_PROGRAM" >plc1.st
"$SIGNET" sign plc1.st --key "$KEY_ALICE" --cert "$P/alice.pem" --chain "$P/chain.pem" \
  --class plc-program --target acme/plc-5000/line3/plc1 --ticket CHG-0415 -o plc1.st.sig 2>/dev/null
cp plc1.st.sig bad.st.sig
echo "tampered" >bad.st

DEAD_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
write_policy policy.toml "$(cat <<TOML
[[rule]]
id = "evidence"
class = "config"
target = "evidence/*"
publishers = ["ot-engineering"]

[telemetry]
host_name = "hmi-01"
[[telemetry.sink]]
type = "file"
path = "events.jsonl"
[telemetry.audit]
path = "audit/audit.log"
checkpoint_key = "$KEY_ALICE"
checkpoint_cert = "audit-signer.pem"
checkpoint_every = 3
TOML
)"

SINCE=$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)
for i in 1 2 3 4; do
  expect_allow "allow-$i" plc1.st --policy policy.toml
  expect_deny "deny-$i" DIGEST_MISMATCH bad.st --sig bad.st.sig --policy policy.toml
done
LOG=audit/audit.log
[[ $(wc -l <$LOG) == 10 ]] && pass "8 events and 2 checkpoints in the audit log" ||
  failed "audit log has $(wc -l <$LOG) lines"

expect_exit 0 "untouched log verifies" -- "$SIGNET" audit verify $LOG --cert "$P/root.pem"
grep -q "INTACT" "$W/last.out" && grep -q "2 signed checkpoint(s) by C=DE, O=Example Plant, OU=OT Engineering, CN=Alice" "$W/last.out" &&
  pass "report: intact, 2 checkpoints by Alice" || failed "report: $(cat "$W/last.out")"
grep -q "UNSIGNED TAIL: 2 record(s)" "$W/last.out" && pass "report: unsigned tail of 2" ||
  failed "tail: $(cat "$W/last.out")"
expect_exit 1 "--require-signed refuses the unsigned tail" -- \
  "$SIGNET" audit verify $LOG --cert "$P/root.pem" --require-signed
expect_exit 1 "a checkpoint signer not vouched for by --cert" -- \
  "$SIGNET" audit verify $LOG --cert "$P/other-root.pem"

tamper() {  # NAME FINDING SEQ PYTHON-EDIT (over `lines`)
  local name=$1 finding=$2 seq=$3 edit=$4
  /usr/bin/python3 - "$LOG" "$W/$name.log" "$edit" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")[:-1]
exec(sys.argv[3])
open(sys.argv[2], "w").write(text if "text" in dir() else "\n".join(lines) + "\n")
PY
  expect_exit 1 "$name is found" -- "$SIGNET" audit verify "$W/$name.log" --json
  local got
  got=$(json_get "$W/last.out" "d['finding'] + ' ' + str(d['seq'])")
  [[ $got == "$finding $seq" ]] && pass "$name: $finding at seq $seq" || failed "$name: got $got"
}
tamper edited BROKEN 2 'lines[1] = lines[1].replace("\"deny\"", "\"allow\"")'
tamper deleted MISSING 5 'del lines[4]'
tamper swapped REORDERED 3 'lines[1], lines[2] = lines[2], lines[1]'
tamper truncated TRUNCATED 10 'text = "\n".join(lines)[:-40]'

expect_exit 0 "audit checkpoint seals the tail" -- "$SIGNET" audit checkpoint --policy policy.toml
expect_exit 0 "now fully signed" -- "$SIGNET" audit verify $LOG --cert "$P/root.pem" --require-signed

# Evidence export for the ticket, then `signet verify` of the bundle.
UNTIL=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)
expect_exit 0 "evidence export" -- "$SIGNET" evidence export --policy policy.toml \
  --since "$SINCE" --until "$UNTIL" --ticket CHG-0415 -o evidence.tar
tar -tf evidence.tar >members.txt
for m in manifest.sig events.jsonl changes.json audit.log policy.toml summary.json; do
  grep -qx "$m" members.txt || failed "bundle lacks $m"
done
grep -q "^signatures/" members.txt && grep -q "^certificates/" members.txt &&
  pass "bundle has events, changes, audit log, policy, summary, signatures, certificates" ||
  failed "bundle members: $(tr '\n' ' ' <members.txt)"
mkdir -p x && tar -xf evidence.tar -C x
[[ $(wc -l <x/events.jsonl) == 8 ]] && pass "8 events of CHG-0415 exported" ||
  failed "exported $(wc -l <x/events.jsonl) events"
[[ $(json_get x/summary.json "d['audit_log']['finding']") == INTACT ]] && pass "summary: audit log intact" ||
  failed "summary: $(cat x/summary.json)"
openssl cms -verify -inform DER -in x/manifest.sig -CAfile "$P/root.pem" -purpose any >/dev/null 2>&1 &&
  pass "manifest verifies with stock openssl cms" || failed "openssl cms rejects the manifest"
expect_allow bundle evidence.tar --policy policy.toml
grep -q '"evidence"' bundle.json && pass "bundle allowed by the evidence rule" || failed "rule: $(cat bundle.json)"
expect_exit 0 "human output describes the bundle" -- "$SIGNET" verify evidence.tar --policy policy.toml
grep -q "bundled audit log: INTACT" "$W/last.out" && pass "bundled audit log re-verified" ||
  failed "$(cat "$W/last.out")"
# Tamper with one member: the bundle is denied.
/usr/bin/python3 - <<'PY'
import tarfile, io
src = tarfile.open("evidence.tar")
dst = tarfile.open("tampered.tar", "w", format=tarfile.USTAR_FORMAT)
for m in src.getmembers():
    data = src.extractfile(m).read()
    if m.name == "events.jsonl":
        data = data.replace(b'"deny"', b'"allow"')
        m.size = len(data)
    dst.addfile(m, io.BytesIO(data))
dst.close()
PY
expect_deny bundle-tampered DIGEST_MISMATCH tampered.tar --policy policy.toml

# ATT&CK for ICS STIX bundles, both data generations.
expect_exit 0 "attack import v18.1" -- "$SIGNET" attack import "$SIGNET_SHARED_DATA/attack/ics-attack-18.1.json" --json
[[ $(json_get "$W/last.out" "' '.join(t['id'] for t in d['techniques'])") == "T0821 T0839 T0843 T0849 T0851 T0857 T0862 T0863 T0873 T0889" ]] &&
  pass "v18.1: the 10 M0945 techniques incl. T0857/T0839" || failed "v18.1: $(head -c 300 "$W/last.out")"
[[ $(json_get "$W/last.out" "d['generation']") == "detection-strategies (v18+)" ]] &&
  pass "v18.1: detection strategies" || failed "v18.1 generation"
expect_exit 0 "attack import v17.1" -- "$SIGNET" attack import "$SIGNET_SHARED_DATA/attack/ics-attack-17.1.json"
grep -q "data component: Firmware: Firmware Modification" "$W/last.out" &&
  pass "v17.1: x_mitre_data_sources reported" || failed "v17.1: $(head -c 300 "$W/last.out")"
echo '{"type":"bundle","objects":[' >broken.json
expect_exit 2 "attack import of a broken bundle" -- "$SIGNET" attack import broken.json

# Every event type against the schema: decisions (allow, deny, bundle), a drop report (a sink
# that is down without a spool), test events, an evidence export.
write_policy lossy.toml "$(printf '[telemetry]\n[[telemetry.sink]]\ntype = "file"\npath = "events.jsonl"\n[[telemetry.sink]]\ntype = "syslog"\ntransport = "tcp"\naddress = "127.0.0.1:%s"\n' "$DEAD_PORT")"
"$SIGNET" telemetry test --policy lossy.toml --count 3 >/dev/null 2>&1 || true
if /usr/bin/python3 - events.jsonl "$SIGNET_SOURCE_DIR/docs/event.schema.json" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[2]))
validator = jsonschema.Draft202012Validator(schema)
seen = set()
for n, line in enumerate(open(sys.argv[1]), 1):
    event = json.loads(line)
    errors = sorted(validator.iter_errors(event), key=str)
    assert not errors, f"line {n}: {errors[0].message} at {list(errors[0].path)}"
    seen.add(event["event"]["dataset"] + ":" + event["event"]["kind"])
want = {"signet.decision:event", "signet.decision:alert", "signet.telemetry-test:event",
        "signet.telemetry-dropped:event", "signet.evidence-export:event"}
assert want <= seen, f"missing event types: {want - seen}"
print(sorted(seen))
PY
then pass "every event type validates against docs/event.schema.json"; else failed "schema validation"; fi

finish
