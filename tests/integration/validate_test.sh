#!/usr/bin/env bash
# `signet validate` end to end on a small site: a verify point, a download gate in front of a
# stand-in controller (two-person rule, ticket, window, rollback), and a deliberately weak point (a
# plain copy). Checks the verdicts, that report.json and junit.xml agree, that events were found in
# the file sink and at validate's own SOC receiver; then breaks the download policy on purpose (no
# min_signers, no require_ticket) and sees exactly those cells fail.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/validate_lib.sh"

T=acme/plc-5000/line3/plc1
PORT=$(free_port)
open_from=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
open_to=$(date -u -d '+3 hours' +%Y-%m-%dT%H:%M:%SZ)

mkdir -p site/inbox
cat >site/controller.sh <<'SH'
#!/bin/sh
# Stand-in controller: keeps what it was sent.
cp "$1" "$(dirname "$0")/inbox/$(sha256sum "$1" | cut -c1-16)"
SH
chmod +x site/controller.sh

policy() {  # FILE [extra rule lines]: line-3 PLC programs, two-person, ticket, window, rollback
  cat >"$1" <<POL
mode = "enforce"
state_db = "state.db"

[trust_store.plant]
anchors = ["$P/root.pem"]
crls    = ["$P/inter.crl", "$P/root.crl"]

[publisher.ot-engineering]
store   = "plant"
subject = "O=Example Plant, OU=OT Engineering, CN=*"

[window.change]
start = "$open_from"
end   = "$open_to"

[telemetry]
flush_timeout_ms = 5000

[[telemetry.sink]]
type = "file"
path = "events.jsonl"

[[telemetry.sink]]
type = "syslog"
transport = "tcp"
address = "127.0.0.1:$PORT"

[[rule]]
id         = "line3-plc"
class      = "plc-program"
target     = "acme/*/line3/*"
publishers = ["ot-engineering"]
windows    = ["change"]
rollback   = "counter"
${2:-min_signers = 2
require_ticket = true}

[[rule]]
id         = "line3-firmware"
class      = "firmware"
target     = "acme/*/line3/*"
publishers = ["ot-engineering"]
POL
}
policy site/policy.toml

plan_head() {
  echo 'title = "validate integration test"'
  echo
  validate_identities "$PORT" 3000 alice bob stranger mail expired revoked small-key
}
download_point() {  # POLICY
  cat <<PLAN
[[point]]
name           = "plc1-download"
kind           = "download"
policy         = "$1"
class          = "plc-program"
target         = "$T"
operation      = "download-all"
publisher      = "alice"
cosigner       = "bob"
ticket         = "CHG-7001"
counter        = 7
change_control = ["two-person", "ticket", "window", "rollback"]
command        = ["site/controller.sh", "{artifact}"]

PLAN
}
{
  plan_head
  download_point site/policy.toml
  cat <<PLAN
[[point]]
name      = "firmware-verify"
kind      = "verify"
policy    = "site/policy.toml"
class     = "firmware"
target    = "$T"
publisher = "alice"

[[point]]
name      = "plain-copy"
kind      = "command"
class     = "plc-program"
target    = "$T"
publisher = "alice"
command   = ["cp", "{artifact}", "site/inbox/"]

[[gap]]
asset           = "line 2 S7-300 controllers"
reason          = "firmware without signature checks"
lacks           = ["signature-enforcement", "logging"]
change_approval = "CAB approval per download"
monitoring      = "NDR alerts on S7 download function codes"
PLAN
} >plan.toml

# ---- A run: the gated points pass, the plain copy fails where it should -----------------------
expect_exit 1 "validate exits 1 (the weak point fails)" -- "$SIGNET" validate --plan plan.toml --out out
R=out/report.json
[[ -f $R && -f out/junit.xml && -f out/report.html ]] && pass "report.json, junit.xml, report.html written" ||
  { failed "reports missing"; cat "$W/last.out"; finish; exit 1; }

verdicts() {  # POINT -> "case=verdict ..."
  json_get "$R" "' '.join(c['case']+'='+c['verdict'] for p in d['points'] if p['name']=='$1' for c in p['cases'])"
}
all_pass() {  # POINT
  json_get "$R" "all(c['verdict']=='pass' and (c['case']=='control' or (c['blocked'] and c['logged'] and c['escalated'])) for p in d['points'] if p['name']=='$1' for c in p['cases'])"
}
[[ $(json_get "$R" "len([p for p in d['points'] if p['name']=='plc1-download'][0]['cases'])") == 17 ]] &&
  pass "download point: all 17 cases apply" || failed "download cases: $(verdicts plc1-download)"
[[ $(all_pass plc1-download) == True ]] && pass "download point: every case blocked, logged, escalated; control allowed" ||
  failed "download point: $(verdicts plc1-download)"
[[ $(all_pass firmware-verify) == True ]] && pass "verify point: every case blocked, logged, escalated" ||
  failed "verify point: $(verdicts firmware-verify)"
[[ $(json_get "$R" "sorted(x['case'] for p in d['points'] if p['name']=='firmware-verify' for x in p['left_out'])") == \
   "['downgrade', 'missing-ticket', 'one-signer', 'outside-window']" ]] &&
  pass "verify point: change-control cases left out (not counted)" || failed "left out: $(json_get "$R" "d['points'][1]['left_out']")"
[[ $(json_get "$R" "[c['verdict'] for p in d['points'] if p['name']=='plain-copy' for c in p['cases'] if c['case']=='control'][0]") == pass &&
   $(json_get "$R" "all(c['verdict']=='fail' and not c['blocked'] and not c['logged'] for p in d['points'] if p['name']=='plain-copy' for c in p['cases'] if c['case']!='control')") == True ]] &&
  pass "plain copy: control passes, every bad item fails (allowed, not logged)" || failed "plain copy: $(verdicts plain-copy)"
[[ $(json_get "$R" "all(c['evidence']['reason_matched'] for p in d['points'] if p['kind']!='command' for c in p['cases'] if c['case']!='control')") == True ]] &&
  pass "every blocked item was blocked for its own reason" ||
  failed "reasons: $(json_get "$R" "[(p['name'],c['case'],c['evidence']['reasons']) for p in d['points'] for c in p['cases'] if c['evidence']['reason_matched'] is False]")"
[[ $(json_get "$R" "[c for p in d['points'] if p['name']=='plc1-download' for c in p['cases'] if c['case']=='masquerading'][0]['techniques']") == *T0849* &&
   $(json_get "$R" "[c for p in d['points'] if p['name']=='plc1-download' for c in p['cases'] if c['case']=='tampered'][0]['techniques']") == *T0843.001* ]] &&
  pass "techniques: masquerading T0849, download-all T0843.001" || failed "techniques"
[[ $(json_get "$R" "d['soc']['messages'] > 0") == True ]] && grep -q 'signet@32473' out/soc-received.log &&
  pass "the SOC receiver got RFC 5424 messages ($(json_get "$R" "d['soc']['messages']"))" || failed "soc receiver"
[[ $(json_get "$R" "d['summary']['cells']") == $(json_get "$R" "sum(len(p['cases']) for p in d['points'])") &&
   $(json_get "$R" "d['summary']['pass']+d['summary']['fail']+d['summary']['partial']==d['summary']['cells']") == True ]] &&
  pass "summary counts add up" || failed "summary: $(json_get "$R" "d['summary']")"
# The stand-in controller got the control (and, through the plain copy, everything) but nothing
# the download gate blocked: its inbox holds exactly the digests the gate allowed.
allowed=$(json_get "$R" "' '.join(c['evidence']['sha256'][:16] for p in d['points'] if p['name']=='plc1-download' for c in p['cases'] if not c['blocked'])")
blocked=$(json_get "$R" "' '.join(c['evidence']['sha256'][:16] for p in d['points'] if p['name']=='plc1-download' for c in p['cases'] if c['blocked'])")
ok=1
for h in $allowed; do [[ -f site/inbox/$h ]] || ok=0; done
for h in $blocked; do [[ -f site/inbox/$h ]] && ok=0; done
[[ $ok == 1 ]] && pass "controller received the control, never a blocked item" || failed "controller inbox"

# report.json and junit.xml agree, cell by cell.
/usr/bin/python3 - "$R" out/junit.xml <<'PY' && pass "report.json and junit.xml agree" || failed "junit disagrees"
import json, sys, xml.etree.ElementTree as ET
d = json.load(open(sys.argv[1]))
root = ET.parse(sys.argv[2]).getroot()
cells = {(p['name'], c['case']): c['verdict'] for p in d['points'] for c in p['cases']}
cases = {}
for suite in root.iter('testsuite'):
    for tc in suite.iter('testcase'):
        f = tc.find('failure')
        cases[(suite.get('name'), tc.get('name'))] = 'pass' if f is None else f.get('type')
s = d['summary']
assert cases == cells, (set(cases.items()) ^ set(cells.items()))
assert int(root.get('tests')) == s['cells'] == len(cases)
assert int(root.get('failures')) == s['fail'] + s['partial']
PY

# The compliance mapping names tested cells and the gap.
[[ $(json_get "$R" "[r['status'] for r in d['compliance'] if r['id']=='IEC 62443-3-3 SR 3.4'][0]") == failing &&
   $(json_get "$R" "'plc1-download/tampered' in [r for r in d['compliance'] if r['id']=='IEC 62443-3-3 SR 3.4'][0]['evidence']['passing']") == True &&
   $(json_get "$R" "'plain-copy/tampered' in [r for r in d['compliance'] if r['id']=='IEC 62443-3-3 SR 3.4'][0]['evidence']['failing']") == True &&
   $(json_get "$R" "[r['gaps'] for r in d['compliance'] if r['id']=='NIST SP 800-53 SI-7(8)'][0]") == "['line 2 S7-300 controllers']" ]] &&
  pass "compliance: SR 3.4 evidence names the cells, SI-7(8) the gap" || failed "compliance: $(json_get "$R" "d['compliance'][0]")"

# ---- The policy broken on purpose: no two-person rule, no ticket -----------------------------
policy site/broken.toml "# min_signers and require_ticket removed on purpose"
{ plan_head; download_point site/broken.toml; } >broken-plan.toml
expect_exit 1 "validate of the broken policy exits 1" -- "$SIGNET" validate --plan broken-plan.toml --out broken
failing=$(json_get broken/report.json "' '.join(sorted(c['case'] for p in d['points'] for c in p['cases'] if c['verdict']!='pass'))")
[[ $failing == "missing-ticket one-signer" ]] && pass "exactly one-signer and missing-ticket fail" ||
  failed "failing cells: [$failing]"

# ---- A plan that is wrong is refused with its place --------------------------------------------
sed 's/^class          = "plc-program"/clas = "plc-program"/' plan.toml >bad-plan.toml
expect_exit 2 "plan with an unknown key: exit 2" -- "$SIGNET" validate --plan bad-plan.toml --out bad
grep -q "PLAN_INVALID: .*point\[0\] 'plc1-download': unknown key 'clas' (line" "$W/last.out" &&
  pass "unknown key named with its point and line" || failed "message: $(cat "$W/last.out")"
finish
