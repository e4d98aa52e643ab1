# hub/hub-lib.sh -- helpers for the Hub Transport relay tests (t-hub-*.sh),
# sourced after ../lib.sh.  A private Postfix plays the Hub Transport on
# 127.0.0.1 with its own config directory, queue and Maildir under $TD
# (nothing on the machine changes); swaks plays the legacy UM server.
#
#  127.0.0.5:25     the relay's inside listener (hub_transport.listen)
#  127.0.0.20       um1, the listed client;  127.0.0.21 a stranger
#  127.0.0.1:2525   Hub: STARTTLS required, client certificate from the test CA
#                   required, certificate hub.example.test
#  127.0.0.1:2526   Hub without STARTTLS
#  127.0.0.1:2527   Hub with a certificate from an untrusted CA (rogue)
#  127.0.0.1:2528   Hub with a trusted certificate for another name (gw1)
#  127.0.0.1:2529   nothing (a stopped Hub)
#

need postfix swaks openssl
HUB_PORT=2525
HUB_DIR=$TD/postfix
HUB_MAIL=$HUB_DIR/mail/inbox/new

# hub_cert : $TD/pki/hub.{crt,key} for hub.example.test, signed by the test CA
hub_cert() {
  [ -s "$TD/pki/ca.crt" ] || make_pki "$TD/pki"
  (
    set -e
    cd "$TD/pki"
    openssl req -newkey rsa:2048 -nodes -keyout hub.key -out hub.csr \
      -subj "/O=umsbc tests/CN=hub.example.test" 2>/dev/null
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=DNS:hub.example.test" >hub.ext
    openssl x509 -req -in hub.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -sha256 \
      -extfile hub.ext -out hub.crt 2>/dev/null
    chmod 600 hub.key
    rm -f hub.csr hub.ext
  ) || fail "hub_cert: openssl failed"
}

# hub_conf_text [UPSTREAM-PORT] [UPSTREAM-NAME] [EXTRA] : the hub_transport group
hub_conf_text() {
  echo "hub_transport = { listen = \"127.0.0.5:25\"; clients = ( \"127.0.0.20\" );
  upstream = \"127.0.0.1:${1:-$HUB_PORT}\"; upstream_name = \"${2:-hub.example.test}\";
  timeout = 30; ${3:-} };"
}

# hub_start_postfix : the Hub instances above; waits for all four ports
hub_start_postfix() {
  local d=$HUB_DIR p=$TD/pki
  [ -s "$p/hub.crt" ] || hub_cert
  chmod 755 "$TD"    # postfix and virtual(8) (nobody) must reach their directories
  mkdir -p "$d/etc" "$d/queue" "$d/data" "$d/mail"
  chown 65534:65534 "$d/mail"
  chown postfix "$d/data"
  sed -e "s#@D@#$d#g" -e "s#@PKI@#$p#g" -e "s#@TMP@#${TMPDIR:-/tmp}#g" \
    "$IT_DIR/hub/main.cf.in" >"$d/etc/main.cf"
  sed -e "s#@PKI@#$p#g" "$IT_DIR/hub/master.cf.in" >"$d/etc/master.cf"
  postfix -c "$d/etc" start-fg >"$d/start.log" 2>&1 &
  track $!
  HUB_PF_PID=$!
  local port
  for port in 2525 2526 2527 2528; do
    wait_port tcp 127.0.0.1 $port 20 || { cat "$d/start.log"; tail "$d/maillog" 2>/dev/null; fail "postfix did not listen on 127.0.0.1:$port"; }
  done
  ok "postfix (the Hub) listening on 127.0.0.1:2525-2528, Maildir $HUB_MAIL"
}

hub_stop_postfix() {
  postfix -c "$HUB_DIR/etc" stop >/dev/null 2>&1
  wait_exit "$HUB_PF_PID" 10 >/dev/null
}

# hub_delivered : number of messages in the Hub's Maildir
hub_delivered() { ls "$HUB_MAIL" 2>/dev/null | wc -l; }

# hub_wait_delivered N [secs] : until the Maildir holds N messages
hub_wait_delivered() {
  local i n=$((${2:-20} * 10))
  for ((i = 0; i < n; i++)); do
    [ "$(hub_delivered)" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

# um_swaks NAME [swaks args...] : swaks as um1 (127.0.0.20) to the relay;
# transcript in $TD/NAME.swaks, exit status returned
um_swaks() {
  local n=$1; shift
  timeout -k 2 60 swaks --server 127.0.0.5 --port 25 --local-interface "${UM_SRC:-127.0.0.20}" \
    --helo um1.example.test --from um1@um1.example.test --to voicemail@hub.example.test \
    --timeout 40 "$@" >"$TD/$n.swaks" 2>&1
}

# swaks_final NAME : the last server reply swaks printed before QUIT ("<-" / "<**")
swaks_final() { grep -E '^ *<(-|\*\*) +[2-5][0-9][0-9]' "$TD/$1.swaks" | sed -E 's/^ *<(-|\*\*) +//' | grep -v '^221 ' | tail -n 1; }

# hub_reload CONF-EXTRA : rewrite umsbc.conf with this hub_transport and SIGHUP
hub_reload() {
  local m
  m=$(log_mark)
  write_conf "$TD" "$1"
  kill -HUP "$UMSBCD_PID"
  wait_log "$TD/umsbcd.log" 'UMS1010' 5 "$m" || fail "no UMS1010 (reload done) after SIGHUP"
}
