#!/bin/sh
# gicat fetch at its edges: through an https proxy (CONNECT), --cacert
# against the system's CA directory, and URL lists whose rows have more
# fields than their header.  Servers on 127.0.0.1, started here.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t/lib-fetch.sh"

self_signed key.pem cert.pem 127.0.0.1 -addext subjectAltName=IP:127.0.0.1
start_helper server.py http --root srv
start_helper server.py tls --root srv --tls cert.pem key.pem
start_helper proxy.py proxy
B=http://127.0.0.1:$(cat http.port)
T=https://127.0.0.1:$(cat tls.port)

test_expect_success 'through an https proxy a dropped download resumes: the proxy'"'"'s 200 is not the response' '
	printf "url\n%s\n" "$T/drop/d.jpg" >proxied.csv &&
	https_proxy=http://127.0.0.1:$(cat proxy.port) \
		gicat fetch --cacert cert.pem proxied.csv 2>err &&
	test_grep "^fetch: 1 URL: 1 fetched, 0 failed" err &&
	test_grep "; 1 retry, 1 resumed$" err &&
	test "$(grep -c "^127.0.0.1:" proxy.log)" -eq 2 &&
	test_grep "/drop/d.jpg range=bytes=[1-9][0-9]*- " tls.log &&
	test "$(sql "SELECT sha256 FROM fetches WHERE url LIKE \"%/drop/d.jpg\"")" = \
		"$(sha srv/d.jpg)"
'

# --cacert FILE trusts the CAs in FILE instead of the system's: the
# system's CA directory (libcurl's CApath, /etc/ssl/certs) is replaced, in
# a mount namespace of the test's own, by one that trusts the server.
test_expect_success '--cacert FILE trusts FILE only, not the system CA directory too' '
	if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
		echo "# skipped: needs root and unshare -m"; exit 0; fi
	self_signed other.key other.pem other &&
	# the server trusted by the directory alone, not by the bundle in it
	mkdir sysca && cp other.pem sysca/ca-certificates.crt &&
	cp cert.pem "sysca/$(openssl x509 -hash -noout -in cert.pem).0" &&
	printf "url\n%s\n" "$T/img/b.png?ca" >ca.csv &&
	# the stand-in system directory is read: the server is trusted
	unshare -m sh -c "mount --bind \"$TRASH/sysca\" /etc/ssl/certs &&
		\"$GICAT_BIN\" fetch --dataset sys ca.csv" 2>err &&
	test_grep "^fetch: 1 URL: 1 fetched" err &&
	test_expect_code 1 unshare -m sh -c "mount --bind \"$TRASH/sysca\" /etc/ssl/certs &&
		\"$GICAT_BIN\" fetch --cacert other.pem --dataset own ca.csv" 2>err &&
	test_grep "b.png?ca.: SSL certificate problem" err &&
	test "$(sql "SELECT status FROM fetches WHERE dataset = \"own\"")" = failed
'

# An unquoted comma in a URL (a CDN's w_100,h_100) splits its row: the URL
# cut at the comma is another URL, never to be fetched in its stead.
test_expect_success 'a row with more fields than its header is refused, naming the line; empty ones are not' '
	before=$(sql "SELECT count(*) FROM fetches") &&
	printf "url\n%s\n" "$B/img/a.png?w_100,h_100" >comma.csv &&
	test_expect_code 2 gicat fetch comma.csv 2>err &&
	test "$(cat err)" = "gicat: fetch: ${SQ}comma.csv${SQ}: line 2: 2 fields where the header has 1: a value holding a comma (a URL may) must be quoted" &&
	printf "url\tlabel\n%s\treal\tx\n" "$B/img/a.png?t" >extra.tsv &&
	test_expect_code 2 gicat fetch extra.tsv 2>err &&
	test_grep "line 2: 3 fields where the header has 2: a value holding a tab (a URL may) must be quoted$" err &&
	test "$(sql "SELECT count(*) FROM fetches")" -eq "$before" &&
	! grep -q "w_100" http.log &&
	printf "url,label\n\"%s\",real,,\n" "$B/img/a.png?w_100,h_100" >quoted.csv &&
	gicat fetch quoted.csv 2>err &&
	test "$(sql "SELECT url FROM fetches WHERE dataset = \"quoted\"")" = "$B/img/a.png?w_100,h_100"
'

# The quote runs to the end of the file: the header is that one field, not
# a header without a url column (which listed no columns at all).
test_expect_success 'a header with a quote not closed is refused as such' '
	printf "url,\"label\n%s,real\n%s,fake\n" "$B/img/a.png?oq" "$B/img/b.png?oq" >oq.csv &&
	test_expect_code 2 gicat fetch --status oq.csv 2>err &&
	test "$(cat err)" = "gicat: fetch: ${SQ}oq.csv${SQ}: line 1: the header: a quote is not closed where its field ends" &&
	printf "url,label\n\"%s\"x,fake\n" "$B/img/a.png?aq" >aq.csv &&
	test_expect_code 2 gicat fetch --status aq.csv 2>err &&
	test "$(cat err)" = "gicat: fetch: ${SQ}aq.csv${SQ}: line 2: text after the quote that closes a field (a quote inside a field is doubled: \"\")"
'

test_expect_success 'a list name with a control character is no default dataset name: refused unless each row or --dataset names one' '
	tab=$(printf "l\tm.csv") &&
	printf "url\n%s\n" "$B/img/a.png?tab" >"$tab" &&
	test_expect_code 2 gicat fetch "$tab" 2>err &&
	test "$(cat err)" = "gicat: fetch: the default dataset name ${SQ}l\x09m${SQ} (the list${SQ}s name; --dataset NAME sets another) holds a control character (0x09)" &&
	! grep -q "a.png?tab" http.log &&
	printf "url,dataset\n%s,rowset\n" "$B/img/a.png?tab" >"$tab" &&
	gicat fetch "$tab" 2>err &&
	test "$(sql "SELECT dataset FROM fetches WHERE url LIKE \"%?tab\"")" = rowset
'

test_expect_success 'a list of no extension whose URLs follow comment lines is a plain list; one of comments only has no URLs' '
	printf "# mirror of the images\n#\n%s\n" "$B/img/b.png?c" >commented &&
	gicat fetch commented 2>err &&
	test "$(sql "SELECT count(*) FROM fetches WHERE dataset = ${SQ}commented${SQ} AND status = ${SQ}done${SQ}")" -eq 1 &&
	printf "# nothing yet\n" >onlycomments &&
	test_expect_code 2 gicat fetch onlycomments 2>err &&
	test "$(cat err)" = "gicat: fetch: ${SQ}onlycomments${SQ}: no URLs in the list"
'

test_expect_success 'comment lines above a .csv or .tsv header are skipped; below it, a # line is a row' '
	printf "# mirror of the images, 2026\n#\nurl,label\n%s,fake\n" "$B/img/b.png?csvc" >commented.csv &&
	gicat fetch commented.csv 2>err &&
	test "$(sql "SELECT count(*) FROM fetches WHERE url LIKE ${SQ}%?csvc${SQ} AND status = ${SQ}done${SQ}")" -eq 1 &&
	printf "# mirror\nurl\tlabel\n%s\tfake\n" "$B/img/b.png?tsvc" >commented.tsv &&
	gicat fetch commented.tsv 2>err &&
	test "$(sql "SELECT count(*) FROM fetches WHERE url LIKE ${SQ}%?tsvc${SQ} AND status = ${SQ}done${SQ}")" -eq 1 &&
	printf "url,label\n# not a comment\n" >below.csv &&
	test_expect_code 2 gicat fetch below.csv 2>err &&
	test "$(cat err)" = "gicat: fetch: ${SQ}below.csv${SQ}: line 2: ${SQ}# not a comment${SQ} is not a URL: Bad scheme (comment lines go above the header row)" &&
	printf "# not a comment either\n" >below.txt &&
	test_expect_code 2 gicat fetch below.txt 2>err && ! grep "header" err
'

# A .csv or .tsv list without its header row starts with a URL; read as
# one URL a line, "URL,fake,adm" would be fetched as a URL with commas.
test_expect_success 'a .csv or .tsv list with no header row is refused, naming the line; one of bare URLs is a plain list' '
	printf "%s,fake,adm\n%s,real,\n" "$B/img/a.png" "$B/img/b.png" >nohead.csv &&
	test_expect_code 2 gicat fetch nohead.csv 2>err &&
	test_grep "^gicat: fetch: .nohead.csv.: line 1: a URL followed by a comma, in a .csv list with no header row: put one naming its columns (url,label,...) above it$" err &&
	test_grep ": line 2: a URL followed by a comma" err &&
	printf "%s\tfake\n" "$B/img/a.png" >nohead.tsv &&
	test_expect_code 2 gicat fetch nohead.tsv 2>err &&
	test_grep "line 1: a URL followed by a tab, in a .tsv list with no header row" err &&
	test "$(sql "SELECT count(*) FROM fetches WHERE dataset LIKE ${SQ}nohead%${SQ}")" -eq 0 &&
	printf "%s\n" "$B/img/a.png?bare" >bare.csv &&
	gicat fetch bare.csv 2>err &&
	test "$(sql "SELECT count(*) FROM fetches WHERE dataset = ${SQ}bare${SQ} AND status = ${SQ}done${SQ}")" -eq 1
'

# SIGTERM (and Ctrl-C) end gicat as they would, after one line saying the
# catalog keeps its last commit.  A background job of a script ignores
# SIGINT, so SIGTERM stands for both here.
#
# fetch_killed SIG NAME SUFFIX: fetches $B/slow/a.pngSUFFIX (list NAME.csv,
# errors to NAME.err), sends SIG once the server has the request, and
# leaves the exit code in rc.
fetch_killed () {
	printf "url\n%s\n" "$B/slow/a.png$3" >"$2.csv" || return 1
	# with SIGHUP as a terminal gives it: a run under nohup ignores it,
	# which gicat keeps (README), and the shell cannot undo
	"$PY" -c "import os, signal, sys
signal.signal(signal.SIGHUP, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])" gicat fetch --timeout 30 "$2.csv" 2>"$2.err" &
	pid=$!
	n=0
	while ! grep -q " /slow/a.png$3 " http.log && [ $n -lt 600 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	kill -"$1" $pid
	rc=0
	wait $pid || rc=$?
}

test_expect_success 'a fetch ended by SIGTERM says so in one line and exits as killed; nothing half-done is recorded' '
	fetch_killed TERM term "" &&
	test $rc -eq 143 &&
	test "$(cat term.err)" = "gicat: interrupted; the catalog stays as of its last commit (run the command again to finish)" &&
	test "$(sql "SELECT count(*) FROM fetches WHERE url LIKE \"%/slow/a.png\" AND status = \"done\"")" -eq 0 &&
	sqlite3 "$DB" "PRAGMA integrity_check" >ic && test "$(cat ic)" = ok
'

test_expect_success 'SIGHUP, a terminal closed under a fetch, ends it alike' '
	fetch_killed HUP hup "?hup" &&
	test $rc -eq 129 && test "$(cat hup.err)" = "$(cat term.err)"
'

# "No retry on other 4xx": also when the error page breaks off, which
# libcurl reports as a transfer error; the status is the reason given.
test_expect_success 'a 404 whose page breaks off is not retried and says HTTP 404; a 503 so is retried' '
	printf "url\n%s\n%s\n" "$B/cut/404" "$B/cut/503" >cut.csv &&
	test_expect_code 1 gicat fetch --retries 2 cut.csv 2>err &&
	test "$(grep -c " /cut/404 " http.log)" -eq 1 &&
	test "$(grep -c " /cut/503 " http.log)" -eq 3 &&
	test_grep "^gicat: fetch: .$B/cut/404.: HTTP 404 Not Found (its page broke off: transfer closed with 990 bytes remaining to read)$" err &&
	test_grep "^gicat: fetch: .$B/cut/503.: HTTP 503 Service Unavailable (its page broke off: .*) (3 attempts)$" err &&
	test "$(sql "SELECT status, attempts, http_status FROM fetches WHERE url LIKE \"%/cut/404\"")" = "failed|1|404"
'

# URLs of CDNs run to hundreds of bytes: a bad one is quoted cut, so that
# what is wrong with it still ends its line.
test_expect_success 'a long bad URL is quoted cut at 120 bytes with ..., and the reason follows it' '
	long=$(printf "%0300d" 0) &&
	printf "url\n%s\n%s\n" "http://127.0.0.1:99999/$long.png" \
		"ftp://u:secret@h/$long.png" >longbad.csv &&
	test_expect_code 2 gicat fetch longbad.csv 2>err &&
	cut120() { printf "%s" "$1" | cut -c1-120; } &&
	test_grep "^gicat: fetch: .longbad.csv.: line 2: .$(cut120 "http://127.0.0.1:99999/$long")\.\.\.. is not a URL: Port number was not a decimal number between 0 and 65535$" err &&
	test_grep "^gicat: fetch: .longbad.csv.: line 3: .$(cut120 "ftp://u:***@h/$long" | sed "s/[*]/[*]/g")\.\.\.. is not an http or https URL$" err &&
	! grep -q secret err
'

# The same of a long URL a redirect goes to: the fetch state keeps it
# whole, a message quotes it cut.
test_expect_success 'a refused redirect to a long URL is quoted cut, and the reason follows it' '
	long=$(printf "%0600d" 0) &&
	printf "url\n%s\n" "$B/tofile/$long.png" >longto.csv &&
	test_expect_code 1 gicat fetch longto.csv 2>err &&
	test_grep "^gicat: fetch: .$B/tofile/$long.png.: redirect to .file://[^ ]*\.\.\.. refused: .*file" err &&
	test "$(sql "SELECT length(final_url) > 600 FROM fetches WHERE url LIKE \"%/tofile/$long.png\"")" = 1
'

# A refused redirect is one to a scheme other than http(s); a response
# that is not HTTP at the end of an allowed one is not a refused redirect.
test_expect_success 'a redirect to a server answering without a status line is not said to be refused' '
	printf "url\n%s\n" "$B/goto/http09" >http09.csv &&
	test_expect_code 1 gicat fetch --retries 0 http09.csv 2>err &&
	test_grep " /http09 " http.log &&
	test_grep "^gicat: fetch: .$B/goto/http09.: Received HTTP/0.9 when not allowed (after a redirect to .http://127.0.0.1:[0-9]*/http09.)$" err &&
	! grep -q refused err
'

kill $(cat ./*.pid) 2>/dev/null
test_done
