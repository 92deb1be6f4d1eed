#!/usr/bin/env bash
# signet scan / scan --diff / scan --against / baseline export: every difference category (new,
# removed, content, metadata, became-unsigned, signer-changed) with --json lines and exit statuses,
# events through a policy's file sink validated against docs/event.schema.json; unchanged files not
# read again; a file replaced while scans run; SIGINT and kill -9 in the middle of a scan leave the
# previous scans intact; names that are not UTF-8; a path deeper than PATH_MAX; a signed baseline
# (trusted, tampered, untrusted); Debian's signed EFI binaries and a kernel module shown as signed
# with their signers.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/debian_packages.sh"
DB=$W/inv.db
scan() { "$SIGNET" scan --db "$DB" --no-progress "$@"; }
# evict DIR — every file under DIR written back and dropped from the page cache (POSIX_FADV_DONTNEED)
evict() {
  find "$1" -type f -exec python3 -c 'import os,sys
for p in sys.argv[1:]:
    fd = os.open(p, os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' {} +
}
# jl FILE PY_EXPR — evaluates a Python expression over `rows` (the JSON lines of FILE)
jl() { /usr/bin/python3 -c "import json,sys; rows=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print($2)" "$1"; }

# ---- a small tree, natively signed files among them
mkdir -p tree/bin tree/etc tree/lib
printf '#!/bin/sh\necho hello\n' >tree/bin/hello.sh
cp /usr/bin/true tree/bin/true
echo "setpoint=42" >tree/etc/plant.conf
echo "firmware v1" >tree/lib/fw.bin
echo "ladder logic v1" >tree/lib/plc1.st
echo "goes away" >tree/etc/old.conf
ln -s ../bin/true tree/lib/true-link
mkfifo tree/etc/fifo
"$SIGNET" sign tree/lib/fw.bin --key "$KEY_ALICE" --cert "$P/alice.pem" --chain "$P/chain.pem" \
  --class firmware -o tree/lib/fw.bin.sig 2>/dev/null
"$SIGNET" sign tree/lib/plc1.st --key "$KEY_ALICE" --cert "$P/alice.pem" --chain "$P/chain.pem" \
  --class plc-program -o tree/lib/plc1.st.sig 2>/dev/null

expect_exit 2 "a root that does not exist is refused (nothing recorded)" -- scan tree/no-such-dir
expect_exit 0 "first scan" -- scan tree
grep -q "scan 1 of $W/tree: 8 files, 1 symlinks" last.out && pass "8 files and 1 symlink recorded" ||
  failed "summary: $(cat last.out)"
grep -q "1 special files" last.out && pass "the FIFO is skipped" || failed "FIFO: $(cat last.out)"
scan --list --json >list1.json
[[ $(jl list1.json "[r['kind'] for r in rows if r['path'].endswith('/bin/true')][0]") == elf ]] &&
  pass "kind elf" || failed "kind of true"
[[ $(jl list1.json "[r['kind'] for r in rows if r['path'].endswith('hello.sh')][0]") == script ]] &&
  pass "kind script" || failed "kind of hello.sh"
[[ $(jl list1.json "[r['link_target'] for r in rows if r['type']=='symlink'][0]") == ../bin/true ]] &&
  pass "symlink recorded with its target, not followed" || failed "symlink"
sig=$(jl list1.json "[r['signature'] for r in rows if r['path'].endswith('/lib/fw.bin')][0]")
[[ $sig == *"'status': 'valid'"* && $sig == *"CN=Alice"* && $sig == *"'format': 'signet'"* ]] &&
  pass "fw.bin: valid native signature, signer Alice" || failed "fw.bin signature: $sig"

# Both read engines record the same thing (io_uring where the kernel allows it; the threads engine
# is the fallback): the same rows, signatures included, with every file evicted from the page cache
# first so that the O_DIRECT paths are the ones taken.
for engine in threads uring; do
  evict tree
  if [[ $engine == uring ]] && ! "$SIGNET" scan --db engine-$engine.db --no-progress --io uring tree >/dev/null 2>engine.err; then
    grep -q "io_uring is not available" engine.err && echo "skip - no io_uring on this kernel: $(cat engine.err)" ||
      failed "--io uring: $(cat engine.err)"
    continue
  fi
  [[ $engine == threads ]] && "$SIGNET" scan --db engine-$engine.db --no-progress --io threads tree >engine.out
  "$SIGNET" scan --db engine-$engine.db --list --json >engine-$engine.json
done
if [[ -s engine-uring.json ]]; then
  [[ $(jl engine-threads.json "sorted((r['path'], r.get('sha256'), str(r['signature'])) for r in rows)") == \
     $(jl engine-uring.json "sorted((r['path'], r.get('sha256'), str(r['signature'])) for r in rows)") ]] &&
    pass "--io uring and --io threads record the same digests and signatures" ||
    failed "the engines differ: $(diff engine-threads.json engine-uring.json | head -5)"
fi
expect_exit 2 "--io with an unknown engine is a usage error" -- scan tree --io fast

# Both SHA-256 engines give sha256sum's digests, for files of many sizes read two at a time
# (cached, and evicted so that the ring's reads pair up too).
mkdir -p sizes
for n in $(seq 1 30); do
  head -c $(( (n * 7919 * n) % 1100000 + n % 3 )) /dev/urandom >sizes/f$n
done
printf '' >sizes/empty
sha256sum sizes/* | sed "s|  |  $W/|" | LC_ALL=C sort >sizes.sha256sum
sizes_of() { jl "$1" "'\\n'.join(sorted(r['sha256'] + '  ' + r['path'] for r in rows if r.get('sha256')))"; }
for hash_engine in auto openssl; do
  for cache in warm cold; do
    [[ $cache == cold ]] && evict sizes
    rm -f sizes.db*
    "$SIGNET" scan --db sizes.db --no-progress --json --hash-engine $hash_engine sizes >sizes.out
    "$SIGNET" scan --db sizes.db --list --json >sizes.json
    [[ "$(sizes_of sizes.json)" == "$(cat sizes.sha256sum)" ]] &&
      pass "--hash-engine $hash_engine, $cache: the digests of sha256sum" ||
      failed "--hash-engine $hash_engine, $cache: $(diff <(sizes_of sizes.json) sizes.sha256sum | head -4)"
  done
  engine_used=$(json_get sizes.out "d['sha256_engine']")
  if [[ $hash_engine == openssl ]]; then
    [[ $engine_used == openssl ]] && pass "--hash-engine openssl hashes with OpenSSL" ||
      failed "--hash-engine openssl: $engine_used"
  elif grep -qw sha_ni /proc/cpuinfo; then
    [[ $engine_used == sha-ni ]] && pass "the default engine is SHA-NI on a CPU that has it" ||
      failed "default engine: $engine_used"
  fi
done
expect_exit 2 "--hash-engine with an unknown engine is a usage error" -- scan tree --hash-engine md5

expect_exit 0 "rescan of an unchanged tree" -- scan tree --json
[[ $(json_get last.out "d['hashed']") == 0 && $(json_get last.out "d['reused']") == 9 ]] &&
  pass "nothing read again (9 unchanged)" || failed "rescan: $(cat last.out)"
expect_exit 0 "no differences between scans 1 and 2" -- scan --diff

# ---- one change of each category
echo "setpoint=43" >tree/etc/plant.conf                        # content
chmod 600 tree/bin/hello.sh                                    # metadata
rm tree/etc/old.conf                                           # removed
echo "new tool" >tree/bin/new-tool                             # new
rm tree/lib/plc1.st.sig                                        # became-unsigned
"$SIGNET" sign tree/lib/fw.bin --key "$KEY_BOB" --cert "$P/bob.pem" --chain "$P/chain.pem" \
  --class firmware -o tree/lib/fw.bin.sig 2>/dev/null          # signer-changed
cat >events.toml <<POL
[trust_store.plant]
anchors = ["$P/root.pem"]

[publisher.ot]
store = "plant"
subject = "O=Example Plant, OU=OT Engineering, CN=*"

[[rule]]
id = "baselines"
class = "trust-bundle"
publishers = ["ot"]

[telemetry]
[[telemetry.sink]]
type = "file"
path = "events.jsonl"
POL
"$SIGNET" scan --db "$DB" --no-progress tree >/dev/null
expect_exit 1 "scan --diff --json reports differences" -- scan --diff --json --policy events.toml
cp last.out diff.json
for change in new removed content metadata became-unsigned signer-changed; do
  n=$(jl diff.json "len([r for r in rows if r['change']=='$change'])")
  [[ $n -ge 1 ]] && pass "category $change: $(jl diff.json "[r['path'].split('/')[-1] for r in rows if r['change']=='$change']")" ||
    failed "no $change difference"
done
[[ $(jl diff.json "sorted(r['path'].split('/')[-1] for r in rows if not r['path'].endswith('.sig'))") == \
   "['fw.bin', 'hello.sh', 'new-tool', 'old.conf', 'plant.conf', 'plc1.st']" ]] &&
  pass "exactly the changed paths (and the changed .sig files themselves)" ||
  failed "paths: $(jl diff.json "[(r['change'], r['path']) for r in rows]")"
[[ $(jl diff.json "[r['after']['signature']['signer'] for r in rows if r['change']=='signer-changed'][0]") == *"CN=Bob"* ]] &&
  pass "signer-changed names the new signer (Bob)" || failed "signer-changed"
[[ $(jl diff.json "all('path' in r and 'change' in r for r in rows)") == True ]] &&
  pass "each JSON line has path and change" || failed "JSON lines"
expect_exit 1 "scan --diff --since 1 (human)" -- scan --diff --since 1
grep -q "^signer-changed .*fw.bin" last.out && pass "human diff lists signer-changed" || failed "$(cat last.out)"

if /usr/bin/python3 - events.jsonl "$SIGNET_SOURCE_DIR/docs/event.schema.json" >schema.out 2>&1 <<'PY'
import json, sys, jsonschema
validator = jsonschema.Draft202012Validator(json.load(open(sys.argv[2])))
changes = set()
for n, line in enumerate(open(sys.argv[1]), 1):
    event = json.loads(line)
    errors = sorted(validator.iter_errors(event), key=str)
    assert not errors, f"line {n}: {errors[0].message} at {list(errors[0].path)}"
    assert event["event"]["dataset"] == "signet.inventory-change"
    changes.add(event["signet"]["inventory"]["change"])
    if event["signet"]["inventory"]["change"] == "signer-changed":
        assert event["event"]["kind"] == "alert" and "T0862" in event["threat"]["technique"]["id"]
want = {"new", "removed", "content", "metadata", "became-unsigned", "signer-changed"}
assert changes == want, changes
PY
then pass "one event per difference, all categories, valid against docs/event.schema.json"; else
  failed "events: $(cat schema.out)"; fi

# ---- names that are not UTF-8, a path deeper than PATH_MAX
/usr/bin/python3 - <<'PY'
import os
os.makedirs("odd", exist_ok=True)
open(b"odd/caf\xe9-\xff.bin", "wb").write(b"latin-1 name\n")
open(b"odd/back\\slash", "wb").write(b"x\n")
fd = os.open("odd", os.O_RDONLY)
for i in range(60):  # 60 levels of 100 bytes: deeper than PATH_MAX (4096)
    name = ("d%02d" % i) + "x" * 97
    os.mkdir(name, dir_fd=fd)
    nfd = os.open(name, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
f = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
os.write(f, b"at the bottom\n")
os.close(f)
PY
expect_exit 0 "scan odd names and a deep tree" -- scan odd
scan --list --json odd >odd.json
[[ $(jl odd.json "[r['path'] for r in rows if 'caf' in r['path']][0]") == "$W/odd/caf\\xe9-\\xff.bin" ]] &&
  pass "non-UTF-8 name stored raw, shown escaped: $(jl odd.json "[r['path'] for r in rows if 'caf' in r['path']][0]")" ||
  failed "escaped name: $(jl odd.json "[r['path'] for r in rows if 'caf' in r['path']]")"
[[ $(jl odd.json "[r['path'] for r in rows if 'slash' in r['path']][0]") == "$W/odd/back\\\\slash" ]] &&
  pass "backslash escaped (the escape is reversible)" || failed "backslash"
deep=$(jl odd.json "max(len(r['path']) for r in rows)")
[[ $deep -gt 4096 && $(jl odd.json "[r['sha256'] for r in rows if r['path'].endswith('deep.txt')][0]") == \
   "$(printf 'at the bottom\n' | sha256sum | cut -d' ' -f1)" ]] &&
  pass "file at a path of $deep bytes (> PATH_MAX) hashed" || failed "deep path: $deep"
printf 'changed' >"odd/caf"$'\xe9'"-"$'\xff'".bin"
scan odd >/dev/null
expect_exit 1 "diff with a non-UTF-8 name" -- scan --diff --json
[[ $(jl last.out "[r['change'] for r in rows if 'caf' in r['path']][0]") == content ]] &&
  pass "its content change is reported under the escaped name" || failed "$(cat last.out)"

# ---- a file replaced (rename) again and again while scans run: each record is one whole version
/usr/bin/python3 - <<'PY'
import os
os.makedirs("race", exist_ok=True)
for i in range(200):
    open("race/filler%03d" % i, "wb").write(os.urandom(20000))
open("race/a", "wb").write(b"A" * 300000)
open("race/b", "wb").write(b"B" * 100000)
PY
sha_a=$(head -c 300000 /dev/zero | tr '\0' A | sha256sum | cut -d' ' -f1)
sha_b=$(head -c 100000 /dev/zero | tr '\0' B | sha256sum | cut -d' ' -f1)
(while :; do cp race/a race/t.tmp; mv race/t.tmp race/target; cp race/b race/t.tmp; mv race/t.tmp race/target; done) &
racer=$!
trap 'kill $racer 2>/dev/null || true' EXIT
ok=0
for i in $(seq 1 15); do
  "$SIGNET" scan --db race.db --no-progress --full race >/dev/null 2>&1 || { failed "race scan $i failed"; break; }
  "$SIGNET" scan --db race.db --list --json race >race.json
  got=$(jl race.json "[(r.get('sha256'), r['size'], r.get('error','')) for r in rows if r['path'].endswith('/target')]")
  case $got in
    *"'$sha_a', 300000, ''"* | *"'$sha_b', 100000, ''"* | *"None,"*"changed"* | "[]") ok=$((ok + 1)) ;;
    *) failed "scan $i recorded an inconsistent version: $got" ;;
  esac
done
kill $racer 2>/dev/null || true
wait $racer 2>/dev/null || true
trap - EXIT
[[ $ok == 15 ]] && pass "15 scans of a file replaced meanwhile: digest and size always of one version" ||
  failed "race: $ok/15"

# ---- interrupted scans: SIGINT, then kill -9, in the middle of a big tree
/usr/bin/python3 - <<'PY'
import os
for d in range(100):
    os.makedirs("big/d%03d" % d, exist_ok=True)
    for f in range(300):
        open("big/d%03d/f%03d" % (d, f), "wb").write(os.urandom(8192))
PY
scans_before=$(scan --history | wc -l)
# A background job of a non-interactive shell starts with SIGINT ignored: signal only once signet
# has installed its handler (SigCgt), which takes longer than a fixed pause under ASan on a busy box.
handler_installed() {  # PID -> 0 once SIGINT (bit 1 of SigCgt) is caught
  local cgt
  for _ in $(seq 1 200); do
    cgt=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
    [[ -n $cgt ]] && (((16#$cgt & 2) != 0)) && return 0
    sleep 0.05
  done
  return 1
}
"$SIGNET" scan --db "$DB" --no-progress --full --jobs 1 big >sigint.out 2>&1 &
pid=$!
handler_installed $pid
sleep 0.3
if kill -0 $pid 2>/dev/null; then
  kill -INT $pid
  rc=0
  wait $pid || rc=$?
  [[ $rc == 130 ]] && grep -q "nothing recorded" sigint.out && pass "SIGINT mid-scan: exit 130, nothing recorded" ||
    failed "SIGINT: exit $rc $(cat sigint.out)"
else
  failed "the scan of big/ ended before SIGINT (machine too fast for this test?)"
fi
"$SIGNET" scan --db "$DB" --no-progress --full --jobs 1 big >/dev/null 2>&1 &
pid=$!
sleep 0.5
if kill -0 $pid 2>/dev/null; then
  kill -9 $pid
  wait $pid 2>/dev/null || true
  pass "kill -9 while the scan was running"
else
  failed "the scan of big/ ended before kill -9"
fi
[[ $(sqlite3 "$DB" 'PRAGMA integrity_check') == ok ]] && pass "database integrity_check ok" ||
  failed "integrity_check"
[[ $(scan --history | wc -l) == "$scans_before" ]] && pass "no partial scan recorded ($scans_before scans)" ||
  failed "scans: $(scan --history)"
expect_exit 1 "the earlier scans still compare (--diff: scan 5 against scan 4)" -- scan --diff
expect_exit 0 "a scan after the kill works" -- scan big --json
[[ $(json_get last.out "d['files']") == 30000 ]] && pass "30000 files recorded" || failed "$(cat last.out)"

# ---- signed baseline
scan tree >/dev/null
expect_exit 0 "baseline export" -- "$SIGNET" baseline export --db "$DB" -o baseline.sig \
  --key "$KEY_ALICE" --cert "$P/alice.pem" --chain "$P/chain.pem" --target acme/line3/hmi-01
openssl cms -verify -inform DER -in baseline.sig -CAfile "$P/root.pem" -purpose any -out statement.json 2>/dev/null &&
  pass "the baseline verifies with openssl cms" || failed "openssl cms -verify"
[[ $(json_get statement.json "d['predicate']['class']") == trust-bundle &&
   $(json_get statement.json "all(set(s) == {'name','digest'} and s['name'].startswith('/') for s in d['subject'])") == True ]] &&
  pass "class trust-bundle, subjects {name: path, digest: {sha256}}" || failed "statement shape"
expect_exit 0 "the host matches its baseline" -- scan --against baseline.sig --policy events.toml
echo "tampered" >tree/bin/hello.sh
rm tree/etc/plant.conf
echo "dropped in" >tree/bin/implant
expect_exit 1 "scan --against after changes" -- scan tree --against baseline.sig --policy events.toml --json
[[ $(jl last.out "sorted((r['change'], r['path'].split('/')[-1]) for r in rows)") == \
   "[('content', 'hello.sh'), ('new', 'implant'), ('removed', 'plant.conf')]" ]] &&
  pass "new, removed and content against the baseline" || failed "against: $(cat last.out)"
expect_exit 2 "--against without --policy is refused" -- scan --against baseline.sig
cp baseline.sig tampered.sig
size=$(stat -c %s tampered.sig)
printf 'X' | dd of=tampered.sig bs=1 seek=$((size / 2)) conv=notrunc status=none
expect_exit 2 "a tampered baseline is refused" -- scan --against tampered.sig --policy events.toml
"$SIGNET" baseline export --db "$DB" -o stranger.sig --key "file:$P/stranger.key" \
  --cert "$P/stranger.pem" >/dev/null 2>&1
expect_exit 2 "a baseline from an untrusted signer is refused" -- scan --against stranger.sig --policy events.toml
grep -q "UNTRUSTED_CHAIN" last.out && pass "refused with UNTRUSTED_CHAIN" || failed "$(cat last.out)"

# ---- Debian's signed EFI binaries and a kernel module
deb_extract grub-efi-amd64-signed pkg || failed "download grub-efi-amd64-signed"
deb_extract shim-helpers-amd64-signed pkg || failed "download shim-helpers-amd64-signed"
image=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
deb_extract "$image" kpkg || failed "download $image"
mkdir -p debian
find pkg -name '*.efi.signed' -exec cp {} debian/ \;
module=$(find kpkg/lib/modules -name af_key.ko | head -n 1)
cp "$module" debian/
expect_exit 0 "scan the Debian-signed files" -- scan debian
scan --list --json debian >debian.json
jl debian.json "'\n'.join('%s %s %s %s' % (r['path'].split('/')[-1], r['kind'], r['signature']['status'], r['signature'].get('signer')) for r in rows)" | sed 's/^/     | /'
efi=$(jl debian.json "len([r for r in rows if r['kind']=='pe' and r['signature']['status']=='valid' and 'Debian Secure Boot Signer' in r['signature']['signer']])")
[[ $efi -ge 4 ]] && pass "$efi EFI binaries: valid Authenticode, signer Debian Secure Boot Signer" ||
  failed "EFI binaries: $efi"
[[ $(jl debian.json "[r['kind']+' '+r['signature']['status']+' '+r['signature']['format'] for r in rows if r['path'].endswith('af_key.ko')][0]") == "kernel-module unverified kmod" &&
   $(jl debian.json "[r['signature']['signer'] for r in rows if r['path'].endswith('af_key.ko')][0]") == *"issuer"* ]] &&
  pass "af_key.ko: signed (kmod), signer named by issuer and serial; its key is not in the module" ||
  failed "module: $(jl debian.json "[r for r in rows if r['path'].endswith('af_key.ko')]")"
# With the kernel's build certificates and Debian's CA in a policy, both are judged trusted.
kernel_certs "$(find kpkg/boot -name 'vmlinuz-*' | head -n 1)" kernel-keys.pem || failed "kernel certificates"
deb_extract shim-unsigned pkg || failed "download shim-unsigned"
efi_vendor_cert pkg/usr/lib/shim/shimx64.efi debian-ca.pem || failed "vendor_cert"
cat >debian.toml <<POL
[trust_store.kernel]
anchors = ["$W/kernel-keys.pem"]
[trust_store.uefi]
anchors = ["$W/debian-ca.pem"]
verify_time = "ignore-expiry"
[publisher.kernel-build]
store = "kernel"
subject = "CN=*"
eku = []
[publisher.debian]
store = "uefi"
subject = "CN=Debian Secure Boot Signer*"
[[rule]]
id = "modules"
class = "kernel-module"
publishers = ["kernel-build"]
[[rule]]
id = "uefi"
class = "efi-application"
publishers = ["debian"]
POL
expect_exit 0 "scan with the Debian policy" -- scan debian --policy debian.toml
scan --list --json debian >debian-policy.json
[[ $(jl debian-policy.json "all(r['signature']['status']=='valid' and r['signature']['trusted'] and r['signature']['judged_by']=='policy' for r in rows)") == True ]] &&
  pass "with the policy every EFI binary and the module are valid and trusted: $(jl debian-policy.json "sorted(set(r['signature']['signer'] for r in rows))")" ||
  failed "policy: $(jl debian-policy.json "[(r['path'].split('/')[-1], r['signature']) for r in rows if r['signature']['status']!='valid']")"
finish
