#!/bin/sh
# deps.sh - checks that every library gicat builds with is present (via
# pkg-config), and installs the missing Debian -dev packages when run as
# root.  Otherwise prints the exact apt-get line and fails.
# Tools the tests and benchmarks use (python3 with PIL, sqlite3 shell) are
# installed the same way.
set -u
# pkg-config name : Debian package
LIBS="sqlite3:libsqlite3-dev libcurl:libcurl4-openssl-dev libpng:libpng-dev
libjpeg:libjpeg62-turbo-dev openssl:libssl-dev jansson:libjansson-dev
inih:libinih-dev cmocka:libcmocka-dev libarchive:libarchive-dev
libdeflate:libdeflate-dev zlib:zlib1g-dev"
TOOLS="pkg-config:pkg-config sqlite3:sqlite3 cc:gcc make:make python3:python3 bc:bc
curl:curl openssl:openssl nginx:nginx script:bsdutils strace:strace"
# Debian's Python modules the tests use as independent references
# (module : package), checked with Debian's own /usr/bin/python3.
PYMODS="PIL:python3-pil torchvision:python3-torchvision sklearn:python3-sklearn"

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
for pair in $(/usr/bin/python3 -c '
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
