#!/bin/sh
# bench/fetch.sh - gicat fetch throughput beside curl's, on the same URL
# list served from 127.0.0.1, twice: by nginx, a fast server, so that
# neither client waits on it (tests/fetch/server.py stands in, slower, when
# nginx is missing); then by tests/fetch/server.py answering after 20 ms,
# as a distant server would.
#   curl --parallel --parallel-max 16: saves every URL to a file, nothing else
#   gicat fetch --jobs 16 into a fresh catalog: download, SHA-256, full
#                   decode, pHash, store (synced), SQLite
# Target (issue 8): gicat >= 0.8 x curl's throughput.  BENCH_FETCH_N
# (default 2000) small images, BENCH_RUNS (default 3) runs each, medians.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
n=${BENCH_FETCH_N:-2000}
runs=${BENCH_RUNS:-3}
work=$top/build/bench-work/fetch
corpus=$work/corpus-$n
mkdir -p "$work"

if [ ! -f "$corpus/.done" ]; then
	echo "bench: generating $n small images (half PNG 128x128, half JPEG 160x120 q85)"
	rm -rf "$corpus" && mkdir -p "$corpus"
	/usr/bin/python3 - "$corpus" "$n" <<'PY'
import random, sys
from PIL import Image
out, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    r = random.Random(i)
    w, h = (128, 128) if i % 2 == 0 else (160, 120)
    base = [r.randrange(256) for _ in range(3)]
    img = Image.new("RGB", (w, h), tuple(base))
    px = img.load()
    for y in range(0, h, 4):
        for x in range(0, w, 4):
            c = tuple((base[k] + x * (k + 1) + y * (3 - k) + r.randrange(40)) % 256 for k in range(3))
            for dy in range(4):
                for dx in range(4):
                    px[x + dx, y + dy] = c
    if i % 2 == 0:
        img.save("%s/%05d.png" % (out, i))
    else:
        img.save("%s/%05d.jpg" % (out, i), quality=85)
PY
	touch "$corpus/.done"
fi
files=$(find "$corpus" -type f -name '0*' | wc -l)
kb=$(du -sk "$corpus" | cut -f1)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server_pid=""
stop_server() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; server_pid=""; }
trap stop_server EXIT
# start_nginx: nginx serving the corpus
start_nginx() {
	stop_server
	mkdir -p "$work/nginx"
	cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process off;
pid $work/nginx/nginx.pid;
error_log stderr error;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 100000;
	default_type application/octet-stream;
	client_body_temp_path $work/nginx/body;
	proxy_temp_path $work/nginx/proxy;
	fastcgi_temp_path $work/nginx/fastcgi;
	uwsgi_temp_path $work/nginx/uwsgi;
	scgi_temp_path $work/nginx/scgi;
	server { listen 127.0.0.1:$port; root $corpus; }
}
EOF
	nginx -e stderr -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>"$work/nginx/err" &
	server_pid=$!
	base=http://127.0.0.1:$port
}
# start_pyserver PATH: tests/fetch/server.py, the URLs under /PATH
start_pyserver() {
	stop_server
	rm -f "$work/port"
	python3 "$top/tests/fetch/server.py" --root "$corpus" --port-file "$work/port" \
		--log /dev/null --lifetime 3600 &
	server_pid=$!
	while [ ! -s "$work/port" ]; do sleep 0.05; done
	base=http://127.0.0.1:$(cat "$work/port")/$1
}
# wait_server: until it answers; then the URL list
wait_server() {
	i=0
	while ! curl -sf -o /dev/null "$base/00000.png" && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	ls "$corpus" | grep '^0' | sed "s|^|$base/|" >"$work/list.txt"
}

# cpu FILE CMD...: runs CMD, appending its user + system CPU seconds to FILE
cpu() {
	f=$1; shift
	/usr/bin/time -f "%U %S" -a -o "$f.raw" "$@"
	tail -1 "$f.raw" | awk '{print $1 + $2}' >>"$f"
}
# us_per_image FILE: median CPU microseconds per image
us_per_image() { echo "$(median <"$1") * 1000000 / $files" | bc -l; }

# Each run writes into directories of its own, set aside when the
# benchmark ends (bench/lib.sh: discard, on why nothing is deleted).  Runs alternate which client goes first, and
# start after a sync: neither then waits on the write-back of what ran
# before it (gicat's syncfs would), and ext4 forgets freed inodes sooner.
curl_run() { # DIR
	mkdir -p "$1"
	awk -v d="$1" '{printf "url = \"%s\"\noutput = \"%s/%05d\"\n", $0, d, NR}' \
		"$work/list.txt" >"$work/curl.cfg"
	sync
	t0=$(now)
	cpu "$work/curl.cpu" curl --parallel --parallel-max 16 -s -f -K "$work/curl.cfg" 2>/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc -l >>"$work/curl.t"
	got=$(find "$1" -type f | wc -l)
}
gicat_run() { # DIR
	"$top/gicat" init "$1" 2>/dev/null
	sync
	t0=$(now)
	cpu "$work/gicat.cpu" "$top/gicat" --catalog "$1" fetch --jobs 16 "$work/list.txt" 2>/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc -l >>"$work/gicat.t"
	entries=$(sqlite3 "$1/.gicat/catalog.db" "SELECT count(*) FROM entries")
}
rate() { echo "$files / $1" | bc -l; }
mbs() { echo "$kb / 1024 / $1" | bc -l; }
measure() { # NAME TITLE
	curl_run "$work/runs/$1-warm"
	: >"$work/curl.t"; : >"$work/gicat.t"
	rm -f "$work"/*.cpu "$work"/*.cpu.raw
	for i in $(seq "$runs"); do
		if [ $((i % 2)) = 1 ]; then
			curl_run "$work/runs/$1-curl-$i"; gicat_run "$work/runs/$1-gicat-$i"
		else
			gicat_run "$work/runs/$1-gicat-$i"; curl_run "$work/runs/$1-curl-$i"
		fi
	done
	curl_t=$(median <"$work/curl.t")
	gicat_t=$(median <"$work/gicat.t")
	printf '\n  %s\n' "$2"
	printf '  %-44s %7.3f s  %6.0f img/s  %6.1f MB/s  (%s files)\n' \
		"curl --parallel --parallel-max 16 (to disk)" "$curl_t" \
		"$(rate "$curl_t")" "$(mbs "$curl_t")" "$got"
	printf '  %-44s %7.3f s  %6.0f img/s  %6.1f MB/s  (%s entries)\n' \
		"gicat fetch --jobs 16 (into a catalog)" "$gicat_t" \
		"$(rate "$gicat_t")" "$(mbs "$gicat_t")" "$entries"
	printf '  gicat / curl throughput = %s   (target >= 0.8)\n' \
		"$(ratio "$curl_t" "$gicat_t")"
	printf '  CPU per image (user + system, median): curl %.0f us, gicat %.0f us\n' \
		"$(us_per_image "$work/curl.cpu")" "$(us_per_image "$work/gicat.cpu")"
}

# decode_floor: what gicat's decoding alone costs per image of this corpus
# (bench/probe.c: decode, checks and pHash, one thread), beside curl's
# whole cost per image: a floor under gicat's CPU that curl does not have.
decode_floor() {
	[ -x "$top/build/bench/probe" ] || return 0
	us=$("$top/build/bench/probe" "$corpus" |
		awk '$4 == "gic_probe" {n += $2; t += $2 * $5} END {if (n) printf "%.0f", t / n}')
	[ -n "$us" ] || return 0
	printf '  of gicat'"'"'s, decoding alone (decode, checks, pHash; bench/probe.c, 1 thread): %s us per image,\n' "$us"
	printf '  beside curl'"'"'s whole %.0f us: the floor under gicat'"'"'s CPU that curl does not have\n' \
		"$(us_per_image "$work/curl.cpu")"
}

discard "$work/runs"
printf '\nfetch benchmark: %s images (%s KB) from 127.0.0.1, median of %s runs\n' \
	"$files" "$kb" "$runs"
if command -v nginx >/dev/null 2>&1; then
	start_nginx && wait_server
	measure raw "nginx, 1 worker, keep-alive: as fast as the loopback goes"
	decode_floor
else
	start_pyserver img && wait_server
	measure raw "tests/fetch/server.py (nginx is not installed: the server may be the bottleneck)"
fi
start_pyserver wait/20 && wait_server
measure distant "tests/fetch/server.py answering each request after 20 ms, like a distant server"
stop_server
discard "$work/runs"
