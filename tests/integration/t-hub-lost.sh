#!/bin/bash
# t-hub-lost.sh -- the Hub lost in mid-DATA (issue 12, Faults): the UM server
# gets a 4xx, nothing is delivered, and its retry is delivered exactly once.
#
#   um1 (smtpclient.py below, 127.0.0.20) -> umsbcd relay 127.0.0.5:25
#   ==STARTTLS, mutual TLS==> socat 127.0.0.1:2530 (one connection) -> Postfix 127.0.0.1:2525
#
# The client sends 2.1 MB of DATA in 1000-byte lines; after 1 MB it kills the
# socat that carries umsbcd's Hub session (the Hub is gone mid-message), then
# sends the rest and the final dot. Expected: the client's final answer is a
# 4xx (or the relay closes after a 4xx), never 250; UMS4002 logged; the Hub's
# Maildir has nothing new. Then a new socat, the same message again: 250 and
# exactly one copy of its Message-ID in the Maildir.
IT_LIMIT=${IT_LIMIT:-120}
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/hub/hub-lib.sh"
need socat python3

hub_cert
hub_start_postfix
write_conf "$TD" "$(hub_conf_text 2530)"
start_umsbcd "$TD"
wait_port tcp 127.0.0.5 25 5 || fail "relay not listening on 127.0.0.5:25"

# proxy_start : one socat carrying one Hub session 127.0.0.1:2530 -> 2525
proxy_start() {
  socat TCP-LISTEN:2530,bind=127.0.0.1,reuseaddr TCP:127.0.0.1:2525 &
  PROXY=$!
  track $PROXY
  wait_port tcp 127.0.0.1 2530 5 || fail "socat did not listen on 127.0.0.1:2530"
}

cat >"$TD/smtpclient.py" <<'EOF'
# smtpclient.py MSGID KILL-PID|0 : one message of 2 MB to the relay, as um1;
# kills KILL-PID after 1 MB of DATA; prints every server reply line
import os, signal, socket, sys
msgid, victim = sys.argv[1], int(sys.argv[2])
s = socket.create_connection(("127.0.0.5", 25), source_address=("127.0.0.20", 0), timeout=30)
f = s.makefile("rb")
def reply():
    while True:
        line = f.readline().decode("latin-1")
        print("<- " + line.rstrip(), flush=True)
        if not line or line[3:4] != "-":
            return line[:3]
def cmd(c, want):
    s.sendall(c.encode() + b"\r\n")
    code = reply()
    if code != want:
        print("unexpected", code); sys.exit(3)
reply()
cmd("EHLO um1.example.test", "250")
cmd("MAIL FROM:<um1@um1.example.test>", "250")
cmd("RCPT TO:<voicemail@hub.example.test>", "250")
cmd("DATA", "354")
s.sendall(("Message-ID: <%s>\r\nSubject: lost hub\r\n\r\n" % msgid).encode())
line = (b"x" * 998) + b"\r\n"                  # the longest line SMTP allows
try:
    for i in range(2100):                        # 2.1 MB
        s.sendall(line)
        if i == 1050 and victim:
            os.kill(victim, signal.SIGKILL)      # the Hub session is gone now
    s.sendall(b".\r\n")
    code = reply()
except OSError as e:
    print("connection:", e)
    code = "closed"
print("final", code)
EOF

say "the Hub connection is cut after 1 MB of a 2 MB message"
proxy_start
mark=$(log_mark)
before=$(hub_delivered)
python3 "$TD/smtpclient.py" lost-1@test $PROXY >"$TD/c1.out" 2>&1
final=$(awk '$1 == "final" { print $2 }' "$TD/c1.out")
last4=$(grep -oE '^<- 4[0-9][0-9] .*' "$TD/c1.out" | tail -n 1)
[ "$final" != 250 ] || fail "the relay answered 250 although the Hub was lost: $(tail -n 5 "$TD/c1.out")"
[ -n "$last4" ] || fail "the UM server got no 4xx: $(tail -n 5 "$TD/c1.out")"
ok "the UM server got: ${last4#<- } (final: $final)"
wait_log "$TD/umsbcd.log" 'UMS4002 ' 5 "$mark" || fail "no UMS4002 for the lost Hub"
ok "$(log_since "$mark" | grep UMS4002 | head -n 1 | cut -c1-170)"
hub_wait_delivered $((before + 1)) 3 && fail "a message was delivered although the Hub was lost mid-DATA"
ok "nothing delivered"

say "the UM server retries: delivered exactly once"
proxy_start
python3 "$TD/smtpclient.py" lost-1@test 0 >"$TD/c2.out" 2>&1
[ "$(awk '$1 == "final" { print $2 }' "$TD/c2.out")" = 250 ] || fail "the retry was not accepted: $(tail -n 5 "$TD/c2.out")"
hub_wait_delivered $((before + 1)) 10 || fail "the retry was not delivered"
n=$(grep -l 'Message-ID: <lost-1@test>' "$HUB_MAIL"/* 2>/dev/null | wc -l)
[ "$n" = 1 ] || fail "the message is in the Hub's Maildir $n times"
ok "one copy of <lost-1@test> in the Hub's Maildir ($(hub_delivered) message(s) in all)"

assert_alive
stop_umsbcd
hub_stop_postfix
echo "PASS: $IT_NAME"
exit 0
