#!/bin/bash
# t-rfc4475.sh -- the 49 SIP torture messages of RFC 4475, each against a
# fresh umsbcd, over UDP and over TCP, from an admitted gateway (gw2,
# 127.0.0.8, unsecured) to 127.0.0.1:5060.  The UM server (127.0.0.20) is a
# SIPp UAS taking any request (scen/uas_any.xml, -trace_msg).
#
# The messages are tests/integration/rfc4475/NAME.dat, the bytes of the RFC's
# own archive (CRLF, NUL, UTF-8 and binary as they are there), sent unchanged
# with socat: the RFC's Via sent-by hosts are 192.0.2.x, so every answer
# proves it went to the packet's source (UDP) or back on the connection (TCP).
#
# What RFC 4475 says a proxy does with each, and what is asserted:
#   fwd     the UM server received it (its Call-ID in the UM's log) and umsbcd
#           answered nothing itself
#   NNN     umsbcd answered NNN (first final response), nothing was forwarded
#   4xx     any 4xx answer from umsbcd, nothing forwarded
#   none    no answer and nothing forwarded within 1 s (responses without a
#           transaction of ours are dropped; on TCP, an incomplete message
#           waits for the rest of its bytes)
#   a|b     where the RFC leaves the choice (reject, or be liberal and forward)
#
#  msg         RFC       UDP        TCP        what RFC 4475 says (a proxy)
#  wsinv       3.1.1.1   403        403        well formed; forwarded by its Route/Request-URI: here
#                                              an in-dialog request (To tag) whose Route names a host
#                                              that is no UM server -> umsbcd's routing policy: 403
#  intmeth     3.1.1.2   fwd        fwd        well formed (every token character): forwarded
#  esc01       3.1.1.3   fwd        fwd        well formed: forwarded
#  escnull     3.1.1.4   fwd        fwd        well formed: forwarded
#  esc02       3.1.1.5   fwd|501    fwd|501    unknown method: forward or reject
#  lwsdisp     3.1.1.6   fwd        fwd        accepted as well formed
#  longreq     3.1.1.7   fwd        fwd        well formed: forwarded
#  dblreq      3.1.1.8   fwd        fwd        the REGISTER is handled, the INVITE octets after it in
#                                              the datagram are ignored (UDP: asserted never
#                                              forwarded). TCP: the INVITE is a second message on the
#                                              stream, and the 5 bytes its Content-Length leaves out
#                                              are no request line: connection closed, no answer
#  semiuri     3.1.1.9   fwd        fwd        well formed: forwarded
#  transports  3.1.1.10  fwd        fwd        well formed: forwarded
#  mpart01     3.1.1.11  403        403        well formed; its Route names 127.0.0.1:5080, no UM
#                                              server -> umsbcd's routing policy: 403
#  unreason    3.1.1.12  none       none       a well-formed response; no transaction: dropped
#  noreason    3.1.1.13  none       none       likewise
#  badinv01    3.1.2.1   400        400        400 (its Via does not parse: the 400 copies it raw)
#  clerr       3.1.2.2   400        none       UDP 400; a stream waits for the rest of the body
#  ncl         3.1.2.3   4xx        4xx        an error (a stream is then closed)
#  scalar02    3.1.2.4   400        400        400 (CSeq out of range)
#  scalarlg    3.1.2.5   none       none       a response: discarded
#  quotbal     3.1.2.6   400|fwd    400|fwd    400, or infer the quote
#  ltgtruri    3.1.2.7   400        400        400 (or forward without the brackets)
#  lwsruri     3.1.2.8   400        400        400 (no request line sofia-sip reads: raw answer)
#  lwsstart    3.1.2.9   400|fwd    400|fwd    reject, or forward without the extra SPs (asserted)
#  trws        3.1.2.10  400|fwd    400|fwd    likewise
#  escruri     3.1.2.11  400|fwd    400|fwd    400, or forward without the URI's headers (asserted)
#  baddate     3.1.2.12  400|fwd    400|fwd    either is acceptable
#  regbadct    3.1.2.13  400|fwd    400|fwd    400, or infer the angle brackets
#  badaspec    3.1.2.14  400|fwd    400|fwd    400, or ignore the spaces
#  baddn       3.1.2.15  400|fwd    none       400 (a proxy must not pass the error on); the file
#                                              has no empty line after the headers, so a stream
#                                              waits for it
#  badvers     3.1.2.16  505        505        505
#  mismatch01  3.1.2.17  400        400        400
#  mismatch02  3.1.2.18  501|400    501|400    501, 400 acceptable
#  bigcode     3.1.2.19  none       none       a response: dropped
#  badbranch   3.2.1     400|fwd    400|fwd    400, or fall back to RFC 2543 matching
#  insuf       3.3.1     400        400        400 (no Call-ID, From, To)
#  unkscm      3.3.2     416        416        416
#  novelsc     3.3.3     416|404    416|404    416 (or 404)
#  unksm2      3.3.4     fwd        fwd        proxies treat it as any other request
#  bext01      3.3.5     420        420        420, Unsupported: the Proxy-Require tags (asserted)
#  invut       3.3.6     fwd        fwd        a proxy forwards it
#  regaut01    3.3.7     fwd        fwd        a proxy forwards it
#  multi01     3.3.8     400        400        400
#  mcl01       3.3.9     4xx        4xx        an error (a stream is then closed)
#  bcast       3.3.10    none       none       a proxy drops it
#  zeromf      3.3.11    483        483        483 Too Many Hops
#  cparam01    3.3.12    fwd        fwd        a REGISTER for the registrar: forwarded
#  cparam02    3.3.13    fwd        fwd        likewise
#  regescrt    3.3.14    fwd        fwd        likewise
#  sdp01       3.3.15    fwd        fwd        406/400 are the endpoint's to give: forwarded
#  inv2543     3.4.1     fwd        400        RFC 2543 syntax, accepted (UDP); a stream message
#                                              needs a Content-Length (RFC 3261 18.3): 400
#
# Besides: every answer carries the request's Call-ID (when it has one) and
# umsbcd's log says "answered N" exactly when an answer went out; after each
# message umsbcd is alive, a normal call (SIPp, same transport) completes, and
# it stops cleanly (exit 0, no sanitizer report).  RFC4475_ONLY="name ..."
# runs some messages only.
IT_LIMIT=${IT_LIMIT:-300}
. "$(dirname "$0")/lib.sh"
need socat

CORPUS=$IT_DIR/rfc4475
EXPECT="
wsinv 403 403
intmeth fwd fwd
esc01 fwd fwd
escnull fwd fwd
esc02 fwd|501 fwd|501
lwsdisp fwd fwd
longreq fwd fwd
dblreq fwd fwd
semiuri fwd fwd
transports fwd fwd
mpart01 403 403
unreason none none
noreason none none
badinv01 400 400
clerr 400 none
ncl 4xx 4xx
scalar02 400 400
scalarlg none none
quotbal 400|fwd 400|fwd
ltgtruri 400 400
lwsruri 400 400
lwsstart 400|fwd 400|fwd
trws 400|fwd 400|fwd
escruri 400|fwd 400|fwd
baddate 400|fwd 400|fwd
regbadct 400|fwd 400|fwd
badaspec 400|fwd 400|fwd
baddn 400|fwd none
badvers 505 505
mismatch01 400 400
mismatch02 501|400 501|400
bigcode none none
badbranch 400|fwd 400|fwd
insuf 400 400
unkscm 416 416
novelsc 416|404 416|404
unksm2 fwd fwd
bext01 420 420
invut fwd fwd
regaut01 fwd fwd
multi01 400 400
mcl01 4xx 4xx
bcast none none
zeromf 483 483
cparam01 fwd fwd
cparam02 fwd fwd
regescrt fwd fwd
sdp01 fwd fwd
inv2543 fwd 400
"
n=$(printf '%s\n' "$EXPECT" | grep -c .)
[ "$n" = 49 ] || fail "the expectation table has $n messages, not 49"
[ "$(ls "$CORPUS"/*.dat | wc -l)" = 49 ] || fail "$CORPUS does not hold the 49 messages"

write_conf "$TD"
sipp_bg um-uas -sf "$SCEN/uas_any.xml" -t u1 -i 127.0.0.20 -p 5060 -mi 127.0.0.20
UM_PID=$SIPP_PID
wait_port udp 127.0.0.20 5060 5 || fail "the UM SIPp UAS did not come up"
mkdir -p "$TD/logs"

# The Call-ID of a message file (the first one; empty if none)
call_id() {
  grep -aiE '^(call-id|i)[ \t]*:' "$1" | head -n 1 | sed -E 's/^[^:]*:[ \t]*//; s/[ \t\r]+$//'
}

# stop_fast : SIGTERM (a second one if transactions in flight keep it
# draining); exit 0 and no sanitizer report expected, else STOP_WHY says why
stop_fast() {
  local rc=124 i
  STOP_WHY=
  kill -TERM "$UMSBCD_PID" 2>/dev/null
  for ((i = 0; i < 6; i++)); do _running "$UMSBCD_PID" || break; sleep 0.05; done
  _running "$UMSBCD_PID" && kill -TERM "$UMSBCD_PID" 2>/dev/null
  wait_exit "$UMSBCD_PID" 10
  rc=$?
  if [ $rc != 0 ]; then
    STOP_WHY="umsbcd exit status $rc after SIGTERM (expected 0)"
  elif grep -qE 'Sanitizer|runtime error:' "$TD/umsbcd.log"; then
    STOP_WHY="umsbcd's log holds a sanitizer report"
    grep -E -A20 'Sanitizer|runtime error:' "$TD/umsbcd.log" | head -30
  fi
}

CALLS=0
RESULTS=()
# run_one NAME udp|tcp EXPECTATION
run_one() {
  local name=$1 tp=$2 want=$3 f=$CORPUS/$1.dat out=$TD/logs/$1-$2.out cid mark i
  local code= fwd= got alt ok= why= rc to sock
  start_umsbcd "$TD"
  if [ "$tp" = udp ]; then
    wait_port udp 127.0.0.1 5060 5; sock="UDP:127.0.0.1:5060,bind=127.0.0.8:5060"; to=u1
  else
    wait_port tcp 127.0.0.1 5060 5; sock="TCP:127.0.0.1:5060,bind=127.0.0.8"; to=t1
  fi
  cid=$(call_id "$f")
  mark=$(log_mark "$TD/um-uas.msg")
  # STDIO,ignoreeof: the connection stays open after the message (a stream
  # closed right away could lose the answer); killed when done.
  socat -T 5 STDIO,ignoreeof "$sock" <"$f" >"$out" 2>"$out.err" &
  local spid=$!
  track "$spid"
  # Until an answer or the forwarded message shows (2 s); a "none" needs 1 s
  # of nothing.
  # (2xx: the UM's answer, so the forwarded request is in its log too).
  for ((i = 0; i < 40; i++)); do
    code=$(grep -aoE '^SIP/2\.0 [3-6][0-9][0-9]' "$out" | head -n 1 | cut -d' ' -f2)
    [ -n "$cid" ] && log_since "$mark" "$TD/um-uas.msg" | grep -aqF -- "$cid" && fwd=1
    [ -n "$code" ] || [ -n "$fwd" ] && break
    case $want in *none*) [ $i -ge 20 ] && break ;; esac
    sleep 0.05
  done
  # A forwarded request: an answer of umsbcd's own (4xx) would show by now.
  [ -n "$fwd" ] && sleep 0.2 && code=$(grep -aoE '^SIP/2\.0 [3-6][0-9][0-9]' "$out" | head -n 1 | cut -d' ' -f2)
  [ -n "$fwd$code" ] || code=$(first_status "$out")
  kill "$spid" 2>/dev/null
  wait "$spid" 2>/dev/null
  if [ -n "$fwd" ] && [ -n "$code" ]; then got="fwd+$code"
  elif [ -n "$fwd" ]; then got=fwd
  elif [ -n "$code" ]; then got=$code
  else got=none; fi
  for alt in ${want//|/ }; do
    case $alt in
    4xx) [[ $got == 4?? ]] && ok=1 ;;
    *) [ "$got" = "$alt" ] && ok=1 ;;
    esac
  done
  [ -n "$ok" ] || why="expected $want, got $got"
  # What umsbcd logged matches what it did.
  if [ -z "$why" ]; then
    if [[ $got == [1-6]?? ]] && [ "$got" != 403 ]; then	# 403: routing, not a malformed message
      grep -qE "answered $got" "$TD/umsbcd.log" || why="$got received, but no 'answered $got' in the log"
    elif grep -qE 'malformed SIP from peer=[^ ]+ answered [0-9]' "$TD/umsbcd.log"; then
      why="no answer received, but the log says: $(grep -E 'from peer=[^ ]+ answered [0-9]' "$TD/umsbcd.log" | tail -n 1)"
    fi
  fi
  # Every answer carries the request's Call-ID (one Call-ID only).
  if [ -z "$why" ] && [[ $got == [1-6]?? ]] && [ -n "$cid" ] &&
    [ "$(grep -aciE '^(call-id|i)[ \t]*:' "$f")" = 1 ] && ! grep -aqF -- "$cid" "$out"; then
    why="the $got answer does not carry Call-ID $cid"
  fi
  # Message-specific checks.
  case $name-$got in
  badinv01-400) grep -aq '^Via: SIP/2.0/UDP 192.0.2.15;;,;,,' "$out" || why="the 400 lacks the raw Via" ;;
  bext01-420)
    grep -aiE '^Unsupported:' "$out" | grep -q noProxiesSupportThis &&
      grep -aiE '^Unsupported:' "$out" | grep -q norDoAnyProxiesSupportThis &&
      ! grep -aiE '^Unsupported:' "$out" | grep -q nothingSupportsThis ||
      why="420 without 'Unsupported:' listing exactly the Proxy-Require tags: $(grep -aiE '^Unsupported:' "$out" | tr -d '\r')" ;;
  dblreq-fwd)
    [ "$tp" = udp ] && log_since "$mark" "$TD/um-uas.msg" | grep -aq 'dblreq.0ha0isnda977644900765' &&
      why="the INVITE octets after the REGISTER in the datagram were forwarded" ;;
  lwsstart-fwd | trws-fwd)
    log_since "$mark" "$TD/um-uas.msg" | grep -aE '^[A-Z]+ .* SIP/2\.0' | grep -aqE '  |SIP/2\.0[ \t]+\r?$' &&
      why="forwarded with the extra blanks of its request line" ;;
  escruri-fwd)
    log_since "$mark" "$TD/um-uas.msg" | grep -aq '^INVITE [^ ]*?' && why="forwarded with headers in its Request-URI" ;;
  esac
  if ! _running "$UMSBCD_PID"; then
    why="${why:+$why; }umsbcd died"
  else
    CALLS=$((CALLS + 1))
    sipp_fg "call$CALLS" 20 -sf "$SCEN/uac.xml" -t "$to" -s 123 127.0.0.1:5060 -i 127.0.0.8 -p 5060 \
      -mi 127.0.0.8 -m 1 -d 50 -timeout 15s -timeout_error
    rc=$?
    [ $rc = 0 ] || why="${why:+$why; }a normal call after it failed (SIPp exit $rc)"
    stop_fast
    [ -z "$STOP_WHY" ] || why="${why:+$why; }$STOP_WHY"
  fi
  cp "$TD/umsbcd.log" "$TD/logs/$name-$tp.log"
  RESULTS+=("$(printf '%-11s %-4s %-10s %s' "$name" "$tp" "$want" "$got")")
  if [ -n "$why" ]; then
    soft_fail "$name over $tp: $why"
    echo "     sent: $(head -n 1 "$f" | tr -d '\r' | cut -c1-100)"
    echo "     answer: $(grep -aE '^SIP/2\.0 ' "$out" | head -n 2 | tr -d '\r' | tr '\n' ' ')"
    echo "     umsbcd log:"; grep -vE 'UMS1005|UMS1001|UMS1004|UMS1021|UMS1020' "$TD/logs/$name-$tp.log" | tail -n 6 | sed 's/^/       /'
  else
    ok "$name over $tp: $got (expected $want)"
  fi
  if _running "$UMSBCD_PID"; then kill -KILL "$UMSBCD_PID" 2>/dev/null; wait "$UMSBCD_PID" 2>/dev/null; fi
}

for tp in udp tcp; do
  say "RFC 4475 over $tp, one fresh umsbcd per message"
  while read -r name eudp etcp; do
    [ -n "$name" ] || continue
    case " ${RFC4475_ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
    if [ "$tp" = udp ]; then run_one "$name" udp "$eudp"; else run_one "$name" tcp "$etcp"; fi
  done <<<"$EXPECT"
done

echo "== results (message, transport, expected, got)"
printf '   %s\n' "${RESULTS[@]}"
_running "$UM_PID" || fail "the UM SIPp UAS died"
finish
