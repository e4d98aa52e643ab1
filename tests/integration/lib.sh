# lib.sh -- helpers for the umsbc integration tests (tests/integration/t-*.sh)
# and for contrib/demo.sh.  Source it first thing:  . "$(dirname "$0")/lib.sh"
#
# What sourcing does:
#  * re-executes the calling script inside a private network namespace
#    (`unshare -n`, or `unshare -rn` when not root) with only `lo` up: the fixed
#    ports 5060/5061 never collide with anything on the host, every 127.x
#    address is usable, and SIPp's wildcard UDP control socket (0.0.0.0:8888+)
#    is contained;
#  * creates a private work directory $TD (mktemp -d) and cd's into it; it is
#    removed when the test passes, kept (and its path printed) when it fails;
#  * arms an EXIT trap that kills exactly the processes registered with
#    `track PID` (TERM, then KILL after 2 s) -- never anything by name;
#  * arms a watchdog: a test that runs longer than $IT_LIMIT s (default 60)
#    fails.
#
# Exit codes: 0 = pass, 1 = fail.  Never 77 (skip): a missing tool is a failure.
#
# Environment:
#  UMSBCD    daemon binary (default: <top>/proxy/umsbcd next to this tree)
#  IT_LIMIT  watchdog in seconds (default 60; 0 = none)
#  IT_KEEP   set to 1 to keep $TD even when the test passes
#
# Addresses used by the tests (all on lo):
#  127.0.0.1  umsbcd outside (udp/tcp 5060, tls 5061)
#  127.0.0.2  umsbcd inside  (udp/tcp 5060)
#  127.0.0.7  gw1  (secured dial plan "main", TLS, port 5061)
#  127.0.0.8  gw2  (unsecured dial plan "branch", port 5060)
#  127.0.0.20 um1  (legacy UM server, SIPp UAS)
#  127.0.0.9  gw3 once t-reload.sh has added it (t-control.sh likewise; in
#             t-media-srtp.sh a sip-secured, TLS gateway); else a wrong source for gw1
#  127.0.0.10-.13, .21, .98, .99  strangers / wrong sources for negative tests

set -u

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCEN=$IT_DIR/scen
IT_NAME=${IT_NAME:-$(basename "$0" .sh)}
IT_LIMIT=${IT_LIMIT:-60}

UMSBCD=${UMSBCD:-$(cd "$IT_DIR/../.." && pwd)/proxy/umsbcd}
case $UMSBCD in /*) ;; *) UMSBCD=$PWD/$UMSBCD ;; esac
export UMSBCD IT_LIMIT

# ---------------------------------------------------------------------------
# 1. private network namespace
# ---------------------------------------------------------------------------
if [ -z "${UMSBC_IT_NETNS:-}" ]; then
  for _t in unshare ip; do
    command -v $_t >/dev/null 2>&1 || { echo "FAIL: required tool '$_t' not installed"; exit 1; }
  done
  if [ "$(id -u)" = 0 ]; then _uflags=-n; else _uflags=-rn; fi
  exec unshare $_uflags env UMSBC_IT_NETNS=1 bash -c \
    'ip link set lo up || { echo "FAIL: cannot bring lo up in the private netns"; exit 1; }
     exec bash "$0" "$@"' "$(readlink -f "$0")" "$@"
  echo "FAIL: unshare $_uflags failed"; exit 1
fi

# ---------------------------------------------------------------------------
# 2. process tracking, work dir, cleanup, watchdog
# ---------------------------------------------------------------------------
_PIDS=()
_SIPP_RUNS=()          # names of SIPp runs, newest last (for fail())
UMSBCD_PID=
track() { _PIDS+=("$1"); }

now_ms() { date +%s%3N; }

# _running PID : true while PID exists and is not a zombie
_running() {
  local st
  st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "${st%% *}" != Z ]
}

_it_cleanup() {
  local rc=$? p i busy
  trap - EXIT TERM INT
  for p in "${_PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; done
  for i in $(seq 40); do
    busy=
    for p in "${_PIDS[@]:-}"; do [ -n "$p" ] && _running "$p" && busy=1; done
    [ -z "$busy" ] && break
    sleep 0.05
  done
  for p in "${_PIDS[@]:-}"; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ -n "${TD:-}" ] && [ -d "$TD" ]; then
    cd / || true
    if [ "$rc" = 0 ] && [ "${IT_KEEP:-0}" != 1 ]; then
      rm -rf "$TD"
    else
      echo "(work directory kept: $TD)"
    fi
  fi
  [ "$rc" = 77 ] && rc=1            # never report "skipped"
  exit "$rc"
}
trap _it_cleanup EXIT
trap 'fail "interrupted"' INT
trap 'fail "watchdog: test exceeded ${IT_LIMIT} s"' TERM

TD=$(mktemp -d "${TMPDIR:-/tmp}/umsbc-$IT_NAME.XXXXXX") || { echo "FAIL: mktemp"; exit 1; }
cd "$TD" || exit 1

# watchdog: TERM to this shell after IT_LIMIT s (killed by cleanup otherwise)
if [ "$IT_LIMIT" != 0 ]; then
  bash -c 'sleep "$1" & s=$!; trap "kill $s 2>/dev/null; exit 0" TERM; wait $s && kill -TERM "$2"' \
    _ "$IT_LIMIT" "$$" 2>/dev/null &
  track $!
fi

# ---------------------------------------------------------------------------
# 3. reporting
# ---------------------------------------------------------------------------
_tail_file() {   # _tail_file FILE N
  [ -s "$1" ] || return 0
  echo "----- last $2 lines of ${1#"$TD"/}"
  tail -n "$2" "$1"
}

# fail MSG : print MSG, the daemon's log, the latest SIPp/stunnel logs; exit 1
fail() {
  local n r i
  trap - TERM INT
  echo "FAIL: $*"
  _tail_file "$TD/umsbcd.log" 40
  n=${#_SIPP_RUNS[@]}
  for ((i = (n > 3 ? n - 3 : 0); i < n; i++)); do
    r=${_SIPP_RUNS[$i]}
    _tail_file "$TD/$r.err" 30
    _tail_file "$TD/$r.msg" 40
    [ -s "$TD/$r.out" ] && { echo "----- SIPp $r screen"; grep -E 'Successful call|Failed call|Unexpected|error|Error|Aborting' "$TD/$r.out" | tail -n 8; }
  done
  for r in "$TD"/*stunnel*.log; do [ -e "$r" ] && _tail_file "$r" 15; done
  exit 1
}

# soft_fail MSG : record a failed check but go on (for tests whose cases are
# independent); finish() turns recorded failures into a failure
_SOFT=()
soft_fail() { echo "   FAILED: $*"; _SOFT+=("$*"); }
finish() {
  local m
  if [ ${#_SOFT[@]} -gt 0 ]; then
    echo "${#_SOFT[@]} check(s) failed:"
    for m in "${_SOFT[@]}"; do echo "  - $m"; done
    fail "$IT_NAME: ${#_SOFT[@]} failed check(s)"
  fi
  echo "PASS: $IT_NAME"
  exit 0
}

say()  { echo "== $*"; }          # what is being checked
ok()   { echo "   ok: $*"; }
need() {                          # need TOOL... : a missing tool is a failure
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || fail "required tool '$t' is not installed"
  done
}
need sipp openssl ss ip

# ---------------------------------------------------------------------------
# 4. waiting (polling, never bare sleeps)
# ---------------------------------------------------------------------------
# wait_port udp|tcp ADDR PORT [secs] : until something is bound/listening on
# ADDR:PORT (or on the wildcard address with that port)
wait_port() {
  local proto=$1 addr=$2 port=$3 t=${4:-10} i n flag
  [ "$proto" = udp ] && flag=-Hlun || flag=-Hltn
  n=$((t * 20))
  for ((i = 0; i < n; i++)); do
    ss $flag 2>/dev/null | awk -v a="$addr:$port" -v w1="0.0.0.0:$port" -v w2="*:$port" \
      '$4 == a || $4 == w1 || $4 == w2 { f = 1 } END { exit !f }' && return 0
    sleep 0.05
  done
  echo "!! nothing bound on $proto $addr:$port after ${t}s"
  return 1
}

# wait_log FILE REGEX [secs] [after_line] : until an ERE matches a line of FILE
# (only lines after line number after_line are considered, see log_mark)
wait_log() {
  local f=$1 re=$2 t=${3:-10} from=${4:-0} i n
  n=$((t * 20))
  for ((i = 0; i <= n; i++)); do
    tail -n "+$((from + 1))" "$f" 2>/dev/null | grep -qE -- "$re" && return 0
    [ $i -lt $n ] && sleep 0.05
  done
  return 1
}

# log_mark [FILE] : current number of lines (default: umsbcd.log)
log_mark() { local n; n=$(wc -l <"${1:-$TD/umsbcd.log}" 2>/dev/null) || n=0; echo "${n:-0}"; }

# log_since MARK [FILE] : lines appended after log_mark returned MARK
log_since() { tail -n "+$(($1 + 1))" "${2:-$TD/umsbcd.log}" 2>/dev/null; }

# wait_exit PID [secs] : until PID is gone; returns its exit status (124 on timeout)
wait_exit() {
  local p=$1 t=${2:-10} i n
  n=$((t * 20))
  for ((i = 0; i < n; i++)); do
    _running "$p" || { wait "$p" 2>/dev/null; return $?; }
    sleep 0.05
  done
  return 124
}

# ---------------------------------------------------------------------------
# 5. PKI and configuration
# ---------------------------------------------------------------------------
# _pki_leaf NAME CN EKU CA : in the current (PKI) directory, NAME.crt/.key/.pem
# with CN and SAN dNSName CN, extended key usage EKU, signed by CA.crt/.key
_pki_leaf() {
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" \
    -subj "/O=umsbc tests/CN=$2" 2>/dev/null
  printf '%s\n' "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=$3" "subjectAltName=DNS:$2" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$4.crt" -CAkey "$4.key" -CAcreateserial \
    -days "${PKI_DAYS:-30}" -sha256 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  cat "$1.crt" "$1.key" >"$1.pem"
  chmod 600 "$1.key" "$1.pem"
  rm -f "$1.csr" "$1.ext"
}

# pki_add DIR NAME [CN] : one more gateway certificate in make_pki's DIR (made
# first if needed), on demand so that the other tests do not pay for it:
# NAME.crt/.key/.pem, CN+SAN CN (default NAME.example.test), EKU
# clientAuth,serverAuth, signed by the test CA (e.g. pki_add "$TD/pki" gw3)
pki_add() {
  local d=$1 n=$2 cn=${3:-$2.example.test}
  [ -s "$d/ca.crt" ] || make_pki "$d"
  [ -s "$d/$n.pem" ] && return 0
  ( cd "$d" && _pki_leaf "$n" "$cn" clientAuth,serverAuth ca &&
    openssl verify -CAfile ca.crt "$n.crt" >/dev/null && [ -s "$n.pem" ] ) ||
    fail "pki_add: openssl failed for $n ($cn) in $d"
}

# make_pki DIR : throw-away test PKI (RSA 2048, SHA-256)
#   ca.crt/.key            "umsbc Test Root CA"            (trusted)
#   gw1 gw2                CN+SAN gwN.example.test          EKU clientAuth,serverAuth
#   sbc                    CN+SAN sbc.example.test          EKU serverAuth,clientAuth
#   stranger               CN+SAN stranger.example.test     (valid CA, not a gateway)
#   rogue-ca.crt, rogue    CN+SAN gw1.example.test signed by a second, untrusted CA
#   NAME.crt NAME.key NAME.pem (= cert + key; keys and pems are mode 0600)
#   validity: PKI_DAYS days (default 30, inside the 30-day expiry warning on purpose)
#   more gateway certificates on demand: pki_add (below)
make_pki() {
  local d=$1
  mkdir -p "$d" || fail "make_pki: cannot create $d"
  (
    set -e
    cd "$d"
    _ca() {   # _ca NAME CN
      openssl req -x509 -newkey rsa:2048 -nodes -days "${PKI_DAYS:-30}" -sha256 -keyout "$1.key" -out "$1.crt" \
        -subj "/O=umsbc tests/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    }
    _leaf() { _pki_leaf "$@"; }
    _ca ca "umsbc Test Root CA"
    _ca rogue-ca "Rogue CA"
    _leaf gw1 gw1.example.test clientAuth,serverAuth ca
    _leaf gw2 gw2.example.test clientAuth,serverAuth ca
    _leaf sbc sbc.example.test serverAuth,clientAuth ca
    _leaf stranger stranger.example.test clientAuth,serverAuth ca
    _leaf rogue gw1.example.test clientAuth,serverAuth rogue-ca
    chmod 600 ca.key rogue-ca.key
    openssl verify -CAfile ca.crt gw1.crt gw2.crt sbc.crt stranger.crt >/dev/null
    ! openssl verify -CAfile ca.crt rogue.crt >/dev/null 2>&1
  ) || fail "make_pki: openssl failed in $d"
}

# Knobs of write_conf (set them before calling it):
#  CONF_UM_SERVERS      the um_servers list entries
#  CONF_DIALPLAN_UMS    the um_servers of both dial plans ('"um1"')
#  CONF_EXTRA_DIALPLANS text appended inside the dialplans list, e.g.
#                       ', { name = "tls"; security = "sip-secured"; ... }'
#  CONF_EXTRA_GATEWAYS  text appended inside the gateways list, e.g.
#                       ', { name = "gw3"; ... }'
#  CONF_NODE_EXTRA, CONF_MAIN_EXTRA, CONF_BRANCH_EXTRA, CONF_GW1_EXTRA,
#  CONF_GW2_EXTRA       settings added inside the node group, the dial
#                       plans main / branch and the gateways gw1 / gw2, e.g.
#                       'max_calls = 2; outbound = { deny = ( "^\\+44" ); };'
#  CONF_GW1_ADDRESSES   gw1's source addresses (default "127.0.0.7"), e.g.
#                       '"127.0.0.7", "127.0.0.1"' for a client that cannot
#                       choose its source address
#  CONF_GW1_DIALPLAN    gw1's dial plan (default "main", secured); e.g. a
#                       sip-secured plan of CONF_EXTRA_DIALPLANS, for calls
#                       over mutual TLS whose media SIPp can send (plain RTP)
# No OPTIONS probes by default: a SIPp UAS run with -m 1 takes an OPTIONS
# that comes before its INVITE for its one call, and then ignores the
# INVITE. t-um-health.sh probes.
CONF_UM_SERVERS='{ name = "um1"; uri = "sip:127.0.0.20:5060;transport=udp"; probe_interval = 0; }'
CONF_DIALPLAN_UMS='"um1"'
CONF_GW1_DIALPLAN=main
CONF_GW1_ADDRESSES='"127.0.0.7"'
CONF_EXTRA_DIALPLANS=
CONF_EXTRA_GATEWAYS=
CONF_NODE_EXTRA=
CONF_MAIN_EXTRA=
CONF_BRANCH_EXTRA=
CONF_GW1_EXTRA=
CONF_GW2_EXTRA=

# write_conf DIR [EXTRA] : DIR/umsbc.conf (the test layout), DIR/certs/sbc.pem,
# DIR/trust/ca.crt; builds DIR/pki first if needed.  EXTRA is appended verbatim
# at the end of the file (extra settings, or garbage for negative tests).
# The file is replaced atomically (rename), ready for a SIGHUP.
write_conf() {
  local d=$1 extra=${2:-}
  [ -s "$d/pki/ca.crt" ] || make_pki "$d/pki"
  mkdir -p "$d/certs" "$d/trust"
  chmod 700 "$d/certs"
  install -m 600 "$d/pki/sbc.pem" "$d/certs/sbc.pem"
  install -m 644 "$d/pki/ca.crt" "$d/trust/ca.crt"
  cat >"$d/umsbc.conf.new" <<EOF
# umsbc.conf -- generated by tests/integration/lib.sh (write_conf)
node = { fqdn = "sbc.example.test"; workers = 1;${CONF_NODE_EXTRA:+ $CONF_NODE_EXTRA} };
listen = (
  { side = "outside"; transport = "udp"; address = "127.0.0.1"; port = 5060; },
  { side = "outside"; transport = "tcp"; address = "127.0.0.1"; port = 5060; },
  { side = "outside"; transport = "tls"; address = "127.0.0.1"; port = 5061; },
  { side = "inside";  transport = "udp"; address = "127.0.0.2"; port = 5060; },
  { side = "inside";  transport = "tcp"; address = "127.0.0.2"; port = 5060; }
);
tls = { cert_store = "$d/certs"; trust_store = "$d/trust"; min_version = "1.2"; handshake_timeout = 5; };
start_secured = 0;
control = { socket = "$d/umsbcd.sock"; };
um_servers = ( $CONF_UM_SERVERS );
dialplans = (
  { name = "main";   security = "secured";   um_servers = ( $CONF_DIALPLAN_UMS );${CONF_MAIN_EXTRA:+ $CONF_MAIN_EXTRA} },
  { name = "branch"; security = "unsecured"; um_servers = ( $CONF_DIALPLAN_UMS );${CONF_BRANCH_EXTRA:+ $CONF_BRANCH_EXTRA} }
  $CONF_EXTRA_DIALPLANS
);
gateways = (
  { name = "gw1"; fqdn = "gw1.example.test"; addresses = ( $CONF_GW1_ADDRESSES ); port = 5061; dialplan = "$CONF_GW1_DIALPLAN";${CONF_GW1_EXTRA:+ $CONF_GW1_EXTRA} },
  { name = "gw2"; fqdn = "gw2.example.test"; addresses = ( "127.0.0.8" ); port = 5060; dialplan = "branch";${CONF_GW2_EXTRA:+ $CONF_GW2_EXTRA} }
  $CONF_EXTRA_GATEWAYS
);
EOF
  [ -n "$extra" ] && printf '%s\n' "$extra" >>"$d/umsbc.conf.new"
  # UMSBC_MEDIA_IO=uring|epoll|auto: the media relay's I/O path (media.io)
  [ -n "${UMSBC_MEDIA_IO:-}" ] &&
    sed -i "s/^media = { /media = { io = \"$UMSBC_MEDIA_IO\"; /" "$d/umsbc.conf.new"
  mv -f "$d/umsbc.conf.new" "$d/umsbc.conf"
}

# media_io_check : umsbcd said (UMS5005) which I/O path its media relay runs,
# and it is UMSBC_MEDIA_IO's when that names one
media_io_check() {
  local l want=${UMSBC_MEDIA_IO:-}
  wait_log "$TD/umsbcd.log" 'UMS5005' 3 0 || fail "no UMS5005 (media relay I/O path) line"
  l=$(grep -a 'UMS5005' "$TD/umsbcd.log" | tail -1)
  case $want in uring|epoll) [[ $l == *"io=$want"* ]] || fail "media.io = $want, but: ${l#*]: }" ;; esac
  ok "media relay: ${l#*media relay: }"
}

# ---------------------------------------------------------------------------
# 6. the daemon
# ---------------------------------------------------------------------------
# start_umsbcd [DIR] : run "$UMSBCD -f -c DIR/umsbc.conf 2>DIR/umsbcd.log" and
# wait (10 s max) for the UMS1005 "ready" line; sets UMSBCD_PID
start_umsbcd() {
  local d=${1:-$TD} i
  [ -x "$UMSBCD" ] || fail "umsbcd binary not found or not executable: $UMSBCD (build it, or set UMSBCD)"
  "$UMSBCD" -f -c "$d/umsbc.conf" >"$d/umsbcd.out" 2>"$d/umsbcd.log" &
  UMSBCD_PID=$!
  track "$UMSBCD_PID"
  for ((i = 0; i < 200; i++)); do
    grep -q 'UMS1005' "$d/umsbcd.log" 2>/dev/null && return 0
    _running "$UMSBCD_PID" || { cat "$d/umsbcd.out" 2>/dev/null; fail "umsbcd exited before UMS1005 ready"; }
    sleep 0.05
  done
  echo "----- full umsbcd.log"; cat "$d/umsbcd.log"
  fail "umsbcd did not log UMS1005 (ready) within 10 s"
}

# assert_alive : the daemon is still running
assert_alive() {
  _running "$UMSBCD_PID" || fail "umsbcd (pid $UMSBCD_PID) is no longer running${1:+ ($1)}"
}

# stop_umsbcd : SIGTERM; expect exit status 0 within 12 s (umsbcd drains the
# transactions in flight first) and UMS1021 logged
stop_umsbcd() {
  local rc
  assert_alive "before SIGTERM"
  kill -TERM "$UMSBCD_PID"
  wait_exit "$UMSBCD_PID" 12
  rc=$?
  [ $rc = 124 ] && fail "umsbcd still running 12 s after SIGTERM"
  [ $rc = 0 ] || fail "umsbcd exit status $rc after SIGTERM (expected 0)"
  grep -q 'UMS1021' "$TD/umsbcd.log" || fail "no UMS1021 (stopped) line after SIGTERM"
  # A sanitizer report that did not change the exit status still fails the test.
  if grep -qE 'Sanitizer|runtime error:' "$TD/umsbcd.log"; then
    grep -E -A20 'Sanitizer|runtime error:' "$TD/umsbcd.log" | head -40
    fail "umsbcd's log holds a sanitizer report"
  fi
  ok "SIGTERM: umsbcd stopped cleanly (exit 0, UMS1021)"
}

# assert_log REGEX WHAT [after_line] [secs] : umsbcd.log gets a matching line
assert_log() {
  wait_log "$TD/umsbcd.log" "$1" "${4:-3}" "${3:-0}" || fail "umsbcd.log: no line matching /$1/ ($2)"
  ok "$2: $(log_since "${3:-0}" | grep -E -- "$1" | tail -n 1 | cut -c1-160)"
}

# ---------------------------------------------------------------------------
# 7. SIPp
# ---------------------------------------------------------------------------
# Every run NAME leaves NAME.msg (-trace_msg), NAME.err (-trace_err) and
# NAME.out (screen) in $TD.
# -aa: SIPp answers OPTIONS outside its scenario (200), as a real UM server
# answers umsbcd's probes (um_servers probe_interval)
_sipp_args() {
  SIPP_ARGS=(-nostdin -aa -trace_msg -message_file "$TD/$1.msg" -trace_err -error_file "$TD/$1.err")
  _SIPP_RUNS+=("$1")
}

# sipp_bg NAME SIPP-ARGS... : start SIPp in the background; pid in SIPP_PID
sipp_bg() {
  local n=$1; shift
  _sipp_args "$n"
  sipp "$@" "${SIPP_ARGS[@]}" >"$TD/$n.out" 2>&1 &
  SIPP_PID=$!
  track "$SIPP_PID"
}

# sipp_fg NAME SECS SIPP-ARGS... : run SIPp in the foreground under a timeout;
# returns SIPp's exit status (0 = all calls successful, 124 = killed by timeout)
sipp_fg() {
  local n=$1 t=$2; shift 2
  _sipp_args "$n"
  timeout -k 2 "$t" sipp "$@" "${SIPP_ARGS[@]}" >"$TD/$n.out" 2>&1
}

# uas_start NAME SCENARIO TRANSPORT(u1|t1) ADDR PORT [more SIPp args] :
# SIPp UAS in the background, waits until it listens; pid in UAS_PID
uas_start() {
  local n=$1 sc=$2 tr=$3 a=$4 p=$5; shift 5
  sipp_bg "$n" -sf "$sc" -t "$tr" -i "$a" -p "$p" -mi "$a" -timeout 40s -timeout_error "$@"
  UAS_PID=$SIPP_PID
  if [ "$tr" = u1 ]; then wait_port udp "$a" "$p" 5; else wait_port tcp "$a" "$p" 5; fi ||
    fail "SIPp UAS $n did not come up on $a:$p"
}

# uas_wait NAME [secs] : wait for the UAS started last to finish (-m 1); fail unless exit 0
uas_wait() {
  local rc
  wait_exit "$UAS_PID" "${2:-10}"
  rc=$?
  [ $rc = 0 ] || fail "SIPp UAS $1 exit status $rc (expected 0; 124 = still running)"
}

# sip_requests LOG [METHOD] : number of SIP requests SIPp logged as *received*
sip_requests() {
  [ -f "$1" ] || { echo 0; return; }
  awk -v m="${2:-[A-Z]+}" '
    /message received/ { rx = 1; next }
    /^-----------/      { rx = 0; next }
    rx && $0 ~ ("^" m " [^ ]+ SIP/2\\.0") { n++; rx = 0 }
    END { print n + 0 }' "$1"
}

# sip_received LOG START-REGEX [N] : print the Nth (default 1st) received
# message whose first line matches START-REGEX (e.g. '^INVITE ', '^SIP/2.0 200')
sip_received() {
  [ -f "$1" ] || return 0
  awk -v re="$2" -v want="${3:-1}" '
    /message received/ { rx = 1; first = 1; next }
    /^-----------/      { rx = 0; if (on) exit; next }
    rx && first && /^[^\r]/ { first = 0; if ($0 ~ re && ++n == want) on = 1 }
    on { sub(/\r$/, ""); print }' "$1"
}

# tls_scen SRC DST : copy a scenario, making its Via/Contact say TLS (SIPp has
# no TLS; stunnel wraps its TCP, but the SIP must describe the real transport)
# The Request-URI/To then name umsbcd (sip:[service]@sbc.example.test), as a
# real gateway would, instead of SIPp's remote address (the local stunnel),
# and the Contact is the gateway's TLS address [local_ip]:5061.
tls_scen() {
  sed -e 's#SIP/2.0/\[transport\]#SIP/2.0/TLS#g' \
    -e 's#\[local_ip\]:\[local_port\];transport=\[transport\]#[local_ip]:5061;transport=tls#g' \
    -e 's#transport=\[transport\]#transport=tls#g' \
    -e 's#sip:\[service\]@\[remote_ip\]:\[remote_port\]#sip:[service]@sbc.example.test#g' "$1" >"$2"
}

# ---------------------------------------------------------------------------
# 8. raw SIP (socat / openssl s_client)
# ---------------------------------------------------------------------------
# crlf : LF -> CRLF filter for hand-written SIP messages
crlf() { sed 's/$/\r/'; }

# sip_req METHOD RURI SRC_IP SRC_PORT TRANSPORT CALLID [HEADER-LINE...] :
# print a minimal, well-formed request (CRLF) without body; extra header lines
# are added before Content-Length
sip_req() {
  local m=$1 u=$2 ip=$3 port=$4 tr=$5 cid=$6 h; shift 6
  {
    echo "$m $u SIP/2.0"
    echo "Via: SIP/2.0/$tr $ip:$port;rport;branch=z9hG4bK-$cid"
    echo "Max-Forwards: 70"
    echo "From: <sip:test@$ip>;tag=t-$cid"
    echo "To: <sip:123@sbc.example.test>"
    echo "Call-ID: $cid"
    echo "CSeq: 1 $m"
    for h in "$@"; do echo "$h"; done
    echo "Content-Length: 0"
    echo
  } | crlf
}

# udp_xchg SRC_IP SRC_PORT DST_IP DST_PORT FILE [secs] : send FILE as one
# datagram from SRC, print whatever comes back within secs (default 2)
udp_xchg() {
  local w=${6:-2}
  timeout 8 socat -t "$w" -T "$w" - "UDP:$3:$4,bind=$1:$2" <"$5" 2>/dev/null
}

# first_status TEXT-FILE : the status code of the first *final* response (>=200)
# found in a file, or nothing
first_status() { grep -aoE '^SIP/2\.0 [2-6][0-9][0-9]' "$1" 2>/dev/null | head -n 1 | cut -d' ' -f2; }

# tls_xchg SRC_IP FILE OUT [CERT-NAME [S_CLIENT-ARGS...]] : connect with
# openssl s_client from SRC_IP to 127.0.0.1:5061 (verifying sbc.example.test,
# aborting if that fails), optionally presenting $TD/pki/CERT-NAME.crt/.key,
# send FILE, keep reading 1.5 s.  What the server sent -> OUT, s_client's
# errors -> OUT.err
tls_xchg() {
  local src=$1 f=$2 out=$3 c=${4:-} certargs=()
  [ -n "$c" ] && certargs=(-cert "$TD/pki/$c.crt" -key "$TD/pki/$c.key")
  shift 3; [ $# -gt 0 ] && shift
  certargs+=("$@")
  { cat "$f"; sleep 1.5; } | timeout 8 openssl s_client -quiet -no_ign_eof -connect 127.0.0.1:5061 \
    -bind "$src:0" -servername sbc.example.test -verify_hostname sbc.example.test -verify_return_error \
    -CAfile "$TD/pki/ca.crt" "${certargs[@]}" >"$out" 2>"$out.err"
}

# ---------------------------------------------------------------------------
# 9. checks on what the peers received (SIPp -trace_msg logs)
# ---------------------------------------------------------------------------
# hdr_values NAME : from a message on stdin, every value of header NAME in
# order (multi-line and comma-separated forms both flattened, one per line)
hdr_values() {
  grep -iE "^($1)[ \t]*:" | sed -E 's/^[^:]*:[ \t]*//' | tr ',' '\n' |
    sed -E 's/^[ \t]+//; s/[ \t]+$//' | grep -v '^$'
}

# check_proxied LOG START-RE TOP-VIA-RE RR-FIRST-RE RR-LAST-RE WHAT :
# the first received message of LOG whose first line matches START-RE exists,
# its topmost Via matches TOP-VIA-RE (umsbcd's own Via) and, if RR-FIRST-RE is
# not empty, its Record-Route set starts with RR-FIRST-RE and ends with
# RR-LAST-RE (umsbcd's double Record-Route)
check_proxied() {
  local log=$1 start=$2 via=$3 rr1=$4 rr2=$5 what=$6 msg v rr
  msg=$(sip_received "$log" "$start")
  [ -n "$msg" ] || fail "$what: no message matching /$start/ received (log ${log#"$TD"/})"
  v=$(printf '%s\n' "$msg" | hdr_values 'Via|v' | head -n 1)
  printf '%s\n' "$v" | grep -qiE -- "$via" || fail "$what: top Via is '$v', expected /$via/"
  if [ -n "$rr1" ]; then
    rr=$(printf '%s\n' "$msg" | hdr_values 'Record-Route')
    [ "$(printf '%s\n' "$rr" | grep -c .)" -ge 2 ] || fail "$what: expected two Record-Route entries, got: $(echo $rr)"
    printf '%s\n' "$rr" | head -n 1 | grep -qiE -- "$rr1" || fail "$what: first Record-Route is '$(printf '%s\n' "$rr" | head -n 1)', expected /$rr1/"
    printf '%s\n' "$rr" | tail -n 1 | grep -qiE -- "$rr2" || fail "$what: last Record-Route is '$(printf '%s\n' "$rr" | tail -n 1)', expected /$rr2/"
    ok "$what: Via '$v'; Record-Route $(echo $rr)"
  else
    ok "$what: Via '$v'"
  fi
}

# run_call LABEL TR UAC-SCEN UAS-SCEN [UAC-ARGS...] : one call from a gateway
# (source $CALL_SRC, default gw2 127.0.0.8) -> umsbcd 127.0.0.1:5060 -> um1
# (127.0.0.20:5060), SIPp on both ends over TR (u1 = UDP, t1 = TCP).
# The UAS (-m 1) and the UAC must both exit 0.  Logs: LABEL-uac.*, LABEL-uas.*
run_call() {
  local l=$1 tr=$2 uac=$3 uas=$4 rc; shift 4
  uas_start "$l-uas" "$SCEN/$uas.xml" "$tr" 127.0.0.20 5060 -m 1 -d 300
  sipp_fg "$l-uac" 20 -sf "$SCEN/$uac.xml" -t "$tr" -s 123 127.0.0.1:5060 \
    -i "${CALL_SRC:-127.0.0.8}" -p 5060 -mi "${CALL_SRC:-127.0.0.8}" -m 1 -d 200 \
    -timeout 15s -timeout_error "$@"
  rc=$?
  [ $rc = 0 ] || fail "$l: SIPp UAC exit status $rc (expected 0 = call completed)"
  uas_wait "$l-uas" 10
  ok "$l: caller and callee scenarios both completed (SIPp exit 0)"
}

# ---------------------------------------------------------------------------
# 10. stunnel and packet capture
# ---------------------------------------------------------------------------
# stunnel_start NAME CONFIG-BODY : write $TD/NAME.stunnel.conf (global part
# added here: foreground, no pid file, debug=info so certificate checks are
# logged), start stunnel, log in $TD/NAME.stunnel.log.  The caller waits for
# the accept port.  Note: stunnel.conf allows no trailing "; comment" after a
# value.
stunnel_start() {
  need stunnel
  { echo "foreground = yes"; echo "pid ="; echo "debug = info"; echo "$2"; } >"$TD/$1.stunnel.conf"
  stunnel "$TD/$1.stunnel.conf" >"$TD/$1.stunnel.log" 2>&1 &
  STUNNEL_PID=$!
  track "$STUNNEL_PID"
}

# gw1_tls_client [ACCEPT] [SOURCE] [CERT] : stunnel playing gw1's TLS stack:
# plain TCP in on ACCEPT (127.0.0.7:15061), mutual TLS out from SOURCE
# (127.0.0.7) to umsbcd 127.0.0.1:5061 presenting $TD/pki/CERT.pem (gw1),
# verifying umsbcd's chain and name sbc.example.test
gw1_tls_client() {
  local acc=${1:-127.0.0.7:15061} src=${2:-127.0.0.7} cert=${3:-gw1}
  stunnel_start gw1-client "[gw1-client]
client = yes
accept = $acc
connect = 127.0.0.1:5061
local = $src
cert = $TD/pki/$cert.pem
CAfile = $TD/pki/ca.crt
verifyChain = yes
checkHost = sbc.example.test
sni = sbc.example.test"
  wait_port tcp "${acc%:*}" "${acc##*:}" 5 || fail "stunnel (gw1 client) did not listen on $acc"
}

# gw1_tls_server [CONNECT-PORT] [CERT] : stunnel playing gw1's TLS server on
# its configured address 127.0.0.7:5061, presenting $TD/pki/CERT.pem (gw1)
# and requiring a client certificate from the test CA (umsbcd's), forwarding
# plain TCP to 127.0.0.7:CONNECT-PORT (5062): the gateway's SIP behind it
gw1_tls_server() {
  local port=${1:-5062} cert=${2:-gw1}
  stunnel_start "gw1-server-$cert" "[gw1-server]
accept = 127.0.0.7:5061
connect = 127.0.0.7:$port
cert = $TD/pki/$cert.pem
CAfile = $TD/pki/ca.crt
verifyChain = yes"
  wait_port tcp 127.0.0.7 5061 5 || fail "stunnel gw1 server did not listen on 127.0.0.7:5061"
}

# capture_start FILTER : dumpcap on lo into $TD/cap.pcap; capture_stop flushes it
capture_start() {
  need dumpcap tshark
  dumpcap -i lo -f "$1" -w "$TD/cap.pcap" -q 2>"$TD/dumpcap.err" &
  CAP_PID=$!
  track "$CAP_PID"
  wait_log "$TD/dumpcap.err" '^File:' 5 || fail "dumpcap did not start: $(cat "$TD/dumpcap.err")"
}
capture_stop() {
  kill -INT "$CAP_PID" 2>/dev/null
  wait_exit "$CAP_PID" 5 >/dev/null
  [ -s "$TD/cap.pcap" ] || fail "no capture file written"
}

# tshark_count DISPLAY-FILTER [tshark args] : number of frames of cap.pcap matching
tshark_count() {
  local f=$1; shift
  tshark -r "$TD/cap.pcap" "$@" -Y "$f" -T fields -e frame.number 2>/dev/null | grep -c .
}
