#!/usr/bin/env bash
# Events reach a real rsyslog over UDP, TCP (octet counting) and TLS (RFC 5425, gtls driver): a
# denied verification arrives with its technique id, reason code, file hash and signer, parsed
# back from what rsyslog wrote to disk. TLS: the server certificate is verified against the
# configured CA (a wrong CA delivers nothing), and a client certificate satisfies a receiver that
# requires one. Also the file sink in all three formats.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/rsyslog.sh"

make_tls_pki
UDP=$(free_port udp); TCP=$(free_port tcp); TLS=$(free_port tcp); MTLS=$(free_port tcp)
write_rsyslog_conf udp udp "$UDP"
write_rsyslog_conf tcp tcp "$TCP"
write_rsyslog_conf tls tls "$TLS" anon
write_rsyslog_conf mtls tls "$MTLS" x509/certvalid
for r in udp:udp:$UDP tcp:tcp:$TCP tls:tls:$TLS mtls:tls:$MTLS; do
  IFS=: read -r name proto port <<<"$r"
  start_rsyslog "$name" "$proto" "$port" && pass "rsyslog $name listening on 127.0.0.1:$port" ||
    failed "rsyslog $name did not start"
done

# A signed PLC program, then a tampered copy under the same signature.
echo "PROGRAM line3; END_PROGRAM" >plc1.st
"$SIGNET" sign plc1.st --key "$KEY_ALICE" --cert "$P/alice.pem" --chain "$P/chain.pem" \
  --class plc-program --target acme/plc-5000/line3/plc1 --ticket CHG-0415 -o plc1.st.sig 2>/dev/null
cp plc1.st good.st
echo "(* injected *)" >>plc1.st
TAMPERED_SHA=$(sha256sum plc1.st | cut -d' ' -f1)

write_policy policy.toml "$(cat <<TOML
[telemetry]
host_name = "hmi-01"
[[telemetry.sink]]
type = "file"
path = "events.jsonl"
[[telemetry.sink]]
type = "file"
path = "events.cef"
format = "cef"
[[telemetry.sink]]
type = "file"
path = "events.syslog"
format = "rfc5424"
[[telemetry.sink]]
type = "syslog"
transport = "udp"
address = "127.0.0.1:$UDP"
[[telemetry.sink]]
type = "syslog"
transport = "tcp"
address = "127.0.0.1:$TCP"
format = "rfc5424"
[[telemetry.sink]]
type = "syslog"
transport = "tls"
address = "127.0.0.1:$TLS"
ca = "$W/tls/ca.pem"
[[telemetry.sink]]
type = "syslog"
transport = "tls"
address = "127.0.0.1:$MTLS"
ca = "$W/tls/ca.pem"
cert = "$W/tls/client.pem"
key = "file:$W/tls/client.key"
TOML
)"

expect_deny deny-tampered DIGEST_MISMATCH plc1.st --sig plc1.st.sig --policy policy.toml
grep -q "warning: telemetry" deny-tampered.err && failed "telemetry warnings: $(cat deny-tampered.err)" ||
  pass "no telemetry warnings on a healthy setup"

# check_received NAME: the denial as rsyslog parsed it (RFC 5424 fields + the JSON message)
check_received() {
  local name=$1 out=$W/rsyslog-$1/out.log
  if ! wait_lines "$out" "DIGEST_MISMATCH" 1; then
    failed "$name: no denial arrived"; sed 's/^/     | /' "$out" "$W/rsyslog-$name/stderr.log"; return
  fi
  local line app msgid sd
  line=$(grep DIGEST_MISMATCH "$out" | tail -n 1)
  app=$(cut -f1 <<<"$line"); msgid=$(cut -f2 <<<"$line"); sd=$(cut -f3 <<<"$line")
  [[ $app == signet && $msgid == decision ]] && pass "$name: APP-NAME signet, MSGID decision" ||
    failed "$name: header parsed as app=$app msgid=$msgid"
  [[ $sd == *'[signet@32473 '* && $sd == *'reasons="DIGEST_MISMATCH"'* &&
     $sd == *'techniques="T0843,T0889,T0821"'* && $sd == *"sha256=\"$TAMPERED_SHA\""* &&
     $sd == *'signer="C=DE, O=Example Plant, OU=OT Engineering, CN=Alice"'* ]] &&
    pass "$name: structured data has reason, techniques, hash and signer" ||
    failed "$name: structured data: $sd"
  cut -f4- <<<"$line" >"$W/$name-msg.json"
  if /usr/bin/python3 - "$W/$name-msg.json" "$TAMPERED_SHA" <<'PY'
import json, sys
e = json.loads(open(sys.argv[1]).read().strip())
assert e["event"]["kind"] == "alert", e["event"]
assert "T0843" in e["threat"]["technique"]["id"], e["threat"]
assert e["threat"]["technique"]["name"][0] == "Program Download"
assert e["signet"]["reasons"][0]["code"] == "DIGEST_MISMATCH"
assert e["file"]["hash"]["sha256"] == sys.argv[2]
assert "CN=Alice" in e["file"]["code_signature"]["subject_name"]
assert e["host"]["name"] == "hmi-01"
assert e["signet"]["ticket"] == "CHG-0415"
PY
  then pass "$name: JSON message has technique, reason, hash, signer, ticket"; else
    failed "$name: JSON message"; sed 's/^/     | /' "$W/$name-msg.json"; fi
}
for name in udp tcp tls mtls; do check_received "$name"; done

# An allowed verification is an event too ("signed is not benign": it is recorded).
expect_allow allow-good good.st --sig plc1.st.sig --policy policy.toml
wait_lines "$W/rsyslog-tcp/out.log" '"decision":"allow"' 1 &&
  pass "tcp: the allowed verification arrived" || failed "tcp: no allow event"

# File sinks: the same denial as ECS JSON, CEF and RFC 5424 lines.
grep -q '"DIGEST_MISMATCH"' events.jsonl && pass "file: ECS JSON line" || failed "file: no ECS line"
grep -q "^CEF:0|signet|signet|.*|DIGEST_MISMATCH|.*cs2Label=attackTechniques cs2=T0843,T0889,T0821" events.cef &&
  pass "file: CEF line" || failed "file: CEF: $(head -c 400 events.cef)"
grep -q '^<3[0-9]>1 .* hmi-01 signet [0-9]* decision \[signet@32473 ' events.syslog &&
  pass "file: RFC 5424 line" || failed "file: RFC 5424: $(head -c 300 events.syslog)"

# TLS with the wrong CA: the server certificate is rejected, nothing is sent, and the decision
# (exit status) is unchanged.
write_policy wrong-ca.toml "$(printf '[telemetry]\n[[telemetry.sink]]\ntype = "syslog"\ntransport = "tls"\naddress = "127.0.0.1:%s"\nca = "%s"\n' "$TLS" "$W/tls/other-ca.pem")"
before=$(wc -l <"$W/rsyslog-tls/out.log")
expect_deny wrong-ca DIGEST_MISMATCH plc1.st --sig plc1.st.sig --policy wrong-ca.toml
grep -q "server certificate rejected" wrong-ca.err && pass "wrong CA: server certificate rejected" ||
  failed "wrong CA: $(cat wrong-ca.err)"
sleep 0.5
[[ $(wc -l <"$W/rsyslog-tls/out.log") == "$before" ]] && pass "wrong CA: nothing delivered" ||
  failed "wrong CA: an event went to an unverified server"

# A receiver that requires client certificates refuses a client without one.
write_policy no-client-cert.toml "$(printf '[telemetry]\n[[telemetry.sink]]\ntype = "syslog"\ntransport = "tls"\naddress = "127.0.0.1:%s"\nca = "%s"\n' "$MTLS" "$W/tls/ca.pem")"
before=$(wc -l <"$W/rsyslog-mtls/out.log")
expect_deny no-client-cert DIGEST_MISMATCH plc1.st --sig plc1.st.sig --policy no-client-cert.toml
sleep 0.5
[[ $(wc -l <"$W/rsyslog-mtls/out.log") == "$before" ]] &&
  pass "client-auth receiver: nothing accepted without a client certificate" ||
  failed "client-auth receiver accepted an anonymous client"

# The server name is checked: a name the certificate does not carry is refused.
write_policy wrong-name.toml "$(printf '[telemetry]\n[[telemetry.sink]]\ntype = "syslog"\ntransport = "tls"\naddress = "127.0.0.1:%s"\nca = "%s"\nserver_name = "other.plant"\n' "$TLS" "$W/tls/ca.pem")"
expect_deny wrong-name DIGEST_MISMATCH plc1.st --sig plc1.st.sig --policy wrong-name.toml
grep -q "server certificate rejected" wrong-name.err && pass "TLS: server name checked" ||
  failed "TLS server name: $(cat wrong-name.err)"

finish
