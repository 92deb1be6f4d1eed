#!/usr/bin/env bash
# The spool: rsyslog stopped, 1,000 events emitted, rsyslog started again: all 1,000 arrive once
# and in order, delivered by the next signet process that has the sink configured, ahead of that
# process's own event. Then `signet telemetry flush` delivers on demand.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/rsyslog.sh"

PORT=$(free_port tcp)
write_rsyslog_conf soc tcp "$PORT"
OUT=$W/rsyslog-soc/out.log
write_policy policy.toml "$(printf '[telemetry]\nhost_name = "hmi-01"\n[[telemetry.sink]]\ntype = "syslog"\ntransport = "tcp"\naddress = "127.0.0.1:%s"\nspool = "spool"\n' "$PORT")"

start_rsyslog soc tcp "$PORT" && pass "rsyslog up" || failed "rsyslog did not start"
expect_exit 0 "one event while the receiver is up" -- "$SIGNET" telemetry test --policy policy.toml --count 1
wait_lines "$OUT" "telemetry-test" 1 && pass "delivered directly" || failed "nothing arrived"
stop_rsyslog soc
: >"$OUT"

expect_exit 0 "1000 events while the receiver is down" -- \
  "$SIGNET" telemetry test --policy policy.toml --count 1000
grep -q "spooled" "$W/last.out" && pass "the command says the events are spooled" ||
  failed "no spool notice: $(cat "$W/last.out")"
[[ -s spool/queue ]] && pass "spool holds the events on disk" || failed "spool is empty"

start_rsyslog soc tcp "$PORT" && pass "rsyslog up again" || failed "rsyslog did not restart"
echo "PROGRAM x; END_PROGRAM" >x.st
# The next process with the sink configured delivers the spool first, then its own event.
"$SIGNET" verify x.st --policy policy.toml >/dev/null 2>verify.err || true
if wait_lines "$OUT" "" 1001 30; then pass "1001 messages arrived"; else
  failed "only $(wc -l <"$OUT") of 1001 arrived"; fi
if /usr/bin/python3 - "$OUT" <<'PY'
import json, sys
rows = [line.rstrip("\n").split("\t", 3) for line in open(sys.argv[1])]
tests = [json.loads(r[3]) for r in rows if r[1] == "telemetry-test"]
seqs = [t["event"]["sequence"] for t in tests]
assert seqs == list(range(1, 1001)), (len(seqs), seqs[:5], seqs[-5:])
assert len({t["event"]["id"] for t in tests}) == 1000, "duplicate event ids"
assert rows[-1][1] == "decision", rows[-1][:3]
assert json.loads(rows[-1][3])["signet"]["reasons"][0]["code"] == "UNSIGNED"
PY
then pass "all 1000 once, in order, before the new decision"; else failed "order or duplicates"; fi
[[ ! -s spool/queue ]] && pass "spool empty after delivery" || failed "spool still holds data"

# On demand: down, 10 events, up, `signet telemetry flush`.
stop_rsyslog soc
: >"$OUT"
expect_exit 0 "10 more while down" -- "$SIGNET" telemetry test --policy policy.toml --count 10
start_rsyslog soc tcp "$PORT" || failed "rsyslog did not restart"
expect_exit 0 "telemetry flush" -- "$SIGNET" telemetry flush --policy policy.toml
if wait_lines "$OUT" "telemetry-test" 10 && [[ $(wc -l <"$OUT") == 10 ]]; then
  pass "flush delivered exactly the 10"; else failed "flush: $(wc -l <"$OUT") lines"; fi
stop_rsyslog soc
expect_exit 0 "one more while down" -- "$SIGNET" telemetry test --policy policy.toml --count 1
expect_exit 1 "flush with the receiver still down says so" -- \
  "$SIGNET" telemetry flush --policy policy.toml
finish
