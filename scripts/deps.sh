#!/bin/sh
# deps.sh [build|demo|test|bench] - checks that what that needs is present
# (libraries via pkg-config, tools, Python modules), and installs the
# missing Debian packages when run as root.  Otherwise prints the exact
# apt-get line and fails.  Each level needs what the one before it does:
#   build  the libraries gicat builds with, a compiler, make (the default)
#   demo   python3 (the demo serves its URL list with tests/fetch/server.py)
#   test   cmocka, the sqlite3 shell, PIL, torchvision and scikit-learn
#          (independent references), curl, openssl, bc, script, strace
#   bench  nginx (the fast server the fetch benchmark uses)
set -u
level=${1:-build}
case $level in
build|demo|test|bench) ;;
*) echo "usage: deps.sh [build|demo|test|bench]" >&2; exit 2 ;;
esac
# pkg-config name : Debian package
LIBS="sqlite3:libsqlite3-dev libcurl:libcurl4-openssl-dev libpng:libpng-dev
libjpeg:libjpeg62-turbo-dev openssl:libssl-dev jansson:libjansson-dev
inih:libinih-dev libarchive:libarchive-dev libdeflate:libdeflate-dev
zlib:zlib1g-dev"
TOOLS="pkg-config:pkg-config cc:gcc make:make"
PYMODS=""
if [ "$level" != build ]; then
	TOOLS="$TOOLS python3:python3"
fi
if [ "$level" = test ] || [ "$level" = bench ]; then
	LIBS="$LIBS cmocka:libcmocka-dev"
	TOOLS="$TOOLS sqlite3:sqlite3 bc:bc curl:curl openssl:openssl
script:bsdutils strace:strace"
	# Debian's Python modules the tests use as independent references
	# (module : package), checked with Debian's own /usr/bin/python3
	PYMODS="PIL:python3-pil torchvision:python3-torchvision sklearn:python3-sklearn"
fi
if [ "$level" = bench ]; then
	TOOLS="$TOOLS nginx:nginx"
fi
# daemons such as nginx live in sbin, which a user's PATH may not hold
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

missing=""
command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"
for pair in $LIBS; do
	pc=${pair%%:*}; deb=${pair#*:}
	pkg-config --exists "$pc" 2>/dev/null || missing="$missing $deb"
done
for pair in $TOOLS; do
	cmd=${pair%%:*}; deb=${pair#*:}
	command -v "$cmd" >/dev/null 2>&1 || missing="$missing $deb"
done
# found, not imported: importing torchvision (torch) alone takes seconds,
# and every make runs this script
[ -n "$PYMODS" ] && for pair in $(/usr/bin/python3 -c '
import importlib.util, sys
for pair in sys.argv[1:]:
    if importlib.util.find_spec(pair.split(":")[0]) is None:
        print(pair)' $PYMODS 2>/dev/null || echo "$PYMODS"); do
	missing="$missing ${pair#*:}"
done
missing=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ')
[ -z "${missing% }" ] && exit 0

line="apt-get install -y --no-install-recommends $missing"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing $missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 ||
	  { apt-get update >/dev/null 2>&1 &&
	    apt-get install -y --no-install-recommends $missing >/dev/null; }; } || {
		echo "deps: apt-get failed; run: $line" >&2; exit 1; }
	exit 0
fi
echo "deps: missing libraries or tools: $missing" >&2
echo "deps: as root, run: $line" >&2
exit 1
