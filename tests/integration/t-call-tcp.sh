#!/bin/bash
# t-call-tcp.sh -- the five call flows of t-call-udp.sh over TCP:
#   gw2 (SIPp UAC -t t1, 127.0.0.8) -> umsbcd 127.0.0.1:5060/tcp
#   -> umsbcd 127.0.0.2 -> um1 = sip:127.0.0.20:5060;transport=tcp (SIPp UAS -t t1)
# A fresh SIPp UAS is started for each call, so umsbcd must also open a new
# TCP connection to the UM each time.
IT_NAME=t-call-tcp TR=t1 exec bash "$(dirname "$0")/t-call-udp.sh" "$@"
