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
