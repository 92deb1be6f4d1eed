# Shared by the `signet validate` integration tests (sourced after lib.sh, which sets up the test
# PKI in $P and the token keys $KEY_ALICE / $KEY_BOB).

# A free TCP port on loopback for validate's SOC receiver.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# validate_identities PORT SETTLE_MS NAME... — the plan's [soc] table (receiver on 127.0.0.1:PORT)
# and an [identity.NAME] for each NAME of the test PKI: alice and bob (token keys), stranger (a root
# the plant does not trust), mail (emailProtection only), expired, revoked, small-key (RSA-1024).
# Then [negative], naming every negative identity among NAME.
validate_identities() {
  local port=$1 settle=$2 name
  shift 2
  printf '[soc]\nlisten    = "127.0.0.1:%s"\nsettle_ms = %s\n' "$port" "$settle"
  for name in "$@"; do
    printf '\n[identity.%s]\n' "$name"
    case $name in
      alice) printf 'key   = "%s"\ncert  = "%s/alice.pem"\n' "$KEY_ALICE" "$P" ;;
      bob) printf 'key   = "%s"\ncert  = "%s/bob.pem"\n' "$KEY_BOB" "$P" ;;
      stranger) printf 'key  = "file:%s/stranger.key"\ncert = "%s/stranger.pem"\n' "$P" "$P" ;;
      mail) printf 'key   = "file:%s/email.key"\ncert  = "%s/email.pem"\n' "$P" "$P" ;;
      small-key) printf 'key   = "file:%s/rsa1024.key"\ncert  = "%s/rsa1024.pem"\n' "$P" "$P" ;;
      *) printf 'key   = "file:%s/%s.key"\ncert  = "%s/%s.pem"\n' "$P" "$name" "$P" "$name" ;;
    esac
    [[ $name == stranger ]] || printf 'chain = ["%s/chain.pem"]\n' "$P"
  done
  printf '\n[negative]\n'
  for name in "$@"; do
    case $name in
      stranger) echo 'untrusted = "stranger"' ;;
      mail) echo 'wrong_eku = "mail"' ;;
      expired | revoked) echo "$name = \"$name\"" ;;
      small-key) echo 'weak      = "small-key"' ;;
    esac
  done
  echo
}
