# baresip.sh -- baresip 1.0 as a SIP peer (gateway or legacy UM server) for
# the integration tests and contrib/demo.sh. Source it after lib.sh.
#
# baresip sends RTP from an unbound socket and opens TCP/TLS without binding,
# whatever its SDP and Via say; route_src makes the kernel pick the address
# it claims (inside the private network namespace only). -t N and SIGTERM
# are graceful (it may wait for SIP transactions): bs_stop KILLs if needed.

BS_MODULES=/usr/lib/baresip/modules
[ -e "$BS_MODULES/srtp.so" ] && [ -e "$BS_MODULES/sndfile.so" ] ||
  fail "baresip modules srtp.so/sndfile.so not found in $BS_MODULES (apt-get install baresip)"

# route_src DEST SRC : unbound sockets sending to DEST (a local address) use
# SRC as their source address
route_src() {
  ip route replace local "$1" dev lo table local scope host src "$2" ||
    fail "cannot set the source address for $1 to $2"
}

# bs_config DIR LISTEN AUDIO-SOURCE RTP-PORTS CERT ACCOUNT-LINE :
# a headless baresip config in DIR: SIP on LISTEN (UDP+TCP, TLS on port+1
# when CERT is set), net_interface = LISTEN's address, audio from
# AUDIO-SOURCE, ALSA's null device as player, sndfile.so dumping the
# encoded/decoded audio into DIR, SRTP available, G.711 only
bs_config() {
  local d=$1 listen=$2 src=$3 ports=$4 cert=$5 acc=$6
  mkdir -p "$d"
  {
    echo "poll_method		epoll"
    echo "sip_listen		$listen"
    [ -n "$cert" ] && echo "sip_certificate		$cert"
    echo "sip_cafile		$TD/pki/ca.crt"
    echo "net_interface		${listen%:*}"
    echo "audio_player		alsa,null"
    echo "audio_alert		alsa,null"
    echo "audio_source		$src"
    echo "snd_path		$d"
    echo "rtp_ports		$ports"
    echo "module_path		$BS_MODULES"
    for m in g711 aufile alsa srtp sndfile; do echo "module			$m.so"; done
    echo "module_tmp		account.so"
    echo "module_app		menu.so"
  } >"$d/config"
  echo "$acc" >"$d/accounts"
  : >"$d/contacts"
}

# bs_start DIR [COMMAND] : baresip -f DIR in the background (SIP trace on,
# log DIR/log, at most 30 s), optionally running COMMAND ('/dial ...') once
# ready; pid in BS_PID.  No stdio.so: commands are given with -e.
bs_start() {
  local d=$1 cmd=(); [ -n "${2:-}" ] && cmd=(-e "$2")
  baresip -f "$d" -4 -s -t 30 "${cmd[@]}" </dev/null >"$d/log" 2>&1 &
  BS_PID=$!
  track "$BS_PID"
}

# bs_log DIR : the log without colour codes
bs_log() { sed 's/\x1b\[[0-9;]*m//g' "$1/log" 2>/dev/null; }

# bs_stop PID : TERM, KILL after 3 s
bs_stop() {
  kill -TERM "$1" 2>/dev/null
  wait_exit "$1" 3 >/dev/null || { kill -KILL "$1" 2>/dev/null; wait_exit "$1" 2 >/dev/null; }
  return 0
}

# bs_sip_in DIR FROM-RE START-RE : from baresip's SIP trace, the first
# message received from an address matching FROM-RE ('IP:PORT') whose first
# line matches START-RE, with its body
bs_sip_in() {
  bs_log "$1" | FROM=$2 RE=$3 awk '
    /^(UDP|TCP|TLS) [0-9.:]+ -> [0-9.:]+/ { hdr = 1; on = 0; first = ($2 ~ ("^" ENVIRON["FROM"] "$")); next }
    hdr { hdr = 0; if (first && $0 ~ ENVIRON["RE"] && !done) { on = 1; done = 1 } else on = 0 }
    on && /^#/ { on = 0 }
    on { sub(/\r$/, ""); print }'
}
