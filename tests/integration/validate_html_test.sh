#!/usr/bin/env bash
# report.html of `signet validate` rendered by a real browser: headless Chromium (Debian package
# `chromium`, installed by scripts/install-deps.sh, or here when missing and we are root) loads the
# file, takes a screenshot and dumps the DOM. The test checks that the loaded page has the matrix
# with as many pass / fail / partial cells as report.json says, and that the screenshot shows the
# matrix's colours. Skips (exit 77) only where Chromium cannot be installed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/validate_lib.sh"

CHROMIUM=$(command -v chromium || true)
if [[ -z $CHROMIUM && $(id -u) == 0 ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
    >"$W/apt.log" 2>&1 || true
  CHROMIUM=$(command -v chromium || true)
fi
if [[ -z $CHROMIUM ]]; then
  echo "SKIP: headless Chromium is not installed and cannot be installed here (Debian package" \
    "chromium; scripts/install-deps.sh installs it)"
  exit 77
fi

T=acme/plc-5000/line3/plc1
PORT=$(free_port)
policy() {  # FILE SYSLOG(yes|no)
  cat >"$1" <<POL
[trust_store.plant]
anchors = ["$P/root.pem"]
crls    = ["$P/inter.crl", "$P/root.crl"]

[publisher.ot-engineering]
store   = "plant"
subject = "O=Example Plant, OU=OT Engineering, CN=*"

[[rule]]
id         = "line3-firmware"
class      = "firmware"
target     = "acme/*/line3/*"
publishers = ["ot-engineering"]

[[telemetry.sink]]
type = "file"
path = "$(basename "$1" .toml).jsonl"
POL
  [[ $2 == yes ]] && printf '\n[[telemetry.sink]]\ntype = "syslog"\ntransport = "udp"\naddress = "127.0.0.1:%s"\n' "$PORT" >>"$1"
  return 0
}
policy soc.toml yes
policy local-only.toml no   # logs to a file only: blocked and logged, never escalated (partial)
{
  echo 'title = "HTML rendering test"'
  validate_identities "$PORT" 1500 alice revoked
  cat <<PLAN
[[point]]
name      = "verify-soc"
kind      = "verify"
policy    = "soc.toml"
class     = "firmware"
target    = "$T"
publisher = "alice"
cases     = ["control", "unsigned", "tampered", "revoked"]

[[point]]
name      = "verify-local"
kind      = "verify"
policy    = "local-only.toml"
class     = "firmware"
target    = "$T"
publisher = "alice"
cases     = ["control", "unsigned", "tampered"]

[[point]]
name      = "plain-copy"
kind      = "command"
class     = "firmware"
target    = "$T"
publisher = "alice"
command   = ["cp", "{artifact}", "/dev/null"]
cases     = ["control", "unsigned", "masquerading"]

[[gap]]
asset          = "legacy <HMI> & co"
reason         = "no signature checks"
lacks          = ["signature-enforcement"]
access_control = "kiosk mode"
PLAN
} >plan.toml
expect_exit 1 "validate runs (not everything passes, on purpose)" -- "$SIGNET" validate --plan plan.toml --out out
R=out/report.json
count() { json_get "$R" "sum(1 for p in d['points'] for c in p['cases'] if c['verdict']=='$1')"; }
[[ $(count pass) -gt 0 && $(count fail) -gt 0 && $(count partial) -gt 0 ]] &&
  pass "report has pass ($(count pass)), fail ($(count fail)) and partial ($(count partial)) cells" ||
  failed "verdicts: $(json_get "$R" "d['summary']")"

URL="file://$W/out/report.html"
chrome() {
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --user-data-dir="$W/chromium-profile" "$@" 2>>"$W/chromium.log"
}
chrome --window-size=1400,1600 --screenshot="$W/report.png" "$URL" >/dev/null
[[ -s $W/report.png ]] && pass "Chromium took a screenshot ($(stat -c %s "$W/report.png") bytes)" ||
  { failed "no screenshot"; tail -20 "$W/chromium.log"; }
chrome --dump-dom "$URL" >"$W/dom.html"
/usr/bin/python3 - "$W/dom.html" "$R" <<'PY' && pass "the loaded page has the matrix, cell for cell as report.json" || failed "DOM: $(head -c 300 "$W/dom.html")"
import json, re, sys
dom = open(sys.argv[1]).read()
d = json.load(open(sys.argv[2]))
assert '<table id="matrix">' in dom, "no matrix"
matrix = dom[dom.index('<table id="matrix">'):]
matrix = matrix[:matrix.index('</table>')]
for verdict in ("pass", "fail", "partial"):
    want = sum(1 for p in d["points"] for c in p["cases"] if c["verdict"] == verdict)
    got = len(re.findall(r'data-verdict="%s"' % verdict, matrix))
    assert got == want, (verdict, got, want)
rows = re.findall(r"<tr>", matrix)
assert len(rows) == len(d["points"]) + 1, len(rows)
assert "legacy &lt;HMI&gt; &amp; co" in dom  # escaped, not interpreted
assert 'id="compliance"' in dom and 'id="techniques"' in dom
PY
# The screenshot shows the matrix: pixels of the pass, fail and partial cell colours.
/usr/bin/python3 - "$W/report.png" <<'PY' && pass "screenshot shows green, red and amber cells" || failed "colours not in the screenshot"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, width = 8, b"", 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
colours = set()
i = 0
for y in range(height):
    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    for x in range(0, stride, bpp):
        colours.add(bytes(line[x:x + 3]))
want = {"pass": bytes((0xc8, 0xe6, 0xc9)), "fail": bytes((0xff, 0xcd, 0xd2)), "partial": bytes((0xff, 0xe0, 0xb2))}
missing = [k for k, v in want.items() if v not in colours]
assert not missing, missing
PY
finish
