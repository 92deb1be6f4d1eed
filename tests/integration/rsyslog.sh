# Real rsyslog receivers for the telemetry integration tests (sourced after lib.sh). Each receiver
# runs rsyslogd in the foreground with its own configuration and work directory under $W, listens
# on 127.0.0.1 only, and writes what it receives to $W/rsyslog-NAME/out.log as
#   APP-NAME <TAB> MSGID <TAB> STRUCTURED-DATA <TAB> MSG
# so that tests parse back what rsyslog itself understood. Every receiver is stopped on exit,
# also when a test fails.
RSYSLOGD=${RSYSLOGD:-/usr/sbin/rsyslogd}
declare -A RSYSLOG_PID=()

stop_all_rsyslog() {
  local name
  for name in "${!RSYSLOG_PID[@]}"; do stop_rsyslog "$name"; done
}
trap stop_all_rsyslog EXIT

free_port() {  # tcp|udp
  /usr/bin/python3 - "$1" <<'PY'
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PY
}

# write_rsyslog_conf NAME PROTO PORT [TLS_AUTHMODE]  (PROTO udp|tcp|tls; TLS uses $W/tls/*)
write_rsyslog_conf() {
  local name=$1 proto=$2 port=$3 authmode=${4:-anon}
  local dir=$W/rsyslog-$name
  mkdir -p "$dir/work"
  {
    echo "global(workDirectory=\"$dir/work\" maxMessageSize=\"64k\""
    if [[ $proto == tls ]]; then
      echo "  DefaultNetstreamDriver=\"gtls\" DefaultNetstreamDriverCAFile=\"$W/tls/ca.pem\""
      echo "  DefaultNetstreamDriverCertFile=\"$W/tls/server.pem\" DefaultNetstreamDriverKeyFile=\"$W/tls/server.key\""
    fi
    echo ")"
    cat <<'CONF'
template(name="signetFields" type="list") {
  property(name="app-name") constant(value="\t")
  property(name="msgid") constant(value="\t")
  property(name="structured-data") constant(value="\t")
  property(name="msg") constant(value="\n")
}
CONF
    case $proto in
      udp) echo "module(load=\"imudp\")"
           echo "input(type=\"imudp\" address=\"127.0.0.1\" port=\"$port\")" ;;
      tcp) echo "module(load=\"imtcp\")"
           echo "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"$port\")" ;;
      tls) echo "module(load=\"imtcp\" StreamDriver.Name=\"gtls\" StreamDriver.Mode=\"1\" StreamDriver.AuthMode=\"$authmode\")"
           echo "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"$port\")" ;;
    esac
    echo "action(type=\"omfile\" file=\"$dir/out.log\" template=\"signetFields\")"
  } >"$dir/rsyslog.conf"
  : >>"$dir/out.log"
}

# start_rsyslog NAME PROTO PORT — waits until the port accepts (TCP/TLS) or a probe arrives (UDP)
start_rsyslog() {
  local name=$1 proto=$2 port=$3
  local dir=$W/rsyslog-$name
  "$RSYSLOGD" -N1 -f "$dir/rsyslog.conf" >"$dir/check.log" 2>&1 ||
    { echo "rsyslog config invalid:"; cat "$dir/check.log"; return 1; }
  "$RSYSLOGD" -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" >"$dir/stderr.log" 2>&1 &
  RSYSLOG_PID[$name]=$!
  local i
  for i in $(seq 1 100); do
    if [[ $proto == udp ]]; then
      logger --rfc5424 -d -n 127.0.0.1 -P "$port" -t probe "probe $i" 2>/dev/null || true
      grep -q "^probe" "$dir/out.log" 2>/dev/null && return 0
    elif (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    kill -0 "${RSYSLOG_PID[$name]}" 2>/dev/null || { cat "$dir/stderr.log"; return 1; }
    sleep 0.1
  done
  echo "rsyslog $name did not come up"; cat "$dir/stderr.log"
  return 1
}

stop_rsyslog() {
  local name=$1 pid=${RSYSLOG_PID[$1]:-}
  [[ -n $pid ]] || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "RSYSLOG_PID[$name]"
}

# wait_lines FILE PATTERN COUNT [SECONDS] — until COUNT lines match (rsyslog writes asynchronously)
wait_lines() {
  local file=$1 pattern=$2 want=$3 seconds=${4:-20} i
  for i in $(seq 1 $((seconds * 10))); do
    [[ $(grep -c -- "$pattern" "$file" 2>/dev/null || true) -ge $want ]] && return 0
    sleep 0.1
  done
  return 1
}

# make_tls_pki: CA, server certificate for 127.0.0.1, a client certificate, an unrelated CA.
make_tls_pki() {
  mkdir -p "$W/tls"
  (
    cd "$W/tls"
    for ca in ca other-ca; do
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $ca.key \
        -out $ca.pem -days 30 -subj "/O=Example Plant/CN=SOC $ca" \
        -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign \
        2>/dev/null
    done
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
      -out server.csr -subj "/O=Example Plant/CN=siem.plant" 2>/dev/null
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
      -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:siem.plant\nextendedKeyUsage=serverAuth\n') \
      -out server.pem 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key \
      -out client.csr -subj "/O=Example Plant/CN=hmi-01" 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
      -extfile <(printf 'extendedKeyUsage=clientAuth\n') -out client.pem 2>/dev/null
  )
}

# field FILE LINE_PATTERN N — the Nth tab-separated field (1..4) of the last matching line
field() { grep -- "$2" "$1" | tail -n 1 | cut -f "$3"; }
