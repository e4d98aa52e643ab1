# compare-lib.sh -- umsbcd against Kamailio on the same SIPp load, for
# tests/bench/signaling.sh (modes compare, maxrate, mem, conns, perf; see its header).
# Sourced after tests/integration/lib.sh; uses $TD, $SCEN, $BENCH, $HZ, $MAXSOCK.

RATE=${RATE:-2000}
STEP=${STEP_SECONDS:-15}
REPS=${REPS:-2}
FRONTS=${FRONTS:-"udp tcp tls"}
UMS=${UMS:-"udp tcp"}
KAM_SHM=${KAM_SHM:-1024}	# MB of Kamailio shared memory (address space; RSS is what is touched)
LAT=${LAT:-1}			# 0: no packet capture (no latency figures)
# KAM_ARGS: more kamailio options. Default: the TLSF memory managers for shared
# and private memory; with Debian's default (q_malloc, built for debugging)
# Kamailio used 2.6-3 times the CPU per call (345-413 us against 132 us, UDP)
KAM_ARGS=${KAM_ARGS-"-x tlsf -X tlsf"}
GW_UDP=127.0.0.8 GW_TLS=127.0.0.7

cmp_setup() {
	command -v kamailio >/dev/null 2>&1 && [ -e /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ] ||
		fail "Kamailio is needed: apt-get install -y kamailio kamailio-tls-modules"
	need python3 ps socat
	[ "$LAT" = 1 ] && need dumpcap tshark
	make_pki "$TD/pki"
	cat >"$TD/tls.cfg" <<-EOF
	# written by tests/bench/compare-lib.sh: mutual TLS as umsbcd does it
	[server:default]
	method = TLSv1.2+
	verify_certificate = yes
	require_certificate = yes
	certificate = $TD/pki/sbc.crt
	private_key = $TD/pki/sbc.key
	ca_list = $TD/pki/ca.crt

	[client:default]
	method = TLSv1.2+
	verify_certificate = no
	require_certificate = no
	EOF
	cp "$SCEN/uac.xml" "$TD/uac_udp.xml"
	cp "$SCEN/uac.xml" "$TD/uac_tcp.xml"
	tls_scen "$SCEN/uac.xml" "$TD/uac_tls.xml"
	gw1_tls_client			# 127.0.0.7:15061 -> mutual TLS -> 127.0.0.1:5061
	crlf >"$TD/options.txt" <<-EOF
	OPTIONS sip:127.0.0.1 SIP/2.0
	Via: SIP/2.0/UDP $GW_UDP:5999;branch=z9hG4bK-ready
	Max-Forwards: 70
	From: <sip:probe@$GW_UDP>;tag=1
	To: <sip:127.0.0.1>
	Call-ID: ready-probe
	CSeq: 1 OPTIONS
	Content-Length: 0

	EOF
	echo "umsbcd: $UMSBCD ($(file -b "$UMSBCD" | cut -d, -f1)); $(kamailio -v | head -1);" \
		"$(sipp -v 2>&1 | grep -o 'SIPp v[0-9.]*' | head -1); $(nproc) cores; $(date -u '+%F %T UTC');" \
		"load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# umsbcd's configuration for UM transport $1: the test layout, flood limits
# off (one SIPp source sends 6,000 datagrams/s at 2,000 cps), room for
# CONNS connections, no idle time-out during a run
cmp_conf() {
	CONF_UM_SERVERS="{ name = \"um1\"; uri = \"sip:127.0.0.20:5060;transport=$1\"; probe_interval = 0; }"
	write_conf "$TD" 'limits = { udp_rate = 0; connection_rate = 0; };
sip = { idle_timeout = 3600; };'
	sed -i 's/handshake_timeout = 5;/handshake_timeout = 5; max_connections = 30000;/' "$TD/umsbc.conf"
}

# the UM server: SIPp UAS on 127.0.0.20:5060 over $1 (udp|tcp); restarted when
# the transport changes
UAS_TR= UAS_PID=
uas_up() {
	[ "$UAS_TR" = "$1" ] && _running "$UAS_PID" && return 0
	if [ -n "$UAS_PID" ]; then kill -TERM "$UAS_PID" 2>/dev/null; wait_exit "$UAS_PID" 5 >/dev/null; fi
	local t=u1; [ "$1" = tcp ] && t=t1
	sipp -sf "$SCEN/uas.xml" -t $t -i 127.0.0.20 -p 5060 -mi 127.0.0.20 -nostdin -aa \
		-max_socket $MAXSOCK -timeout 36000 >"$TD/uas-$1.out" 2>&1 &
	UAS_PID=$!
	track $UAS_PID
	UAS_TR=$1
	wait_port "$1" 127.0.0.20 5060 5 || fail "UAS ($1) did not start"
}

# srv_start umsbcd|kamailio UM-TRANSPORT : SRV_PID; ready when it answers an
# OPTIONS on the outside UDP port (any response: a worker runs)
SRV_PID=
srv_start() {
	local srv=$1 tr=$2 i
	if [ "$srv" = umsbcd ]; then
		cmp_conf "$tr"
		start_umsbcd "$TD"
		SRV_PID=$UMSBCD_PID
	else
		: >"$TD/kamailio.log"
		kamailio -f "$BENCH/kamailio.cfg" -DD -E -m "$KAM_SHM" -M 16 -w "$TD" \
			-A "UM_URI=\"sip:127.0.0.20:5060;transport=$tr\"" -A "UM_SOCK=\"$tr:127.0.0.2:5060\"" \
			-A "TLS_CFG=\"$TD/tls.cfg\"" -A "TCP_CHILDREN=${KAM_TCP_CHILDREN:-2}" $KAM_ARGS >"$TD/kamailio.log" 2>&1 &
		SRV_PID=$!
		track $SRV_PID
		wait_port tcp 127.0.0.1 5061 10 && wait_port udp 127.0.0.2 5060 5 ||
			{ tail -20 "$TD/kamailio.log"; fail "kamailio did not start"; }
	fi
	for ((i = 0; i < 100; i++)); do
		udp_xchg "$GW_UDP" 5999 127.0.0.1 5060 "$TD/options.txt" 0.2 | grep -q '^SIP/2.0 [1-6]' && return 0
		_running "$SRV_PID" || break
	done
	tail -20 "$TD/$srv.log"
	fail "$srv does not answer OPTIONS"
}
srv_stop() {
	# Kamailio 5.6.3 + OpenSSL 3 can lose a TLS worker to a double free
	# (kamailio#3791) when more than one worker handles TLS: say so
	[ -s "$TD/kamailio.log" ] && grep -a 'exited by a signal' "$TD/kamailio.log" | sed 's/^/   kamailio CRASHED: /'
	kill -TERM "$SRV_PID" 2>/dev/null
	wait_exit "$SRV_PID" 20 >/dev/null
	[ $? = 124 ] && { kill -KILL "$SRV_PID"; wait_exit "$SRV_PID" 5 >/dev/null; }
	SRV_PID=
}

# udp_counters : the namespace's UDP counters (/proc/net/snmp), "name value" lines
udp_counters() {
	awk '$1 == "Udp:" { if (!n++) for (i = 2; i <= NF; i++) k[i] = $i; else for (i = 2; i <= NF; i++) print k[i], $i }' /proc/net/snmp
}

# udp_drops BEFORE : the UDP datagrams the namespace lost since the
# udp_counters snapshot in file BEFORE (receive or send buffer full,
# checksum), if any
udp_drops() {
	udp_counters | awk 'NR == FNR { d[$1] = $2; next }
		$1 ~ /Errors$/ && $2 - d[$1] > 0 { printf " %s %d", $1, $2 - d[$1] }' "$1" -
}

# tree_pids PID : PID and all its descendants (Kamailio forks its workers)
tree_pids() {
	ps -e -o pid=,ppid= | awk -v r="$1" '{ pp[$1] = $2 } END {
		in_[r] = 1; do { n = 0; for (p in pp) if (!(p in in_) && (pp[p] in in_)) { in_[p] = 1; n++ } } while (n)
		for (p in in_) print p }'
}
# tree_ticks PID : utime+stime of PID and its descendants (each process once;
# a process's threads are already in its /proc/PID/stat)
tree_ticks() {
	local p
	for p in $(tree_pids "$1"); do sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null; done |
		awk '{ s += $12 + $13 } END { print s + 0 }'
}
# tree_mem PID : "HWM RSS PSS" in KiB summed over PID and its descendants
# (RSS and HWM count Kamailio's shared memory once per process; PSS shares it out)
tree_mem() {
	local p
	for p in $(tree_pids "$1"); do
		awk '/^VmHWM/ { h = $2 } /^VmRSS/ { r = $2 } END { printf "%d %d ", h, r }' "/proc/$p/status" 2>/dev/null
		awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null
	done | awk 'NF == 3 { h += $1; r += $2; s += $3 } END { print h + 0, r + 0, s + 0 }'
}

# BPF: UDP datagrams whose payload starts "INVITE" or "SIP/2.0 100 ", and
# every TCP segment with a payload: a server that writes all of a loop
# turn in one segment puts 100s and INVITEs inside it, not only first
TCPOFF='((tcp[12:1] & 0xf0) >> 2)'
LAT_BPF=${LAT_BPF:-"(udp and (udp[8:4] = 0x494e5649 or (udp[8:4] = 0x5349502f and udp[16:4] = 0x31303020))) or
 (tcp and ip[2:2] - ((ip[0] & 0x0f) << 2) - $TCPOFF > 0)"}

# lat_start / lat_stop : dumpcap on lo (pcap format) into $TD/lat.pcap;
# lat_figures: "p50_100 p99_100 p50_fwd p99_fwd n_100 n_fwd" in us
# (tests/bench/sip-latency.py: tshark took minutes per step)
lat_start() {
	dumpcap -i lo -P -f "$LAT_BPF" -w "$TD/lat.pcap" -q 2>"$TD/dumpcap.err" &
	LAT_PID=$!
	track $LAT_PID
	wait_log "$TD/dumpcap.err" '^File:' 5 || fail "dumpcap did not start: $(cat "$TD/dumpcap.err")"
}
lat_stop() {
	kill -INT "$LAT_PID" 2>/dev/null
	wait_exit "$LAT_PID" 10 >/dev/null
	python3 "$BENCH/sip-latency.py" "$TD/lat.pcap" 127.0.0.20
}

# uac_args FRONT [PORT] : UAC=(the gateway's SIPp arguments for FRONT; on
# the udp and tcp fronts from local PORT, default 5060)
uac_args() {
	local p=${2:-5060}
	case $1 in
	udp) UAC=(-sf "$TD/uac_udp.xml" 127.0.0.1:5060 -t u1 -i $GW_UDP -p "$p" -mi $GW_UDP) ;;
	tcp) UAC=(-sf "$TD/uac_tcp.xml" 127.0.0.1:5060 -t t1 -i $GW_UDP -p "$p" -mi $GW_UDP) ;;
	tls) UAC=(-sf "$TD/uac_tls.xml" 127.0.0.7:15061 -t t1 -i $GW_TLS -p 5070 -mi $GW_TLS) ;;
	esac
	UAC+=(-s 123 -nostdin -max_socket $MAXSOCK)
}

# uac_run FRONT CALLS OUT : the gateway's side of a step, RATE cps. UACS
# (default 1) SIPp processes share the calls on the udp and tcp fronts,
# each from its own port of the gateway's address (OUT.0, OUT.1, ...): at
# 4,000-5,000 cps a lone SIPp UAC now and then leaves a call unanswered
# whose 200 the server had sent and no kernel counter shows dropped (see
# docs/BENCHMARKS.md, "Stop 24"), with Kamailio as with umsbcd.
uac_run() {
	local front=$1 total=$2 out=$3 n=${UACS:-1} i m pids=""
	[ "$front" = tls ] && n=1
	rm -f "$out".*
	for ((i = 0; i < n; i++)); do
		uac_args "$front" $((5060 + 2 * i))
		m=$((total / n + (i < total % n ? 1 : 0)))
		timeout $((STEP * 4 + 30)) sipp "${UAC[@]}" -r "$(awk -v r="$RATE" -v n="$n" 'BEGIN { print r / n }')" \
			-m "$m" -l $((RATE * 3)) -d 1000 -timeout $((STEP * 4 + 20)) >"$out.$i" 2>&1 &
		pids="$pids $!"
	done
	wait $pids
}

# uac_ok OUT : the calls uac_run's SIPps completed
uac_ok() {
	local f sum=0 ok
	for f in "$1".*; do
		ok=$(grep -a 'Successful call' "$f" | tail -1 | awk -F'|' '{print $3+0}')
		sum=$((sum + ${ok:-0}))
	done
	echo "$sum"
}

# cmp_step SERVER FRONT UM REP : one step; appends a line to $TD/results
cmp_step() {
	local srv=$1 front=$2 um=$3 rep=$4 total=$((RATE * STEP)) out=$TD/uac-$1-$2-$3-$4.out
	local c0 c1 t0 t1 ok fl lat mem
	local tlslat=""
	uas_up "$um"
	# umsbcd on the TLS front: its key log, to time messages at its own
	# socket too (tls_socket_lat), not only on stunnel's plain side
	if [ "$srv" = umsbcd ] && [ "$front" = tls ] && [ "$LAT" = 1 ] && [ "${TLS_SOCKET_LAT:-1}" = 1 ]; then
		rm -f "$TD/keys.log"
		SSLKEYLOGFILE=$TD/keys.log srv_start "$srv" "$um"
	else
		srv_start "$srv" "$um"
	fi
	[ "$LAT" = 1 ] && lat_start
	udp_counters >"$TD/udp0"
	c0=$(tree_ticks "$SRV_PID"); t0=$(now_ms)
	uac_run "$front" "$total" "$out"
	t1=$(now_ms); c1=$(tree_ticks "$SRV_PID")
	mem=$(tree_mem "$SRV_PID")
	local drops
	drops=$(udp_drops "$TD/udp0")
	lat="- - - - 0 0"
	if [ "$LAT" = 1 ]; then
		lat=$(lat_stop)
		[ -s "$TD/keys.log" ] && tlslat=$(tls_socket_lat)
		rm -f "$TD/keys.log"
		if [ "${KEEP_PCAP:-0}" = 1 ]; then mv "$TD/lat.pcap" "$TD/lat-$srv-$front-$um-$rep.pcap"; else rm -f "$TD/lat.pcap"; fi
	fi
	srv_stop
	ok=$(uac_ok "$out")
	fl=$((total - ok))	# calls never completed count as failed too
	local cpu_us=$(( (c1 - c0) * 1000000 / HZ / (ok > 0 ? ok : 1) ))
	# the machine's load: /proc/stat is no help in this sandbox (its idle
	# counter stands still, its busy jiffies undercount what the processes
	# themselves report), the 1-minute load average is
	local load
	load=$(cut -d' ' -f1 /proc/loadavg)
	set -- $lat
	printf '%-8s %-4s %-3s %3s %6d %6d %6d %6d %8s %6s %6s %6s %6s %6s %9s %9s %6s %6s\n' "$srv" "$front" "$um" "$rep" \
		"$RATE" "$total" "$ok" "$fl" "$cpu_us" "$1" "$2" "$3" "$4" "$5" "${mem%% *}" "${mem##* }" "$load" \
		"$(((t1 - t0) / 1000))s" | tee -a "$TD/results"
	[ -n "$tlslat" ] && set -- $tlslat &&
		printf '%-8s %-4s %-3s %3s   at umsbcd'"'"'s own TLS socket: 100p50 %s 100p99 %s fwdp50 %s fwdp99 %s (n %s)\n' \
			"$srv" "$front" "$um" "$rep" "$1" "$2" "$3" "$4" "$5"
	[ -n "$drops" ] && printf '%-8s %-4s %-3s %3s   UDP datagrams lost:%s\n' \
		"$srv" "$front" "$um" "$rep" "$drops"
	return 0
}

# tls_socket_lat : "p50_100 p99_100 p50_fwd p99_fwd n_100 n_fwd" with the
# gateway's INVITE and umsbcd's 100 timed on port 5061 itself: tshark
# decrypts the capture's port-5061 frames with umsbcd's key log
# (SSLKEYLOGFILE). On the TLS front the plain side is SIPp <-> stunnel, so
# lat_figures hold stunnel's work both ways; these do not. About a minute
# of tshark per step.
tls_socket_lat() {
	tshark -r "$TD/lat.pcap" -2 -R 'tcp.port == 5061' -w "$TD/tls.pcap" >/dev/null 2>&1 &&
		tshark -r "$TD/tls.pcap" -o "tls.keylog_file:$TD/keys.log" -Y sip -T fields -E separator='|' \
			-e frame.time_epoch -e tcp.dstport -e sip.Call-ID -e sip.Method -e sip.Status-Code \
			>"$TD/tls.txt" 2>/dev/null &&
		python3 "$BENCH/sip-latency.py" "$TD/lat.pcap" 127.0.0.20 --tls "$TD/tls.txt"
	rm -f "$TD/tls.pcap" "$TD/tls.txt"
}

cmp_header() {
	printf '%-8s %-4s %-3s %3s %6s %6s %6s %6s %8s %6s %6s %6s %6s %6s %9s %9s %6s %6s\n' server front um rep \
		cps calls ok failed "us/call" "100p50" "100p99" "fwdp50" "fwdp99" nlat "hwm_kib" "pss_kib" load1 time
}

cmp_run() {
	local front um rep
	echo "compare: $RATE cps x ${STEP} s per step, calls held 1 s, REPS=$REPS, umsbcd node.workers=1," \
		"Kamailio children=2 tcp_children=2 (-m $KAM_SHM $KAM_ARGS); latency in us; load1 = load average at the end of the step"
	cmp_header
	: >"$TD/results"
	for front in $FRONTS; do
		for um in $UMS; do
			for ((rep = 1; rep <= REPS; rep++)); do
				cmp_step umsbcd "$front" "$um" "$rep"
				cmp_step kamailio "$front" "$um" "$rep"
			done
		done
	done
	echo "ratios umsbcd/Kamailio (mean of the reps; CPU per completed call; [min-max] of each):"
	awk '{ k = $2 " " $3; s = $1; n[s, k]++; cpu[s, k] += $9; f[s, k] += $8; c[s, k] += $6
		if (!((s, k) in lo) || $9 < lo[s, k]) lo[s, k] = $9; if ($9 > hi[s, k]) hi[s, k] = $9
		if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
		END { for (i = 1; i <= m; i++) { k = order[i]; u = cpu["umsbcd", k] / n["umsbcd", k]; K = cpu["kamailio", k] / n["kamailio", k]
			printf "  front %-4s um %-3s  umsbcd %4.0f us [%d-%d] failed %d of %d   kamailio %4.0f us [%d-%d] failed %d of %d   ratio %.2f\n",
				substr(k, 1, index(k, " ") - 1), substr(k, index(k, " ") + 1), u, lo["umsbcd", k], hi["umsbcd", k],
				f["umsbcd", k], c["umsbcd", k], K, lo["kamailio", k], hi["kamailio", k], f["kamailio", k], c["kamailio", k], u / K } }' \
		"$TD/results"
	echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# ab_run : two umsbcd binaries, UMSBCD (A) and UMSBCD_B (B), on one cell
# (AB_FRONT, default udp; AB_UM, default udp), AB_PAIRS (default 6) pairs of
# steps, the order turned round every pair (A B, B A, ...) so that a machine
# that slows down or speeds up over minutes weighs on both alike. Without
# Kamailio: this is for telling whether a change to umsbcd helps, where two
# compare runs differ by more than the change. Prints each step and, per
# pair, B's CPU per call over A's; then their median and range.
ab_run() {
	local front=${AB_FRONT:-udp} um=${AB_UM:-udp} pairs=${AB_PAIRS:-6} i w a=$UMSBCD b=$UMSBCD_B
	[ -x "$b" ] || fail "ab: UMSBCD_B (the binary to set against UMSBCD) is not executable: '$b'"
	echo "ab: A = $a, B = $b; front $front, UM server $um, $pairs pairs of $RATE cps x ${STEP} s steps"
	cmp_header
	: >"$TD/results"
	for ((i = 1; i <= pairs; i++)); do
		for w in $( ((i % 2)) && echo "A B" || echo "B A"); do
			UMSBCD=$([ "$w" = A ] && echo "$a" || echo "$b")
			cmp_step umsbcd "$front" "$um" "$i$w"
		done
	done
	UMSBCD=$a
	awk '{ r = $4; w = substr(r, length(r)); p = substr(r, 1, length(r) - 1); cpu[p, w] = $9; n[p] = 1 }
		END { k = 0; for (p in n) if ((p, "A") in cpu && (p, "B") in cpu && cpu[p, "A"] > 0) { q[++k] = cpu[p, "B"] / cpu[p, "A"]; sa += cpu[p, "A"]; sb += cpu[p, "B"] }
			if (!k) { print "ab: no pair measured"; exit }
			for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (q[j] < q[i]) { t = q[i]; q[i] = q[j]; q[j] = t }
			med = k % 2 ? q[(k + 1) / 2] : (q[k / 2] + q[k / 2 + 1]) / 2
			printf "ab: B/A CPU per call, median of %d pairs %.3f [%.3f-%.3f]; means A %.1f us, B %.1f us\n", k, med, q[1], q[k], sa / k, sb / k }' \
		"$TD/results"
}

# maxrate_run : the highest clean rate of umsbcd and of Kamailio on each
# front in FRONTS (UM server over MAXRATE_UM, default udp): the rates of
# RATES in turn, one fresh step each, until a step fails >= 0.1 % of its
# calls or needs more than 1.5 x its time. No packet capture (MAXRATE_LAT=1
# for one). Both meet the same SIPp (and stunnel) on the same two cores, so
# the figure is the pair's, not a server's own limit.
maxrate_run() {
	local front srv rate best ok total secs um=${MAXRATE_UM:-udp} LAT=${MAXRATE_LAT:-0}
	local rates=${RATES:-"2000 3000 4000 5000 6000 7000 8000"}
	UACS=${UACS:-2}
	echo "maxrate: rates $rates, ${STEP} s per step, calls held 1 s, UM server over $um, $UACS SIPp UACs on the udp and tcp fronts"
	cmp_header
	: >"$TD/results"
	for front in $FRONTS; do
		for srv in umsbcd kamailio; do
			best=0
			for rate in $rates; do
				RATE=$rate cmp_step "$srv" "$front" "$um" 1 >/dev/null
				set -- $(tail -n 1 "$TD/results")
				cat <<<"$*"
				total=$6 ok=$7 secs=${18%s}
				[ $((ok * 1000)) -ge $((total * 999)) ] && [ "$secs" -le $((STEP * 3 / 2 + 3)) ] || break
				best=$rate
			done
			echo "RESULT maxrate $srv front $front um $um: highest clean rate $best cps"
		done
	done
}

# mem_run : RSS per call in progress, UDP front and UM server
mem_run() {
	local cps=${MEM_CPS:-200} hold=${MEM_HOLD:-60} srv idle plat cur i col st
	uas_up udp
	echo "mem: $cps calls/s held $hold s (UDP front, UM server over UDP); RSS/PSS in KiB summed over the server's processes"
	printf '%-8s %9s %9s %9s %9s %8s %10s %10s\n' server idle_rss idle_pss plat_rss plat_pss calls "rss/call" "pss/call"
	for srv in ${MEM_SERVERS:-umsbcd kamailio}; do
		srv_start "$srv" udp
		idle=$(tree_mem "$SRV_PID")
		rm -f "$TD/mem-$srv.csv"
		uac_args udp
		timeout $((hold * 2 + 60)) sipp "${UAC[@]}" -r "$cps" -m $((cps * (hold + 30))) \
			-l $((cps * (hold + 10))) -d $((hold * 1000)) -timeout $((hold * 2 + 50)) \
			-trace_stat -fd 1 -stf "$TD/mem-$srv.csv" >"$TD/mem-$srv.out" 2>&1 &
		local upid=$!
		track $upid
		# the plateau: SIPp's CurrentCall reaches 98 % of cps * hold
		cur=0
		for ((i = 0; i < (hold + 30) * 10; i++)); do
			cur=$(awk -F';' 'NR == 1 { for (j = 1; j <= NF; j++) if ($j == "CurrentCall") col = j; next }
				{ v = $col } END { print v + 0 }' "$TD/mem-$srv.csv" 2>/dev/null)
			[ "${cur:-0}" -ge $((cps * hold * 98 / 100)) ] && break
			_running $upid || break
			sleep 0.1
		done
		plat=$(tree_mem "$SRV_PID")
		kill -TERM $upid 2>/dev/null; wait_exit $upid 10 >/dev/null
		srv_stop
		set -- $idle $plat
		printf '%-8s %9d %9d %9d %9d %8d %10.1f %10.1f\n' "$srv" "$2" "$3" "$5" "$6" "$cur" \
			"$(awk -v a="$2" -v b="$5" -v n="$cur" 'BEGIN { print (b - a) / (n ? n : 1) }')" \
			"$(awk -v a="$3" -v b="$6" -v n="$cur" 'BEGIN { print (b - a) / (n ? n : 1) }')"
	done
}

# conns_run : CONNS idle mutual-TLS connections from gw1's address
conns_run() {
	local n=${CONNS:-10000} srv idle held last stall hp t0 t1 m res
	uas_up udp
	echo "conns: $n idle mutual-TLS connections from 127.0.0.7 (gw1's certificate, tests/integration/connhold.py)"
	for srv in ${CONNS_SERVERS:-umsbcd kamailio}; do
		KAM_TCP_CHILDREN=${CONNS_KAM_TCP_CHILDREN:-1} srv_start "$srv" udp
		idle=$(tree_mem "$SRV_PID")
		t0=$(now_ms)
		python3 "$IT_DIR/connhold.py" --target 127.0.0.1:5061 --src $GW_TLS --count "$n" --hold 7200 --tls \
			--cert "$TD/pki/gw1.crt" --key "$TD/pki/gw1.key" --ca "$TD/pki/ca.crt" >"$TD/conns-$srv.txt" 2>&1 &
		hp=$!
		track $hp
		# until all are established, or no progress for 30 s
		last=-1 stall=0
		while :; do
			held=$(ss -Htn state established '( sport = :5061 )' | wc -l)
			[ "$held" -ge "$n" ] && break
			_running $hp || break
			if [ "$held" = "$last" ]; then stall=$((stall + 1)); [ $stall -ge 300 ] && break; else stall=0; fi
			last=$held
			sleep 0.1
		done
		t1=$(now_ms)
		m=$(tree_mem "$SRV_PID")
		set -- $idle $m
		echo "$srv: $held of $n established in $(((t1 - t0) / 1000)) s; RSS $2 -> $5 KiB, PSS $3 -> $6 KiB:" \
			"$(awk -v a="$2" -v b="$5" -v c="$3" -v d="$6" -v k="$held" 'BEGIN { printf "%.1f KiB RSS, %.1f KiB PSS per connection", (b - a) / k, (d - c) / k }')"
		if [ "$srv" = umsbcd ]; then
			m=$(log_mark)
			t0=$(now_ms)
			kill -HUP "$SRV_PID"
			if wait_log "$TD/umsbcd.log" 'UMS1010' 120 "$m"; then
				t1=$(now_ms)
				echo "umsbcd: SIGHUP -> UMS1010 in $((t1 - t0)) ms with $held connections:" \
					"$(log_since "$m" | grep -a UMS1010 | head -1 | cut -c1-160)"
			else
				echo "umsbcd: no UMS1010 within 120 s of SIGHUP"
			fi
			echo "umsbcd: $(ss -Htn state established '( sport = :5061 )' | wc -l) established after the reload"
		fi
		kill -TERM $hp 2>/dev/null; wait_exit $hp 60 >/dev/null
		res=$(tr '\n' ' ' <"$TD/conns-$srv.txt")
		echo "$srv: connhold: $res"
		srv_stop
	done
}

# perf_run : where umsbcd's time goes, PERF_FRONT (udp) at RATE
perf_run() {
	local um=${PERF_UM:-tcp} front=${PERF_FRONT:-udp} ppid
	need perf
	uas_up "$um"
	srv_start umsbcd "$um"
	if [ "${PERF_SYSCALLS:-0}" = 1 ]; then	# system calls per thread instead of a profile
		perf trace -s -p "$SRV_PID" -o "$TD/perf.out" >/dev/null 2>&1 &
	else
		perf record -e cpu-clock --call-graph "${PERF_CG:-fp}" -p "$SRV_PID" -o "$TD/perf.data" >"$TD/perf.out" 2>&1 &
	fi
	ppid=$!
	track $ppid
	uac_args "$front"
	timeout $((STEP * 4 + 30)) sipp "${UAC[@]}" -r "$RATE" -m $((RATE * STEP)) -l $((RATE * 3)) -d 1000 \
		-timeout $((STEP * 4 + 20)) >"$TD/uac-perf.out" 2>&1
	kill -INT $ppid; wait_exit $ppid 60 >/dev/null
	srv_stop
	echo "perf: umsbcd, $front front, UM server over $um, $RATE cps x $STEP s: $(grep -a 'Successful call' "$TD/uac-perf.out" | tail -1 | awk -F'|' '{print $3+0}') calls"
	if [ "${PERF_SYSCALLS:-0}" = 1 ]; then
		echo "--- system calls (perf trace -s), per thread"
		grep -E '^ [a-z].*\(|^ +[a-z_0-9]+ +[0-9]+ ' "$TD/perf.out" | head -60
		return
	fi
	echo "--- by DSO (self)"
	perf report -i "$TD/perf.data" --stdio --no-children --sort dso 2>/dev/null | grep -E '^ +[0-9]' | head -12
	echo "--- top symbols (self)"
	perf report -i "$TD/perf.data" --stdio --no-children --sort dso,sym 2>/dev/null | grep -E '^ +[0-9]' | head -${PERF_TOP:-40}
	cp "$TD/perf.data" "${PERF_OUT:-/tmp/umsbcd-perf.data}" 2>/dev/null && echo "(perf.data copied to ${PERF_OUT:-/tmp/umsbcd-perf.data})"
}
