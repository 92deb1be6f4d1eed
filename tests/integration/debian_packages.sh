# Debian packages for tests that need Debian-signed files (sourced after lib.sh). Downloads go to
# a cache under the build directory ($SIGNET_IT_WORK/../../deb-cache), so a ctest run fetches each
# package once; nothing downloaded is ever committed.
DEB_CACHE=$(cd "$SIGNET_IT_WORK/../.." && pwd)/deb-cache
mkdir -p "$DEB_CACHE"

# deb_fetch PACKAGE — prints the path of PACKAGE's .deb, downloading it (apt-get download) if needed.
deb_fetch() {
  local pkg=$1 deb
  deb=$(find "$DEB_CACHE" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
  if [[ -z $deb ]]; then
    if ! (cd "$DEB_CACHE" && apt-get download -q "$pkg" >/dev/null 2>&1); then
      # A fresh machine may have no package lists yet.
      [[ $(id -u) == 0 ]] && apt-get update -qq >/dev/null 2>&1
      (cd "$DEB_CACHE" && apt-get download -q "$pkg" >/dev/null 2>&1) || {
        echo "deb_fetch: apt-get download $pkg failed" >&2
        return 1
      }
    fi
    deb=$(find "$DEB_CACHE" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
  fi
  echo "$deb"
}

# deb_extract PACKAGE DIR — fetches PACKAGE and unpacks it (dpkg-deb -x) into DIR.
deb_extract() {
  local deb
  deb=$(deb_fetch "$1") || return 1
  mkdir -p "$2"
  dpkg-deb -x "$deb" "$2"
}

# kernel_certs VMLINUZ OUT.pem — the X.509 certificates built into a kernel image (the keys its
# module signatures are checked against): the bzImage payload (offset and length from the boot
# protocol header), decompressed by its magic, scanned for DER certificates.
kernel_certs() {
  local vmlinuz=$1 out=$2 tmp
  tmp=$(mktemp -d)
  /usr/bin/python3 - "$vmlinuz" "$tmp/payload" <<'PY' || { rm -rf "$tmp"; return 1; }
import struct, sys
b = open(sys.argv[1], "rb").read()
setup = b[0x1f1] or 4
offset = (setup + 1) * 512 + struct.unpack_from("<I", b, 0x248)[0]
length = struct.unpack_from("<I", b, 0x24c)[0]
open(sys.argv[2], "wb").write(b[offset:offset + length])
PY
  case $(head -c 6 "$tmp/payload" | od -An -tx1 | tr -d ' \n') in
    1f8b*) gzip -dc "$tmp/payload" >"$tmp/vmlinux" 2>/dev/null || true ;;
    fd377a585a00) xz -dc "$tmp/payload" >"$tmp/vmlinux" 2>/dev/null || true ;;
    28b52ffd*) zstd -dcq "$tmp/payload" >"$tmp/vmlinux" 2>/dev/null || true ;;
    02214c18*) lz4 -dcq "$tmp/payload" >"$tmp/vmlinux" 2>/dev/null || true ;;
    425a68*) bzip2 -dc "$tmp/payload" >"$tmp/vmlinux" 2>/dev/null || true ;;
    5d0000*) xz --format=lzma -dc "$tmp/payload" >"$tmp/vmlinux" 2>/dev/null || true ;;
    *) rm -rf "$tmp"; return 1 ;;
  esac
  /usr/bin/python3 - "$tmp/vmlinux" "$out" <<'PY'
import subprocess, sys
b = open(sys.argv[1], "rb").read()
i = 0
with open(sys.argv[2], "w") as out:
    while (i := b.find(b"\x30\x82", i)) >= 0:
        if b[i + 4:i + 6] == b"\x30\x82":
            der = b[i:i + 4 + int.from_bytes(b[i + 2:i + 4], "big")]
            r = subprocess.run(["openssl", "x509", "-inform", "DER"], input=der, capture_output=True)
            if r.returncode == 0:
                out.write(r.stdout.decode())
        i += 2
PY
  rm -rf "$tmp"
  grep -q "BEGIN CERTIFICATE" "$out"
}

# efi_vendor_cert SHIMX64.EFI OUT.pem — the CA shim trusts (Debian's Secure Boot CA), from its
# .vendor_cert section: four little-endian u32 (authorized size, deauthorized size, authorized
# offset, deauthorized offset) and the DER certificate at the authorized offset.
efi_vendor_cert() {
  local tmp
  tmp=$(mktemp -d)
  objcopy -O binary --only-section=.vendor_cert "$1" "$tmp/vendor_cert.bin" || { rm -rf "$tmp"; return 1; }
  /usr/bin/python3 - "$tmp/vendor_cert.bin" "$tmp/ca.der" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
size, _, offset, _ = struct.unpack("<IIII", b[:16])
open(sys.argv[2], "wb").write(b[offset:offset + size])
PY
  openssl x509 -inform DER -in "$tmp/ca.der" -out "$2"
  local rc=$?
  rm -rf "$tmp"
  return $rc
}
