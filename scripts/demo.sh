#!/usr/bin/env bash
# `make demo`: a demo site — a PKI with signing keys inside a SoftHSM2 token, a stand-in controller
# behind the download gate, an HMI installer checked with signet verify, a gated tmpfs where the exec
# gate lets only trusted HMI binaries run, a guarded project folder, a local SOC receiver —
# first walked through by hand (sign, verify, OpenSSL interop, a tampered program denied, downloads
# inside and outside their window), then proven by `signet validate`: every adversarial case at
# every gated point blocked, logged and escalated, the valid control allowed, and one deliberately
# weak point (a plain copy to the controller, no gate) failing. The report lands in
# demo-out/report/; everything else in demo-out/.
set -euo pipefail
SIGNET=$(realpath "${1:-build/signet}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/demo-out
mkdir -p "$OUT"
cd "$OUT"
# A gated tmpfs left mounted by an interrupted run goes first.
if mountpoint -q site/gated 2>/dev/null; then umount site/gated || umount -l site/gated; fi
rm -rf pki site report

# The SOC receiver `signet validate` starts in step 11 listens here.
SOC_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "1. A demo PKI: root and code-signing CA, signer keys generated inside a SoftHSM2 token"
bash "$ROOT/tests/support/make_test_pki.sh" "$OUT/pki" >/dev/null
# shellcheck disable=SC1091
source "$OUT/pki/env.sh"
P=$OUT/pki
pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label signet-test --login \
  --pin "$SIGNET_PKCS11_PIN" --list-objects --type privkey 2>/dev/null | grep -E 'label' |
  sed 's/^ */   private key in the token, /' || true
echo "   signer certificates: $(openssl x509 -in "$P/alice.pem" -noout -subject)"
echo "                        $(openssl x509 -in "$P/bob.pem" -noout -subject)"

say "2. The site: a firmware image for PLC 1 on line 3 and its PLC program"
mkdir -p site
cd site
head -c 2000000 /dev/urandom >plc5000-fw-2.4.1.bin
cat >line3-plc1.st <<'ST'
PROGRAM Line3Filler
VAR fill_valve : BOOL; level : REAL; END_VAR
IF level < 80.0 THEN fill_valve := TRUE; ELSE fill_valve := FALSE; END_IF;
END_PROGRAM
ST
cat >policy.toml <<POL
# Demo trust policy: firmware and PLC programs for line 3 must come from OT Engineering signers of
# the plant PKI; firmware also needs a trusted timestamp.
mode = "enforce"

[trust_store.plant]
anchors = ["$P/root.pem"]
crls    = ["$P/inter.crl", "$P/root.crl"]

[publisher.ot-engineering]
store   = "plant"
subject = "O=Example Plant, OU=OT Engineering, CN=*"
eku     = ["codeSigning"]

[[rule]]
id = "line3-firmware"
class = "firmware"
target = "acme/plc-5000/line3/*"
publishers = ["ot-engineering"]
require_timestamp = true

[[rule]]
id = "line3-plc-programs"
class = "plc-program"
target = "acme/plc-5000/line3/*"
publishers = ["ot-engineering"]

[[rule]]
id = "hmi-installers"
class = "installer"
target = "hmi/line3/*"
publishers = ["ot-engineering"]

# Every decision goes to a local file (and, from step 11 on, to the SOC).
[telemetry]
host_name = "eng-ws-01"

[[telemetry.sink]]
type = "file"
path = "events.jsonl"
POL
ls -l plc5000-fw-2.4.1.bin line3-plc1.st | sed 's/^/   /'

say "3. Sign them with the token keys (the private keys never leave the token)"
run "$SIGNET" sign plc5000-fw-2.4.1.bin --key "$KEY_ALICE" --cert "$P/alice.pem" --chain "$P/chain.pem" \
  --class firmware --target acme/plc-5000/line3/plc1 --version 2.4.1 --counter 12 \
  --ticket CHG-2026-0415 --description "PLC-5000 firmware 2.4.1" \
  --tsa-key "$KEY_TSA" --tsa-cert "$P/tsa.pem" --tsa-chain "$P/chain.pem" -o plc5000-fw-2.4.1.bin.sig
run "$SIGNET" sign line3-plc1.st --key "$KEY_ALICE" --cert "$P/alice.pem" --chain "$P/chain.pem" \
  --class plc-program --target acme/plc-5000/line3/plc1 --version 17 --counter 17 --ticket CHG-2026-0415 \
  -o line3-plc1.st.sig
run "$SIGNET" sign --cosign line3-plc1.st.sig --key "$KEY_BOB" --cert "$P/bob.pem" --chain "$P/chain.pem" \
  -o line3-plc1.st.sig
run "$SIGNET" inspect plc5000-fw-2.4.1.bin.sig

say "4. Verify against the policy"
run "$SIGNET" verify plc5000-fw-2.4.1.bin --policy policy.toml
run "$SIGNET" verify line3-plc1.st --policy policy.toml

say "5. Stock OpenSSL agrees, and prints the signed Statement"
run openssl cms -verify -inform DER -in plc5000-fw-2.4.1.bin.sig -CAfile "$P/root.pem" -purpose any \
  -out statement.json
/usr/bin/python3 -m json.tool statement.json | sed 's/^/   /'
echo "   sha256sum: $(sha256sum plc5000-fw-2.4.1.bin | cut -d' ' -f1)"

say "6. Someone alters one line of the PLC program: the download station denies it"
sed -i 's/80.0/95.0/' line3-plc1.st
status=0
run "$SIGNET" verify line3-plc1.st --policy policy.toml || status=$?
echo "   exit status $status (1 = denied)"
echo "\$ signet verify line3-plc1.st --policy policy.toml --json"
"$SIGNET" verify line3-plc1.st --policy policy.toml --json >denied.json || true
/usr/bin/python3 - denied.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"   decision={d['decision']} enforced={d['enforced']} reasons=" +
      ", ".join(r['code'] for r in d['reasons']))
PY
if [[ $status != 1 ]]; then
  echo "demo: the tampered program was not denied" >&2
  exit 1
fi

say "7. The download gate: a two-person-signed program, with its ticket, inside its window"
# A stand-in for the vendor's download tool: it says what it received and keeps a log.
cat >controller.sh <<'SH'
#!/bin/sh
# Stand-in for the vendor's download tool: the controller keeps what it receives.
inbox=$(dirname "$0")/controller-inbox
mkdir -p "$inbox"
cp "$1" "$inbox/$(sha256sum "$1" | cut -c1-16)-$(basename "$1")"
[ -n "${QUIET_CONTROLLER:-}" ] || echo "   [controller] received $1 (sha256 $(sha256sum "$1" | cut -c1-16)...)"
echo "$(date -u +%FT%TZ) $1" >>"$(dirname "$0")/controller.log"
SH
chmod +x controller.sh
# Windows computed now: a one-off change window open from an hour ago for three hours, and a
# weekly window (02:00-04:00 Berlin time, two days from now) that is closed at this moment.
open_from=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
open_to=$(date -u -d '+3 hours' +%Y-%m-%dT%H:%M:%SZ)
closed_day=$(date -u -d '+2 days' +%a | tr '[:upper:]' '[:lower:]')
cat >gate-policy.toml <<POL
# The download station's policy: PLC programs need two signers and their ticket, inside their
# window, and never an older security counter; firmware needs a timestamp and no rollback.
mode     = "enforce"
state_db = "state.db"                  # rollback state and change records (SQLite)

[trust_store.plant]
anchors = ["$P/root.pem"]
crls    = ["$P/inter.crl", "$P/root.crl"]

[publisher.ot-engineering]
store   = "plant"
subject = "O=Example Plant, OU=OT Engineering, CN=*"

[window.chg-2026-0416]                 # open now
start = "$open_from"
end   = "$open_to"

[window.weekly-maint]                  # closed now
days = ["$closed_day"]
from = "02:00"
to   = "04:00"
tz   = "Europe/Berlin"

[[rule]]
id             = "line3-plc1"
class          = "plc-program"
target         = "acme/plc-5000/line3/plc1"
publishers     = ["ot-engineering"]
min_signers    = 2
require_ticket = true
windows        = ["chg-2026-0416"]
rollback       = "counter"

[[rule]]
id             = "line3-plc2"
class          = "plc-program"
target         = "acme/plc-5000/line3/plc2"
publishers     = ["ot-engineering"]
min_signers    = 2
require_ticket = true
windows        = ["weekly-maint"]
rollback       = "counter"

[[rule]]
id                = "line3-firmware"
class             = "firmware"
target            = "acme/plc-5000/line3/*"
publishers        = ["ot-engineering"]
rollback          = "counter"
require_timestamp = true
windows           = ["chg-2026-0416"]

[telemetry]
host_name = "download-station-01"

[[telemetry.sink]]
type = "file"
path = "gate-events.jsonl"
POL
sed -n '/^\[window/,/^tz/p' gate-policy.toml | sed 's/^/   /'
for plc in plc1 plc2; do
  sed "s/Line3Filler/Line3Filler_$plc/" line3-plc1.st >"line3-$plc-v18.st"
  "$SIGNET" sign "line3-$plc-v18.st" --key "$KEY_ALICE" --cert "$P/alice.pem" --chain "$P/chain.pem" \
    --class plc-program --target "acme/plc-5000/line3/$plc" --version 18.0.0 --counter 18 \
    --ticket CHG-2026-0416 -o "line3-$plc-v18.st.sig" 2>/dev/null
  "$SIGNET" sign --cosign "line3-$plc-v18.st.sig" --key "$KEY_BOB" --cert "$P/bob.pem" \
    --chain "$P/chain.pem" -o "line3-$plc-v18.st.sig" 2>/dev/null
done
echo "   signed line3-plc1-v18.st and line3-plc2-v18.st: Alice, cosigned by Bob, ticket CHG-2026-0416"
run "$SIGNET" gate download --target acme/plc-5000/line3/plc1 --class plc-program \
  --ticket CHG-2026-0416 --operation download-all --policy gate-policy.toml line3-plc1-v18.st \
  -- ./controller.sh line3-plc1-v18.st

say "8. The same kind of change for PLC 2, whose window is closed now: denied, never downloaded"
status=0
run "$SIGNET" gate download --target acme/plc-5000/line3/plc2 --class plc-program \
  --ticket CHG-2026-0416 --operation download-all --policy gate-policy.toml line3-plc2-v18.st \
  -- ./controller.sh line3-plc2-v18.st || status=$?
echo "   exit status $status (1 = denied; the controller was not run)"
if [[ $status != 1 ]] || grep -q plc2 controller.log; then
  echo "demo: the download outside its window was not denied" >&2
  exit 1
fi

say "9. Firmware through the same gate: timestamped, security counter 12, no rollback"
run "$SIGNET" gate download --target acme/plc-5000/line3/plc1 --class firmware --scope system \
  --policy gate-policy.toml plc5000-fw-2.4.1.bin -- ./controller.sh plc5000-fw-2.4.1.bin

say "10. The controller change records (SQLite, site/state.db)"
run "$SIGNET" changes --policy gate-policy.toml

say "11. Prove it: signet validate against every point of the site"
# The points now also report to the SOC: a syslog receiver that signet validate itself starts on
# loopback for the run.
for policy in policy.toml gate-policy.toml; do
  printf '\n[[telemetry.sink]]\ntype = "syslog"\ntransport = "tcp"\naddress = "127.0.0.1:%s"\n' \
    "$SOC_PORT" >>"$policy"
done
# The plan: the points, the identities that sign the test items (the token keys for items that must
# look trusted; test-only file keys for the adversarial ones), the SOC receiver validate starts,
# and the gap register. Test items are made fresh on every run.
cat >validate-plan.toml <<PLAN
title = "Example Plant line 3 — code signing coverage (M0945)"

[soc]                                # validate's own RFC 5424 receiver, loopback only
listen    = "127.0.0.1:$SOC_PORT"
settle_ms = 3000

[identity.alice]
key   = "$KEY_ALICE"
cert  = "$P/alice.pem"
chain = ["$P/chain.pem"]

[identity.bob]
key   = "$KEY_BOB"
cert  = "$P/bob.pem"
chain = ["$P/chain.pem"]

[identity.tsa]
key   = "$KEY_TSA"
cert  = "$P/tsa.pem"
chain = ["$P/chain.pem"]

[identity.stranger]                  # chains to a root the plant does not trust
key  = "file:$P/stranger.key"
cert = "$P/stranger.pem"

[identity.mail-only]                 # plant PKI, emailProtection only
key   = "file:$P/email.key"
cert  = "$P/email.pem"
chain = ["$P/chain.pem"]

[identity.expired]
key   = "file:$P/expired.key"
cert  = "$P/expired.pem"
chain = ["$P/chain.pem"]

[identity.revoked]
key   = "file:$P/revoked.key"
cert  = "$P/revoked.pem"
chain = ["$P/chain.pem"]

[identity.small-key]                 # RSA-1024
key   = "file:$P/rsa1024.key"
cert  = "$P/rsa1024.pem"
chain = ["$P/chain.pem"]

[negative]
untrusted = "stranger"
wrong_eku = "mail-only"
expired   = "expired"
revoked   = "revoked"
weak      = "small-key"

[[point]]                            # PLC programs through the download gate
name           = "line3-plc1-download"
kind           = "download"
policy         = "gate-policy.toml"
class          = "plc-program"
target         = "acme/plc-5000/line3/plc1"
operation      = "download-all"
publisher      = "alice"
cosigner       = "bob"
ticket         = "CHG-2026-0416"
counter        = 18
change_control = ["two-person", "ticket", "window", "rollback"]
command        = ["./controller.sh", "{artifact}"]

[[point]]                            # firmware through the same gate
name           = "line3-plc1-firmware"
kind           = "download"
policy         = "gate-policy.toml"
class          = "firmware"
target         = "acme/plc-5000/line3/plc1"
scope          = "system"
publisher      = "alice"
tsa            = "tsa"
counter        = 12
change_control = ["window", "rollback"]
command        = ["./controller.sh", "{artifact}"]

[[point]]                            # the HMI update script checks installers with signet verify
name      = "hmi-installer-verify"
kind      = "verify"
policy    = "policy.toml"
class     = "installer"
target    = "hmi/line3/hmi-01"
publisher = "alice"

[[point]]                            # deliberately weak: a plain copy to the controller, no gate
name      = "usb-copy"
kind      = "command"
class     = "plc-program"
target    = "acme/plc-5000/line3/plc1"
publisher = "alice"
command   = ["cp", "{artifact}", "controller-inbox/"]

[[gap]]
asset           = "Line 2 S7-300 controllers"
workflow        = "program download from the vendor's engineering laptop"
reason          = "the controllers check no signatures and the laptop cannot run the gate"
lacks           = ["signature-enforcement", "logging"]
change_approval = "CAB approval and two-person sign-off on every change ticket"
monitoring      = "NDR alerts on S7comm download and stop functions outside maintenance windows"
access_control  = "laptop in a locked cabinet; engineering VLAN reachable only from the jump host"

[[gap]]
asset           = "Historian vendor update tool"
reason          = "verifies the vendor's signature but writes no log"
lacks           = ["logging"]
monitoring      = "signet verify of every update package before the tool runs, events to the SOC"
PLAN
# The HMI: a private tmpfs the exec gate guards (binaries run only when a trust bundle lists them),
# with a project folder whose files the engineering tool (head(1) stands in for it) may open only
# when they carry a valid signature. signet validate starts and stops the gate for each point.
if [[ $(id -u) == 0 ]]; then
  mkdir -p gated
  mount -t tmpfs -o size=32m,mode=0755 signet-demo-hmi "$OUT/site/gated"
  trap 'umount "$OUT/site/gated" 2>/dev/null || umount -l "$OUT/site/gated" 2>/dev/null || true' EXIT
  mkdir -p gated/hmi gated/projects
  cat >hmi-policy.toml <<POL
# The HMI's policy: code runs when a trust bundle signed by OT Engineering lists it; project files
# open in the engineering tool only with a valid signature.
mode = "enforce"

[trust_store.plant]
anchors = ["$P/root.pem"]
crls    = ["$P/inter.crl", "$P/root.crl"]

[publisher.ot-engineering]
store   = "plant"
subject = "O=Example Plant, OU=OT Engineering, CN=*"

[[rule]]
id         = "trust-bundles"
class      = "trust-bundle"
publishers = ["ot-engineering"]

[[rule]]
id         = "hmi-code-and-projects"
class      = "*"
publishers = ["ot-engineering"]

[gate]
interpreters = ["/bin/sh", "/usr/bin/python3"]

[[guard]]
path  = "$OUT/site/gated/projects"
class = "project-file"
tools = ["/usr/bin/head"]

[telemetry]
host_name = "hmi-01"

[[telemetry.sink]]
type = "file"
path = "hmi-events.jsonl"

[[telemetry.sink]]
type = "syslog"
transport = "tcp"
address = "127.0.0.1:$SOC_PORT"
POL
  cat >>validate-plan.toml <<PLAN

[[point]]                            # binaries on the HMI's gated tmpfs
name      = "hmi-exec"
kind      = "exec"
policy    = "hmi-policy.toml"
class     = "executable"
watch     = "gated/hmi"
publisher = "alice"

[[point]]                            # the guarded project folder
name      = "hmi-project-guard"
kind      = "guard"
policy    = "hmi-policy.toml"
class     = "project-file"
watch     = "gated/projects"
publisher = "alice"
command   = ["/usr/bin/head", "-1", "{artifact}"]
PLAN
  echo "   a tmpfs at site/gated: the exec gate guards gated/hmi and the project folder gated/projects"
else
  echo "   (not root: no gated tmpfs, so the exec gate and project-guard points are left out)"
fi
mkdir -p controller-inbox
status=0
QUIET_CONTROLLER=1 "$SIGNET" validate --plan validate-plan.toml --out "$OUT/report" || status=$?
/usr/bin/python3 - "$OUT/report/report.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
for p in d["points"]:
    cells = p["cases"]
    if p["name"] == "usb-copy":
        want = lambda c: c["verdict"] == ("pass" if c["case"] == "control" else "fail")
    else:
        want = lambda c: c["verdict"] == "pass"
    bad += [f'{p["name"]}/{c["case"]}: {c["verdict"]}' for c in cells if not want(c)]
    print(f'   {p["name"]:22} {sum(c["verdict"] == "pass" for c in cells):2}/{len(cells)} pass')
if bad:
    print("demo: unexpected verdicts: " + ", ".join(bad), file=sys.stderr)
    sys.exit(1)
print("   every gated point: every case blocked, logged and escalated, the control allowed;")
print("   the plain copy lets every bad item through, unlogged: that is what the report shows.")
PY
echo "   signet validate exited $status (1: not everything passed, because of the weak point)"
say "Done. The validation report: $OUT/report/report.html"
echo "   (also report.json and junit.xml there; the site in $OUT/site, the PKI in $OUT/pki)"
