# lib-fetch.sh - what the fetch tests share, sourced after lib.sh: a
# catalog in $TRASH/cat (GICAT_DIR, its database in DB), srv/ for the
# files served (a to m: PNG-suite images, d.jpg, big.png and a truncated
# trunc.png), and the helpers of tests/fetch started in the background.
PNGS=$SHARED/data/pngsuite
JPEGS=$SHARED/data/jpeg
gicat init cat 2>/dev/null
export GICAT_DIR="$TRASH/cat"
DB=cat/.gicat/catalog.db
mkdir srv
for f in a:basn0g08 b:basn2c08 c:basn3p08 e:basn4a08 f:basn6a08 g:basi0g08 \
	 i:basi2c08 j:basi3p08 k:basi4a08 m:basi6a08; do
	cp "$PNGS/${f#*:}.png" "srv/${f%%:*}.png"
done
cp "$JPEGS/testorig.jpg" srv/d.jpg
cp "$JPEGS/monkey16.png" srv/big.png
head -c 300 "$JPEGS/testorig.png" >srv/trunc.png
# sha FILE: its SHA-256
sha() { sha256sum "$1" | cut -c1-64; }

# sql QUERY: rows of the catalog, fields separated by '|'
sql() { sqlite3 "$DB" "$1"; }

# start_helper PROGRAM NAME ARGS...: tests/fetch/PROGRAM in the background;
# its port in NAME.port once it listens, its requests in NAME.log, its pid
# in NAME.pid.
start_helper() {
	prog=$1 name=$2; shift 2
	python3 "$TOP/tests/fetch/$prog" --port-file "$name.port" \
		--log "$name.log" --lifetime 900 "$@" 2>"$name.err" &
	echo $! >"$name.pid"
	n=0
	while [ ! -s "$name.port" ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
}

# self_signed KEY CERT CN [openssl req options...]: a throwaway EC
# certificate for CN, valid one day.
self_signed() {
	key=$1 cert=$2 cn=$3; shift 3
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$key" -out "$cert" -days 1 -subj "/CN=$cn" \
		"$@" 2>/dev/null
}

# start_server NAME [--tls CERT KEY]: server.py serving srv/
start_server() { _srv=$1; shift; start_helper server.py "$_srv" --root srv "$@"; }
# state SUFFIX: status|attempts|http_status of the URL ending in SUFFIX
state() { sql "SELECT status, attempts, http_status FROM fetches WHERE url LIKE '%$1'"; }
