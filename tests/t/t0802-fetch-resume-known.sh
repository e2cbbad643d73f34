#!/bin/sh
# gicat fetch, resuming and known content, against tests/fetch/server.py
# on 127.0.0.1: a file replaced between attempts, a resume answered 416,
# 200, another ETag or another range, never spliced; --max-bytes at its
# edges; a listed sha256 already stored catalogued without a download;
# lists of many lookup chunks; more --jobs than open files allow.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t/lib-fetch.sh"

start_server chg
C=http://127.0.0.1:$(cat chg.port)
# Without a validator nothing tells a file from another of the same
# length: such a download starts over instead of resuming.
test_expect_success 'a file replaced between two attempts is fetched again whole, never spliced' '
	cp "$PNGS/cm0n0g04.png" srv/same1.png && cp "$PNGS/cm7n0g04.png" srv/same2.png &&
	! cmp -s srv/same1.png srv/same2.png &&
	test "$(wc -c <srv/same1.png)" -eq "$(wc -c <srv/same2.png)" &&
	printf "url\n$C/changed/d.jpg+big.png\n$C/changed/same1.png+same2.png\n" >chg.csv &&
	gicat fetch --dataset chg chg.csv 2>err &&
	test "$(gicat query --format csv --fields sha256 "dataset = chg and path ~ \"*d.jpg+big.png\"" | tail -1)" = "$(sha srv/big.png)" &&
	test "$(gicat query --format csv --fields sha256 "dataset = chg and path ~ \"*same1.png+same2.png\"" | tail -1)" = "$(sha srv/same2.png)" &&
	for f in d.jpg+big.png same1.png+same2.png; do
		grep " /changed/$f " chg.log >t && test "$(wc -l <t)" -eq 2 &&
		sed -n 2p t | grep -q "range=- " || exit 1
	done &&
	gicat verify --full >out && test_grep " 0 problems" out
'

test_expect_success 'a resumed download answered 416 (the file shrank) starts over' '
	printf "url\n$C/shrunk/big.png+d.jpg\n" >shrunk.csv &&
	gicat fetch --dataset shrunk --retries 3 shrunk.csv 2>err &&
	test_grep "; 2 retries, 0 resumed$" err &&
	test "$(gicat query --format csv --fields sha256 "dataset = shrunk" | tail -1)" = "$(sha srv/d.jpg)" &&
	grep " /shrunk/" chg.log >t && test "$(wc -l <t)" -eq 3 &&
	sed -n 2p t | grep -q "range=bytes=" && sed -n 3p t | grep -q "range=- " &&
	test "$(sql "SELECT attempts FROM fetches WHERE url LIKE \"%/shrunk/%\"")" = 3 &&
	printf "url\n$C/shrunk/big.png+c.png\n" >shrunk1.csv &&
	test_expect_code 1 gicat fetch --dataset shrunk1 --retries 1 shrunk1.csv 2>err &&
	test_grep "^gicat: fetch: .*/shrunk/big.png+c.png.: resumed download: HTTP 416, the server has no such range (the file changed?) (2 attempts)$" err
'

test_expect_success 'a resume answered 200 with the whole file (Range ignored) keeps that file, not the bytes before it too' '
	printf "url\n$C/rangeless/big.png\n" >rangeless.csv &&
	gicat fetch --dataset rangeless rangeless.csv 2>err &&
	test_grep "; 1 retry, 0 resumed$" err &&
	test "$(gicat query --format csv --fields sha256 "dataset = rangeless" | tail -1)" = "$(sha srv/big.png)" &&
	grep " /rangeless/big.png " chg.log >t && test "$(wc -l <t)" -eq 2 &&
	sed -n 2p t | grep -q "range=bytes=$(($(wc -c <srv/big.png) / 2))- if-range=\"" &&
	test "$(state /rangeless/big.png)" = "done|2|200"
'

# A server that ignores If-Range answers a range of the file that replaced
# the one begun; its own ETag says so, where the length cannot (the same).
test_expect_success 'a resumed 206 with another ETag than the bytes kept is started over, never spliced' '
	"$PY" -c "
import random
from PIL import Image
random.seed(7)
for n in (\"rep1\", \"rep2\"):
    im = Image.new(\"RGB\", (48, 48))
    im.putdata([tuple(random.randrange(256) for _ in range(3)) for _ in range(48 * 48)])
    im.save(\"srv/%s.png\" % n, compress_level=0)
" &&
	test "$(wc -c <srv/rep1.png)" -eq "$(wc -c <srv/rep2.png)" &&
	printf "url\n$C/replaced/rep1.png+rep2.png?1\n" >rep1.csv &&
	test_expect_code 1 gicat fetch --dataset rep1 --retries 1 rep1.csv 2>err &&
	test_grep "replaced/rep1.png+rep2.png?1.: resumed download: the file changed (ETag .* now, .* before) (2 attempts)$" err &&
	test "$(gicat query --count "dataset = rep1")" -eq 0 &&
	printf "url\n$C/replaced/rep1.png+rep2.png?2\n" >rep2.csv &&
	gicat fetch --dataset rep2 rep2.csv 2>err &&
	test_grep "; 2 retries, 0 resumed$" err &&
	test "$(gicat query --format csv --fields sha256 "dataset = rep2" | tail -1)" = "$(sha srv/rep2.png)" &&
	grep " /replaced/rep1.png+rep2.png?2 " chg.log >t && test "$(wc -l <t)" -eq 3 &&
	sed -n 2p t | grep -q "range=bytes=" && sed -n 3p t | grep -q "range=- "
'

test_expect_success 'a resume answered with another range than asked fails the try; the next starts over' '
	printf "url\n$C/shifted/big.png\n" >shifted.csv &&
	test_expect_code 1 gicat fetch --dataset shifted --retries 1 shifted.csv 2>err &&
	test_grep "shifted/big.png.: resumed download: the server sent another range than asked" err &&
	test "$(gicat query --count "dataset = shifted")" -eq 0 &&
	gicat fetch --dataset shifted --retries 0 shifted.csv 2>err &&
	test "$(gicat query --format csv --fields sha256 "dataset = shifted" | tail -1)" = "$(sha srv/big.png)" &&
	gicat verify --full >out && test_grep " 0 problems" out
'

test_expect_success '--max-bytes takes a file of exactly that size, announced or not, and refuses one byte more' '
	size=$(stat -c %s srv/a.png) &&
	printf "url\n$C/img/a.png\n$C/gzip/a.png\n" >cap.csv &&
	test_expect_code 1 gicat fetch --dataset cap --retries 0 --max-bytes $((size - 1)) cap.csv 2>err &&
	test "$(grep -c "a.png.: file too large: .*over the $((size - 1))-byte limit" err)" -eq 2 &&
	gicat fetch --dataset cap --retries 0 --max-bytes $size cap.csv 2>err &&
	test "$(gicat query --count "dataset = cap")" -eq 2
'

test_expect_success 'an error page without end stops at --max-bytes, not retried' '
	printf "url\n$C/errendless/404\n$C/errendless/503\n" >errend.csv &&
	test_expect_code 1 timeout 60 gicat fetch --dataset errend --max-bytes 1M --retries 0 errend.csv 2>err &&
	test_grep "errendless/404.: HTTP 404 with a body over the 1048576-byte limit$" err &&
	test_grep "errendless/503.: HTTP 503 with a body over the 1048576-byte limit$" err &&
	test "$(sql "SELECT count(*) FROM fetches WHERE url LIKE \"%/errendless/%\" AND status = \"failed\"")" -eq 2
'

test_expect_success 'an error page announced over --max-bytes stops at its headers, not after --max-time' '
	printf "url\n$C/errhuge/404\n" >errhuge.csv &&
	t0=$(date +%s) &&
	test_expect_code 1 timeout 60 gicat fetch --dataset errhuge --max-bytes 1M --retries 0 errhuge.csv 2>err &&
	test $(($(date +%s) - t0)) -lt 10 &&
	test_grep "errhuge/404.: HTTP 404 with a body over the 1048576-byte limit$" err
'

test_expect_success 'a list refused for a bad URL does not show its password' '
	printf "url\nftp://bob:s3cret@127.0.0.1:1/a.png\n" >pw1.csv &&
	test_expect_code 2 gicat fetch pw1.csv 2>err &&
	test_grep "ftp://bob:\*\*\*@127.0.0.1:1/a.png. is not an http or https URL" err &&
	printf "url\nhttp://bob:s3cret@127.0.0.1:8x/a.png\n" >pw2.csv &&
	test_expect_code 2 gicat fetch pw2.csv 2>err &&
	test_grep "http://bob:\*\*\*@127.0.0.1:8x/a.png. is not a URL" err &&
	! grep -q s3cret err &&
	for c in / "?" "#"; do
		printf "url\nhttp://alice:Pa${c}ss1@127.0.0.1:1/x\n" >pw3.csv &&
		test_expect_code 2 gicat fetch pw3.csv 2>err &&
		test_grep "http://alice:\*\*\*@127.0.0.1:1/x" err && ! grep -q ss1 err || return 1
	done
'
kill "$(cat chg.pid)" 2>/dev/null

# A URL listed with a sha256 that the store already holds needs no
# transfer: its entry is made from the stored image, as ingest makes one
# for a file of known content.  A URL tried before, a damaged object, or
# --download-known: downloaded as usual.
kn() { sqlite3 kn/.gicat/catalog.db "$1"; }
kstate() { kn "SELECT status, attempts, coalesce(http_status, \"-\"), sha256 FROM fetches WHERE url LIKE \"%$1\""; }
test_expect_success 'a listed sha256 already stored is catalogued without a download' '
	gicat init kn 2>/dev/null &&
	gicat --catalog kn ingest --dataset local srv/b.png srv/c.png srv/e.png >/dev/null 2>&1 &&
	start_server kn &&
	K=http://127.0.0.1:$(cat kn.port) &&
	printf "url,sha256,label\n%s,%s,fake\n%s,,\n%s,%s,\n" "$K/img/b.png" "$(sha srv/b.png)" \
		"$K/img/c.png" "$K/img/f.png" "$(sha srv/f.png)" >kn.csv &&
	gicat --catalog kn fetch kn.csv 2>err &&
	test_grep "^fetch: 3 URLs: 2 fetched, 1 from the store, 0 failed, 0 done before" err &&
	test_grep "^  1 URL listed with a sha256 already stored: catalogued without a download (--download-known fetches them)$" err &&
	test_grep "^  1 download of content already catalogued: not decoded again$" err &&
	! grep -q " /img/b.png " kn.log &&
	grep -q " /img/c.png " kn.log && grep -q " /img/f.png " kn.log &&
	test "$(kstate /img/b.png)" = "done|0|-|$(sha srv/b.png)" &&
	test "$(kstate /img/c.png)" = "done|1|200|$(sha srv/c.png)" &&
	test "$(kn "SELECT sha256, label FROM entries WHERE path LIKE \"%/img/b.png\"")" = "$(sha srv/b.png)|fake" &&
	gicat --catalog kn fetch --status kn.csv >st &&
	test_grep "^done  *3 " st
'

test_expect_success 'content already catalogued, not decoded again, still meets the pixel limit' '
	K=http://127.0.0.1:$(cat kn.port) &&
	printf "url\n%s\n" "$K/img/c.png?again" >kn4.csv &&
	test_expect_code 1 gicat --catalog kn fetch --max-pixels 100 kn4.csv 2>err &&
	test_grep "^  1 download of content already catalogued: not decoded again$" err &&
	test_grep "over the pixel limit (100 px): image is 32x32 (1024 px)" err &&
	gicat --catalog kn fetch kn4.csv 2>err &&
	test_grep "^  0 new images, 1 new entry, 0 already present" err &&
	test_grep "^  1 download of content already catalogued" err
'

test_expect_success 'content catalogued only as a ref becomes an object when fetched' '
	K=http://127.0.0.1:$(cat kn.port) &&
	gicat --catalog kn ingest --mode ref --dataset local srv/m.png >/dev/null 2>&1 &&
	test "$(kn "SELECT storage FROM images WHERE sha256 = \"$(sha srv/m.png)\"")" = ref &&
	printf "url\n%s\n" "$K/img/m.png" >kn5.csv &&
	gicat --catalog kn fetch kn5.csv 2>err &&
	test_grep "^  1 download of content already catalogued: not decoded again$" err &&
	test "$(kn "SELECT storage, ref_path IS NULL FROM images WHERE sha256 = \"$(sha srv/m.png)\"")" = "object|1" &&
	gicat --catalog kn cat "$(sha srv/m.png)" | cmp - srv/m.png
'

test_expect_success 'a damaged object, a URL tried before, --download-known: downloaded' '
	K=http://127.0.0.1:$(cat kn.port) &&
	obj=kn/.gicat/objects/$(sha srv/e.png | cut -c1-2)/$(sha srv/e.png | cut -c3-) &&
	chmod u+w "$obj" && printf x >>"$obj" &&
	printf "url,sha256\n%s,%s\n" "$K/img/e.png" "$(sha srv/e.png)" >kn2.csv &&
	gicat --catalog kn fetch kn2.csv 2>err &&
	grep -q " /img/e.png " kn.log &&
	test "$(kstate /img/e.png)" = "done|1|200|$(sha srv/e.png)" &&
	test "$(sha "$obj")" = "$(sha srv/e.png)" &&
	printf "url,sha256\n%s,%s\n" "$K/img/g.png" "$(sha srv/c.png)" >kn3.csv &&
	: >kn.log &&
	test_expect_code 1 gicat --catalog kn fetch --download-known kn3.csv 2>err &&
	grep -q " /img/g.png " kn.log &&
	test "$(kstate /img/g.png | cut -d"|" -f1-3)" = "failed|1|200" &&
	: >kn.log &&
	test_expect_code 1 gicat --catalog kn fetch kn3.csv 2>err &&
	grep -q " /img/g.png " kn.log && ! grep -q "already stored" err &&
	test "$(kstate /img/g.png | cut -d"|" -f1-3)" = "failed|2|200" &&
	gicat --catalog kn verify --full >out && test_grep " 0 problems" out
'
test_expect_success 'a URL another dataset fetched is downloaded to check a listed sha256 it did not give' '
	K=http://127.0.0.1:$(cat kn.port) && : >kn.log &&
	printf "url,sha256\n%s,%s\n" "$K/img/c.png" "$(sha srv/b.png)" >other.csv &&
	test_expect_code 1 gicat --catalog kn fetch other.csv 2>err &&
	grep -q " /img/c.png " kn.log && test_grep "sha256" err &&
	test "$(kn "SELECT count(*) FROM entries WHERE dataset = \"other\"")" -eq 0 &&
	printf "url,sha256\n%s,%s\n" "$K/img/f.png" "$(sha srv/f.png)" >same.csv &&
	: >kn.log && gicat --catalog kn fetch same.csv 2>err &&
	test_grep "1 from the store" err && ! grep -q " /img/f.png " kn.log
'
# A list is looked up a thousand rows at a time while the transfers run:
# repeated rows, URLs done before and URLs catalogued from the store fall
# on every side of those boundaries, and each URL is still fetched once.
test_expect_success 'a list of many chunks: every URL once, repeats and known content as in one' '
	K=http://127.0.0.1:$(cat kn.port) &&
	gicat init lg 2>/dev/null &&
	gicat --catalog lg ingest --dataset local srv/b.png >/dev/null 2>&1 &&
	awk -v k="$K" -v b="$(sha srv/b.png)" "BEGIN {
		print \"url,sha256\";
		for (i = 0; i < 4500; i++) {
			if (i % 7 == 0) printf \"%s/img/b.png?%d,%s\\n\", k, i, b;
			else printf \"%s/img/a.png?%d,\\n\", k, i;
			if (i % 10 == 9) printf \"%s/img/a.png?%d,\\n\", k, i - 5;
		} }" >lg.csv &&
	test "$(grep -c "^" lg.csv)" -eq 4951 &&
	: >kn.log &&
	gicat --catalog lg fetch lg.csv 2>err &&
	test_grep "^fetch: 4565 URLs: 3922 fetched, 643 from the store, 0 failed, 0 done before" err &&
	test_grep "^  643 URLs listed with a sha256 already stored" err &&
	test_grep "^  385 repeated rows skipped" err &&
	test "$(grep -c " /img/a.png?" kn.log)" -eq 3922 &&
	test "$(cut -d" " -f2 kn.log | sort -u | grep -c "^")" -eq 3922 &&
	! grep -q " /img/b.png" kn.log &&
	test "$(sqlite3 lg/.gicat/catalog.db "SELECT count(*) FROM entries WHERE path LIKE \"http%\"")" -eq 4565 &&
	: >kn.log &&
	gicat --catalog lg fetch lg.csv 2>err &&
	test_grep "^fetch: 4565 URLs: 0 fetched, 0 failed, 4565 done before" err &&
	test_cmp /dev/null kn.log
'
# On a terminal the progress line says how far the list's lookup is while
# it goes on: 60,000 rows of stored content take it a second or more, with
# no transfer at all.
test_expect_success 'on a terminal, progress counts the rows looked up while the lookup goes on' '
	K=http://127.0.0.1:$(cat kn.port) &&
	awk -v k="$K" -v b="$(sha srv/b.png)" "BEGIN {
		print \"url,sha256\";
		for (i = 0; i < 60000; i++) printf \"%s/img/b.png?t%d,%s\\n\", k, i, b; }" >lgt.csv &&
	: >kn.log &&
	script -qec "gicat --catalog lg fetch lgt.csv" /dev/null >lgt.out &&
	test_grep "fetch 0/0 .*(list: [0-9]*/60000 rows looked up)" lgt.out &&
	test_grep "60000 URLs listed with a sha256 already stored" lgt.out &&
	test_cmp /dev/null kn.log
'
# --jobs takes up to 1024, a common soft limit of open files: the soft
# limit is raised towards the hard one; where the hard one is short too,
# fewer transfers run at once, and the run still fetches everything.
test_expect_success 'more --jobs than open files allow: the limit is raised, or the transfers are fewer' '
	K=http://127.0.0.1:$(cat kn.port) &&
	awk -v k="$K" "BEGIN { print \"url\"; for (i = 0; i < 300; i++) printf \"%s/img/a.png?fd%d\\n\", k, i }" >fd.csv &&
	gicat init fdcat 2>/dev/null &&
	(ulimit -Sn 150 && gicat --catalog fdcat fetch --jobs 1024 fd.csv) 2>err &&
	test_grep "^fetch: 300 URLs: 300 fetched, 0 failed" err &&
	! grep "transfers at once" err &&
	sed "s/?fd/?hd/" fd.csv >hd.csv &&
	(ulimit -n 150 && gicat --catalog fdcat fetch --jobs 1024 hd.csv) 2>err &&
	test_grep "^fetch: 300 URLs: 300 fetched, 0 failed" err &&
	test_grep "^  86 transfers at once, not --jobs: the open-file limit allows no more (.ulimit -n.)$" err
'
kill "$(cat kn.pid)" 2>/dev/null

test_done
