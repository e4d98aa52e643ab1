#!/bin/sh
# hub_deps.sh -- the Hub relay's include contract, read from the compiler's
# own dependency files (every header an object was built from, however
# deeply included):
#   - proxy/hub/ uses of proxy/ only confget.h, log.h, peercert.h, tls.h:
#     never conf.h, the SIP proxy's configuration;
#   - outside proxy/hub/, only hub.h is included (check_hub's tests aside).
# Runs in the build directory after the objects exist (make check).
set -u
fail=0

deps=$(ls proxy/hub/.deps/*.Plo 2>/dev/null)
if [ -z "$deps" ] || ! grep -q 'proxy/hub/relay\.c' proxy/hub/.deps/relay.Plo; then
	echo "SKIP: no dependency files (configure --disable-dependency-tracking?)"
	exit 77
fi

# Header paths as the compiler wrote them ("../../proxy/x.h", "/abs/proxy/x.h").
headers() {
	tr ' \\' '\n\n' <"$1" | grep -E '(^|/)proxy/.*\.h$' | sed -E 's#^(.*/)?proxy/#proxy/#' | sort -u
}

# The reading itself must work, or every check below passes for nothing.
case " $(headers proxy/hub/.deps/relay.Plo | tr '\n' ' ') " in
*" proxy/hub/hub.h "*" proxy/tls.h "*) ;;
*) echo "FAIL: cannot read the headers of proxy/hub/.deps/relay.Plo"; exit 1 ;;
esac

for d in proxy/hub/.deps/*.Plo; do
	for h in $(headers "$d"); do
		case $h in
		proxy/hub/*|proxy/confget.h|proxy/log.h|proxy/peercert.h|proxy/tls.h) ;;
		*) echo "FAIL: $d: the hub depends on $h"; fail=1 ;;
		esac
	done
done

for d in proxy/.deps/*.P*o ctl/.deps/*.Po tests/unit/.deps/*.Po; do
	[ -f "$d" ] || continue
	case $d in tests/unit/.deps/check_hub-*) continue ;; esac
	src=$(sed -n '1s/^[^:]*: *\([^ ]*\).*/\1/p' "$d")
	[ -n "$src" ] && [ ! -f "$src" ] && continue	# left by a source since removed
	for h in $(headers "$d"); do
		case $h in
		proxy/hub/hub.h) ;;
		proxy/hub/*) echo "FAIL: $d: includes $h, not only proxy/hub/hub.h"; fail=1 ;;
		esac
	done
done

[ $fail = 0 ] && echo "ok: the hub's includes keep to its contract"
exit $fail
