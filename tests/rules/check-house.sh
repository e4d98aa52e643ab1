#!/bin/bash
# check-house.sh [TOP] -- the house's rules, checked on the sources (make check
# runs it; TOP defaults to $srcdir or this script's ../..). Prints one line per
# breach, FILE:LINE: rule: what, and exits 1 if there was any.
#
# Who may include whom (a quoted include is resolved as the compiler does: the
# including file's directory first, then the top directory, then proxy/, which
# is on the include path of proxy/, ctl/ and the tests; <dir/x.h> naming one
# of our directories counts too). The module of a header is its top directory.
#   util/   nothing of ours but util/ (libc and libevent only)
#   media/  media/, util/ (never proxy/, certs/ or ctl/)
#   certs/  certs/, util/ (never proxy/, media/ or ctl/)
#   ctl/    ctl/, certs/, util/, and of proxy/ only its config loader
#           (conf.h; the tool talks to the daemon over the control socket)
#   proxy/  everything but ctl/; of the Hub relay (proxy/hub/) only its one
#           public header, proxy/hub/hub.h
#   proxy/hub/  the SMTP relay to the Hub: proxy/hub/, certs/, util/, and of proxy/
#           only confget.h, log.h, peercert.h and tls.h (never conf.h, the
#           SIP proxy's configuration)
#   tests/  anything (not checked)
# In util/, media/, certs/ and ctl/ a quoted include that resolves to no file
# (config.h apart) is a breach too: nobody could tell which module it is.
#
# Size: a production file (.c or .h under util/, media/, certs/, ctl/,
# proxy/) has at most 800 lines.
set -uo pipefail
top=${1:-${srcdir:-$(dirname "$0")/../..}}
cd "$top" || exit 2
max_lines=800
ctl_from_proxy="conf.h"
hub_from_proxy="confget.h log.h peercert.h tls.h"
breaches=0

breach() {	# breach FILE LINE RULE WHAT
	printf '%s:%s: %s: %s\n' "$1" "$2" "$3" "$4"
	breaches=$((breaches + 1))
}

# resolve FILE NAME: prints the path (from the top) of the header NAME that
# FILE's quoted include means, or nothing.
resolve() {
	local dir=${1%/*} d
	for d in "$dir" . proxy; do
		if [ -f "$d/$2" ]; then
			realpath -m --relative-to=. "$d/$2"
			return
		fi
	done
}

# module PATH: the module a file or header belongs to (proxy/hub/ is its own).
module() {
	case $1 in proxy/hub/*) echo hub ;; *) echo "${1%%/*}" ;; esac
}

# allowed MODULE HEADER: 0 when MODULE may include HEADER (a path from the top).
allowed() {
	local from=$1 hdr=$2 to
	to=$(module "$2")
	[ "$to" = "$hdr" ] && return 0	# in the top directory: not ours
	case $from in
	util) [ "$to" = util ] ;;
	media) [ "$to" = media ] || [ "$to" = util ] ;;
	certs) [ "$to" = certs ] || [ "$to" = util ] ;;
	ctl)
		case $to in
		ctl | certs | util) return 0 ;;
		proxy) [[ " $ctl_from_proxy " == *" ${hdr#proxy/} "* ]] ;;
		*) return 1 ;;
		esac ;;
	proxy)
		case $to in
		ctl) return 1 ;;
		hub) [ "$hdr" = proxy/hub/hub.h ] ;;
		*) return 0 ;;
		esac ;;
	hub)
		case $to in
		hub | certs | util) return 0 ;;
		proxy) [[ " $hub_from_proxy " == *" ${hdr#proxy/} "* ]] ;;
		*) return 1 ;;
		esac ;;
	*) return 0 ;;
	esac
}

rule_of() {	# the rule's words for a module, for the message
	case $1 in
	util) echo "util/ includes nothing of ours but util/" ;;
	media) echo "media/ may include media/ and util/ only" ;;
	certs) echo "certs/ may include certs/ and util/ only" ;;
	ctl) echo "ctl/ may include ctl/, certs/, util/ and proxy/$ctl_from_proxy only" ;;
	proxy) echo "proxy/ includes no ctl/, and of proxy/hub/ only hub.h" ;;
	hub) echo "proxy/hub/ may include proxy/hub/, certs/, util/ and proxy/{${hub_from_proxy// /,}} only" ;;
	esac
}

check_includes() {	# check_includes FILE
	local file=$1 mod no kind name hdr
	mod=$(module "$1")
	while IFS=: read -r no kind name; do
		if [ "$kind" = '<' ]; then
			case $name in util/* | media/* | certs/* | ctl/* | proxy/*) hdr=$name ;; *) continue ;; esac
		else
			[ "$name" = config.h ] && continue
			hdr=$(resolve "$file" "$name")
			if [ -z "$hdr" ]; then
				case $mod in util | media | certs | ctl)
					breach "$file" "$no" "includes resolve" "\"$name\" is no file of ours" ;;
				esac
				continue
			fi
		fi
		allowed "$mod" "$hdr" || breach "$file" "$no" "$(rule_of "$mod")" "includes $hdr"
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]' "$file" |
		sed -nE 's/^([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*(["<])([^">]+)[">].*/\1:\2:\3/p')
}

check_size() {	# check_size FILE
	local n
	n=$(wc -l <"$1")
	[ "$n" -le "$max_lines" ] ||
		breach "$1" $((max_lines + 1)) "production files have at most $max_lines lines" "$n lines"
}

files=$(find util media certs ctl proxy -type f \( -name '*.c' -o -name '*.h' \) | sort)
[ -n "$files" ] || { echo "check-house: no sources under $top" >&2; exit 2; }
for f in $files; do
	check_includes "$f"
	check_size "$f"
done
if [ "$breaches" -gt 0 ]; then
	echo "check-house: $breaches breach(es) of the rules in this script's header" >&2
	exit 1
fi
echo "check-house: $(echo "$files" | wc -l) files keep the dependency and size rules"
