#!/usr/bin/env bash
# `signet validate` against the exec gate and the project-file guard on a PRIVATE tmpfs: validate
# makes the items (copies of true(1), sh scripts, project files) and their trust bundles, starts
# `signet gate exec` on each point's directory, runs or opens every item while it watches, and stops
# it. Every case blocked, logged and escalated, the control allowed. Then the executables' policy is
# broken on purpose — a rule in audit mode for class executable, which lets unsigned executables
# run (and logs them) — and exactly the executable point's adversarial cells fail. The trap
# unmounts and stops everything.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/exec_gate_lib.sh"
source "$(dirname "$0")/validate_lib.sh"
exec_gate_require_root
trap exec_gate_cleanup EXIT
exec_gate_mount "$W" 32m
mkdir -p "$MNT/hmi" "$MNT/scripts" "$MNT/projects"

PORT=$(free_port)
policy() {  # FILE [MODE]
  cat >"$1" <<POL
mode = "${2:-enforce}"

[trust_store.plant]
anchors = ["$P/root.pem"]
crls    = ["$P/inter.crl", "$P/root.crl"]

[publisher.ot-engineering]
store   = "plant"
subject = "O=Example Plant, OU=OT Engineering, CN=*"

[[rule]]
id         = "bundles"
class      = "trust-bundle"
publishers = ["ot-engineering"]

${EXTRA_RULE:-}
[[rule]]
id         = "plant-code"
class      = "*"
publishers = ["ot-engineering"]

[gate]
interpreters = ["/bin/sh"]

[[guard]]
path  = "$MNT/projects"
class = "project-file"
tools = ["/usr/bin/head"]

[telemetry]
flush_timeout_ms = 5000

[[telemetry.sink]]
type = "file"
path = "events.jsonl"

[[telemetry.sink]]
type = "syslog"
transport = "tcp"
address = "127.0.0.1:$PORT"
POL
}
policy gate-policy.toml
# Broken on purpose: a rule for class executable in audit mode, ahead of the plant's rule, lets
# unsigned executables run (and logs each); scripts and project files stay enforced.
EXTRA_RULE='[[rule]]
id         = "executables-observed"
class      = "executable"
publishers = ["ot-engineering"]
mode       = "audit"
' policy broken-policy.toml
plan() {  # EXEC_POLICY [OTHER_POLICY]
  validate_identities "$PORT" 3000 alice stranger mail expired revoked small-key
  cat <<PLAN
[[point]]
name      = "hmi-exec"
kind      = "exec"
policy    = "$1"
class     = "executable"
watch     = "$MNT/hmi"
publisher = "alice"

[[point]]
name        = "hmi-scripts"
kind        = "exec"
policy      = "${2:-$1}"
class       = "script"
interpreter = ["/bin/sh"]
watch       = "$MNT/scripts"
publisher   = "alice"

[[point]]
name      = "projects"
kind      = "guard"
policy    = "${2:-$1}"
class     = "project-file"
watch     = "$MNT/projects"
publisher = "alice"
command   = ["/usr/bin/head", "-1", "{artifact}"]
PLAN
}
plan gate-policy.toml >plan.toml
plan broken-policy.toml gate-policy.toml >broken-plan.toml

expect_exit 0 "validate: every cell passes at the exec gate and the guard" -- \
  "$SIGNET" validate --plan plan.toml --out out
R=out/report.json
verdicts() { json_get "$R" "' '.join(p['name']+'/'+c['case']+'='+c['verdict'] for p in d['points'] for c in p['cases'] if c['verdict']!='pass')"; }
[[ $(json_get "$R" "d['summary']['passed']") == True ]] && pass "report: passed" || failed "not passed: $(verdicts)"
[[ $(json_get "$R" "[len(p['cases']) for p in d['points']]") == "[11, 11, 12]" ]] &&
  pass "cases: 11 at each exec point (no swapped, no target, no change control), 12 at the guard" ||
  failed "case counts: $(json_get "$R" "[len(p['cases']) for p in d['points']]")"
[[ $(json_get "$R" "all(c['blocked'] and c['logged'] and c['escalated'] for p in d['points'] for c in p['cases'] if c['case']!='control')") == True ]] &&
  pass "every adversarial item blocked (EPERM), logged and escalated" || failed "$(verdicts)"
[[ $(json_get "$R" "all(c['evidence']['reason_matched'] for p in d['points'] for c in p['cases'] if c['case']!='control')") == True ]] &&
  pass "blocked for the expected reasons (UNSIGNED; WRONG_CLASS; the guard's own)" ||
  failed "reasons: $(json_get "$R" "[(p['name'],c['case'],c['evidence']['reasons']) for p in d['points'] for c in p['cases'] if not c['evidence']['reason_matched']]")"
[[ $(json_get "$R" "[c for p in d['points'] if p['name']=='hmi-exec' for c in p['cases'] if c['case']=='unsigned'][0]['techniques']") == *T0863* &&
   $(json_get "$R" "[c for p in d['points'] if p['name']=='projects' for c in p['cases'] if c['case']=='tampered'][0]['techniques']") == *T0873* ]] &&
  pass "techniques: T0863 at the exec gate, T0873 at the guard" || failed "techniques"
[[ $(json_get "$R" "all('gate:' in p['notes'][0] and '(stopped, exit' in p['notes'][0] for p in d['points'])") == True ]] &&
  pass "validate started and stopped a gate per point" || failed "notes: $(json_get "$R" "[p['notes'] for p in d['points']]")"
[[ -f $MNT/hmi/control-hmi-tool ]] && cmp -s "$MNT/hmi/control-hmi-tool" out/work/hmi-exec/masquerading/control-hmi-tool.trusted &&
  pass "the masquerade's target is the trusted file again" || failed "control file not restored"

expect_exit 1 "validate with the executables' rule in audit mode: fails" -- \
  "$SIGNET" validate --plan broken-plan.toml --out broken
failing=$(json_get broken/report.json "' '.join(sorted(p['name']+'/'+c['case'] for p in d['points'] for c in p['cases'] if c['verdict']!='pass'))")
want=$(json_get broken/report.json "' '.join(sorted('hmi-exec/'+c['case'] for p in d['points'] if p['name']=='hmi-exec' for c in p['cases'] if c['case']!='control'))")
[[ -n $want && $failing == "$want" ]] && pass "exactly the executable point's adversarial cells fail ($(wc -w <<<"$failing"))" ||
  failed "failing: [$failing]"
[[ $(json_get broken/report.json "all(c['logged'] and not c['blocked'] for p in d['points'] if p['name']=='hmi-exec' for c in p['cases'] if c['case']!='control')") == True ]] &&
  pass "…each allowed, and logged as a would-deny" || failed "audit cells"
finish
