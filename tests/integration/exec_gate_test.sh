#!/usr/bin/env bash
# `signet gate exec` end to end on a PRIVATE tmpfs (never a system mount): a trusted binary runs;
# an untrusted one is refused with EPERM; a trusted binary altered in place after it has run is
# refused on its next run; `python3 untrusted.py` and `sh untrusted.sh` are refused; an untrusted
# .so loaded by a trusted binary fails to load; each denial is an event with its ATT&CK technique;
# audit mode lets everything run and logs each would-deny; SIGHUP reloads (a bad policy keeps the
# old one); `signet gate status` counts every answer. The trap stops the daemon and unmounts.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/exec_gate_lib.sh"
exec_gate_require_root
trap exec_gate_cleanup EXIT
exec_gate_mount "$W" 64m

# ---- Things to run, built before the gate starts ----------------------------------------------
cat >hello.c <<'C'
#include <stdio.h>
int main(int argc, char **argv) { (void)argc; printf("hello from %s\n", argv[0]); return 0; }
C
cat >plugin_host.c <<'C'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
  if (argc < 2) return 2;
  void *h = dlopen(argv[1], RTLD_NOW);
  if (!h) { printf("dlopen failed: %s\n", dlerror()); return 1; }
  int (*greet)(void) = (int (*)(void))dlsym(h, "greet");
  printf("loaded %s: greet() = %d\n", argv[1], greet ? greet() : -1);
  return 0;
}
C
printf 'int greet(void) { return 42; }\n' >good.c
printf 'int greet(void) { return 666; }\n' >evil.c
gcc -O2 -o "$MNT/hello" hello.c
sed 's/hello from/tool at/' hello.c >tool.c
gcc -O2 -o "$MNT/tool" tool.c
gcc -O2 -o "$MNT/plugin-host" plugin_host.c
gcc -O2 -shared -fPIC -o "$MNT/libgood.so" good.c
gcc -O2 -shared -fPIC -o "$MNT/libevil.so" evil.c
cp /usr/bin/true "$MNT/untrusted"
mkdir "$MNT/elsewhere" && cp "$MNT/hello" "$MNT/elsewhere/renamed-hello"
printf 'echo trusted shell script\n' >"$MNT/trusted.sh"
printf 'echo untrusted shell script\n' >"$MNT/untrusted.sh"
printf 'print("trusted python script")\n' >"$MNT/trusted.py"
printf 'print("untrusted python script")\n' >"$MNT/untrusted.py"
chmod +x "$MNT/trusted.sh" "$MNT/untrusted.sh"
# Kernel modules with an appended signature (the kernel's format: PKCS#7 without certificates,
# module_signature header, marker), signed here by Carol; one altered after signing, one unsigned.
# Nothing is loaded into the kernel: opening a .ko is what the gate judges (insmod/modprobe open it).
head -c 4096 /dev/urandom >mod.bin
openssl cms -sign -binary -noattr -nocerts -nosmimecap -in mod.bin -signer "$P/carol.pem" \
  -inkey "$P/carol.key" -outform DER -md sha256 -out mod.p7
/usr/bin/python3 - "$MNT" <<'PY'
import struct, sys
content, p7 = open("mod.bin", "rb").read(), open("mod.p7", "rb").read()
tail = p7 + struct.pack(">BBBBB3xI", 0, 0, 2, 0, 0, len(p7)) + b"~Module signature appended~\n"
open(sys.argv[1] + "/signed.ko", "wb").write(content + tail)
altered = bytearray(content)
altered[100] ^= 1
open(sys.argv[1] + "/altered.ko", "wb").write(bytes(altered) + tail)
open(sys.argv[1] + "/unsigned.ko", "wb").write(content)
PY
# Project files: /usr/bin/head stands in for the engineering tool that opens them.
mkdir -p "$MNT/projects/line3"
printf 'PROJECT line3 rev 7\n' >"$MNT/projects/line3/plant.ap18"
printf 'PROJECT line3 unsigned\n' >"$MNT/projects/line3/unsigned.ap18"

cat >policy.toml <<POL
mode = "enforce"

[trust_store.plant]
anchors = ["$P/root.pem"]

[publisher.ot-engineering]
store = "plant"
subject = "O=Example Plant, OU=OT Engineering, CN=*"

[trust_store.modules]
anchors = ["$P/carol.pem"]
allow_partial_chain = true

[publisher.module-signer]
store = "modules"
subject = "CN=Carol"

[[rule]]
id = "bundles"
class = "trust-bundle"
publishers = ["ot-engineering"]

[[rule]]
id = "kernel-modules"
class = "kernel-module"
publishers = ["module-signer"]

[[rule]]
id = "plant-code"
class = "*"
publishers = ["ot-engineering"]

[gate]
interpreters = ["/usr/bin/python3", "/bin/sh"]

[[guard]]
path = "$MNT/projects"
class = "project-file"
tools = ["/usr/bin/head"]

[telemetry]
flush_timeout_ms = 5000

[[telemetry.sink]]
type = "file"
path = "events.jsonl"
POL

expect_exit 0 "trust build: a bundle of the trusted files" -- \
  "$SIGNET" trust build "$MNT/hello" "$MNT/tool" "$MNT/plugin-host" "$MNT/libgood.so" \
  "$MNT/trusted.sh" "$MNT/trusted.py" --key "$KEY_ALICE" --cert "$P/alice.pem" \
  --chain "$P/chain.pem" --description "line 3 HMI" -o bundle.sig
"$SIGNET" inspect bundle.sig >inspect.out 2>&1 || true
grep -q "trust-bundle" inspect.out && pass "the bundle is a native signature of class trust-bundle" ||
  failed "inspect bundle.sig: $(cat inspect.out)"
expect_exit 2 "trust build: a class a bundle cannot allow" -- \
  "$SIGNET" trust build "$MNT/hello" --class firmware --key "$KEY_ALICE" --cert "$P/alice.pem" \
  -o wrong.sig
expect_exit 0 "sign the project file (class project-file)" -- \
  "$SIGNET" sign "$MNT/projects/line3/plant.ap18" --class project-file --key "$KEY_ALICE" \
  --cert "$P/alice.pem" --chain "$P/chain.pem" -o "$MNT/projects/line3/plant.ap18.sig"
# A bundle by a signer the policy does not accept: listed as not accepted, never used.
expect_exit 0 "trust build: a bundle signed by a stranger" -- \
  "$SIGNET" trust build "$MNT/untrusted" --key "file:$P/stranger.key" --cert "$P/stranger.pem" \
  -o stranger.sig

# run NAME EXPECTED_EXIT CMD... -> output in $W/NAME.out
run() {
  local name=$1 want=$2
  shift 2
  local got=0
  "$@" >"$W/$name.out" 2>&1 || got=$?
  if [[ $got == "$want" ]]; then pass "$name (exit $got)"; else
    failed "$name: exit $got, expected $want"; sed 's/^/     | /' "$W/$name.out"; fi
}
refused() {  # NAME CMD...: exit status not 0 and "Operation not permitted" in the output
  local name=$1
  shift
  local got=0
  "$@" >"$W/$name.out" 2>&1 || got=$?
  if [[ $got != 0 ]] && grep -q "Operation not permitted" "$W/$name.out"; then
    pass "$name: refused with EPERM (exit $got)"
  else
    failed "$name: exit $got, not refused with EPERM"; sed 's/^/     | /' "$W/$name.out"
  fi
}
events() { /usr/bin/python3 -c "
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get('signet', {}).get('point') in ('exec-gate', 'project-watch'):
        print(json.dumps(e))" "$W/events.jsonl" 2>/dev/null; }
wait_events() {  # COUNT: until at least COUNT gate events are in events.jsonl (10 s)
  local i
  for i in $(seq 100); do
    [[ $(events | wc -l) -ge $1 ]] && return 0
    sleep 0.1
  done
  return 1
}
status_json() { "$SIGNET" gate status --status-file "$GATE_STATUS" --json >"$W/status.json"; }

# ---- Enforce mode -----------------------------------------------------------------------------
exec_gate_start "$W/gate.log" --policy policy.toml --trust bundle.sig --trust stranger.sig \
  --mode enforce || { failed "gate did not start"; finish; exit 1; }
pass "gate ready on $MNT (pid $GATE_PID)"
grep -q "stranger.sig: NOT accepted" gate.log && pass "a stranger's bundle is not accepted" ||
  failed "stranger bundle: $(cat gate.log)"

run "trusted binary runs" 0 "$MNT/hello"
grep -q "hello from" "$W/trusted binary runs.out" || failed "hello printed nothing"
run "trusted binary runs again (cached)" 0 "$MNT/hello"
run "the same content under another name runs (trust is content, not path)" 0 \
  "$MNT/elsewhere/renamed-hello"
refused "untrusted binary" "$MNT/untrusted"
run "trusted tool runs once" 0 "$MNT/tool"
printf 'appended by an attacker' >>"$MNT/tool"
refused "trusted tool altered in place" "$MNT/tool"
refused "python3 untrusted.py" /usr/bin/python3 "$MNT/untrusted.py"
refused "sh untrusted.sh" sh "$MNT/untrusted.sh"
run "python3 trusted.py" 0 /usr/bin/python3 "$MNT/trusted.py"
run "sh trusted.sh" 0 sh "$MNT/trusted.sh"
grep -q "trusted shell script" "$W/sh trusted.sh.out" || failed "trusted.sh printed nothing"
run "cat reads an untrusted file (not judged)" 0 cat "$MNT/untrusted.py"
run "a trusted binary loads a trusted .so" 0 "$MNT/plugin-host" "$MNT/libgood.so"
grep -q "greet() = 42" "$W/a trusted binary loads a trusted .so.out" ||
  failed "libgood.so: $(cat "$W/a trusted binary loads a trusted .so.out")"
out=$("$MNT/plugin-host" "$MNT/libevil.so" 2>&1) && st=0 || st=$?
if [[ $st == 1 && $out == *"dlopen failed"*"Operation not permitted"* ]]; then
  pass "an untrusted .so fails to load into a trusted binary: $out"
else failed "libevil.so: exit $st: $out"; fi

# ---- Kernel modules: an embedded signature that policy accepts -------------------------------
run "a module with a valid appended signature opens" 0 cat "$MNT/signed.ko"
refused "a module altered after signing" cat "$MNT/altered.ko"
refused "an unsigned module" cat "$MNT/unsigned.ko"

# ---- Project-file guard -----------------------------------------------------------------------
run "the tool opens a signed project file" 0 head -1 "$MNT/projects/line3/plant.ap18"
refused "the tool opens an unsigned project file" head -1 "$MNT/projects/line3/unsigned.ap18"
run "another program opens the unsigned project file (not a listed tool)" 0 \
  cat "$MNT/projects/line3/unsigned.ap18"
printf 'infected rung\n' >>"$MNT/projects/line3/plant.ap18"
refused "the tool opens the tampered project file" head -1 "$MNT/projects/line3/plant.ap18"

# Each denial is an event with its technique: binary, altered tool, py, sh, .so, two modules, two
# project files, and the alert for the write that broke the project file's signature.
wait_events 10 || true
events >gate-events.jsonl
deny_with() {  # FILE_SUFFIX TECHNIQUE REASON
  /usr/bin/python3 - "$W/gate-events.jsonl" "$@" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
suffix, technique, reason = sys.argv[2:5]
for e in events:
    s = e.get("signet", {})
    if s.get("decision") == "deny" and e["file"]["path"].endswith(suffix) \
            and technique in e["threat"]["technique"]["id"] \
            and reason in [r["code"] for r in s.get("reasons", [])] and s.get("enforced"):
        print("yes")
        break
PY
}
check_event() {
  [[ $(deny_with "$@") == yes ]] && pass "event: deny of *$1 names $2 ($3)" ||
    failed "no deny event for *$1 with $2/$3"
}
check_event /untrusted T0849 UNSIGNED
check_event /untrusted T0863 UNSIGNED
check_event /tool T0849 UNSIGNED
check_event /untrusted.py T0863 UNSIGNED
check_event /untrusted.sh T0863 UNSIGNED
check_event /libevil.so T0851 UNSIGNED
check_event /altered.ko T0851 BAD_SIGNATURE
check_event /unsigned.ko T0851 UNSIGNED
check_event /unsigned.ap18 T0873 UNSIGNED
check_event /plant.ap18 T0873.001 DIGEST_MISMATCH
/usr/bin/python3 - "$W/gate-events.jsonl" <<'PY' && pass "a write that breaks a project file's signature is an alert naming T0873" || failed "no T0873 modify alert: $(grep -c . "$W/gate-events.jsonl") events"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
ok = any(e["event"]["action"] == "modify" and e["event"]["kind"] == "alert"
         and "T0873" in e["threat"]["technique"]["id"] and e["file"]["path"].endswith("plant.ap18")
         for e in events)
sys.exit(0 if ok else 1)
PY
grep -q "DENY exec $MNT/untrusted" gate.log && pass "gate log: DENY exec line" ||
  failed "gate log: $(cat gate.log)"

# ---- Reload: a bad policy keeps the old one; a good one brings a new bundle -------------------
cp policy.toml policy.good
printf '\n[gate]\nbogus = 1\n' >>policy.toml
kill -HUP "$GATE_PID"
for _ in $(seq 50); do status_json; [[ $(json_get status.json "d['reload'] and d['reload']['ok']") == False ]] && break; sleep 0.1; done
[[ $(json_get status.json "d['reload']['ok']") == False && $(json_get status.json "d['generation']") == 1 ]] &&
  pass "SIGHUP with a bad policy: reported, old policy in force" || failed "reload: $(cat status.json)"
refused "still enforcing after a failed reload" "$MNT/untrusted"
expect_exit 0 "trust build: a second bundle for the formerly untrusted binary" -- \
  "$SIGNET" trust build "$MNT/untrusted" --class executable --key "$KEY_ALICE" \
  --cert "$P/alice.pem" --chain "$P/chain.pem" -o bundle2.sig
sed 's|^interpreters = .*|&\ntrust_bundles = ["bundle2.sig"]|' policy.good >policy.toml
kill -HUP "$GATE_PID"
for _ in $(seq 50); do status_json; [[ $(json_get status.json "d['generation']") == 2 ]] && break; sleep 0.1; done
[[ $(json_get status.json "d['reload']['ok']") == True && $(json_get status.json "d['generation']") == 2 ]] &&
  pass "SIGHUP with a good policy: generation 2" || failed "reload: $(cat status.json)"
run "the binary listed in the reloaded bundle runs" 0 "$MNT/untrusted"
cp policy.good policy.toml

# ---- Status: every permission event answered --------------------------------------------------
sleep 1.2
expect_exit 0 "signet gate status (running)" -- "$SIGNET" gate status --status-file "$GATE_STATUS"
grep -q "permission events" "$W/last.out" && pass "status prints the counters" || failed "status output"
status_json
[[ $(json_get status.json "d['answered'] == d['permission_events'] and d['permission_events'] > 0") == True ]] &&
  pass "status: answered == permission events ($(json_get status.json "d['answered']"))" ||
  failed "status counters: $(cat status.json)"
[[ $(json_get status.json "d['denied'] >= 9 and d['reasons'].get('UNSIGNED', 0) >= 8 and d['cache_hits'] >= 1 and d['guard_alerts'] == 1") == True ]] &&
  pass "status: denials, UNSIGNED count, cache hits, one guard alert" || failed "status counters: $(cat status.json)"
[[ $(json_get status.json "d['queue_depth'] == 0 and d['in_flight'] == 0 and d['errors'] == 0") == True ]] &&
  pass "status: queue empty, no errors" || failed "status: $(cat status.json)"
fds_before=$(ls "/proc/$GATE_PID/fd" | wc -l)
for _ in $(seq 50); do "$MNT/hello" >/dev/null; "$MNT/untrusted.sh" >/dev/null 2>&1 || true; done
fds_after=$(ls "/proc/$GATE_PID/fd" | wc -l)
[[ $fds_after -le $fds_before ]] && pass "no descriptor leaked ($fds_before -> $fds_after)" ||
  failed "descriptors $fds_before -> $fds_after"

expect_exit 0 "gate stops on SIGTERM with status 0" -- exec_gate_stop
[[ ! -e $GATE_READY ]] && pass "ready file removed on exit" || failed "ready file left behind"
expect_exit 1 "signet gate status (stopped): exit 1" -- "$SIGNET" gate status --status-file "$GATE_STATUS"
run "without the gate everything runs again" 0 "$MNT/untrusted.sh"

# ---- Audit mode: everything runs, each would-deny is logged -----------------------------------
: >events.jsonl
printf 'appended' >>"$MNT/tool"  # still altered
exec_gate_start "$W/gate-audit.log" --policy policy.toml --trust bundle.sig --mode audit ||
  { failed "audit gate did not start"; finish; exit 1; }
run "audit: untrusted binary runs" 0 "$MNT/untrusted"
run "audit: altered tool runs" 0 "$MNT/tool"
run "audit: python3 untrusted.py runs" 0 /usr/bin/python3 "$MNT/untrusted.py"
run "audit: sh untrusted.sh runs" 0 sh "$MNT/untrusted.sh"
run "audit: the untrusted .so loads" 0 "$MNT/plugin-host" "$MNT/libevil.so"
for f in untrusted tool untrusted.py untrusted.sh libevil.so; do
  grep -q "WOULD-DENY .*$MNT/$f " gate-audit.log && pass "audit: would-deny logged for $f" ||
    failed "audit: no would-deny for $f: $(cat gate-audit.log)"
done
wait_events 5 || true
n=$(events | /usr/bin/python3 -c "
import json, sys
print(sum(1 for l in sys.stdin if (e := json.loads(l))['signet']['decision'] == 'deny'
          and not e['signet']['enforced'] and e['threat']['technique']['id']))")
[[ $n -ge 5 ]] && pass "audit: $n would-deny events with technique ids, not enforced" ||
  failed "audit events: $n"
expect_exit 0 "audit gate stops" -- exec_gate_stop

# ---- signetd is the same program ---------------------------------------------------------------
SIGNETD=$(dirname "$SIGNET")/signetd
expect_exit 2 "signetd without --policy is a usage error" -- "$SIGNETD" --watch "$MNT"
grep -q -- "--policy" "$W/last.out" && pass "signetd speaks the gate exec options" ||
  failed "signetd: $(cat "$W/last.out")"

finish
