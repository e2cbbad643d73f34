#!/bin/sh
# gicat fetch against real servers on 127.0.0.1, started here: the
# fault-injecting tests/fetch/server.py (over HTTP, and over HTTPS with a
# self-signed certificate made with openssl) and Python's own http.server.
# Every fault ends as it should with nothing partial stored, every good
# image is catalogued with its URL, and a re-run fetches only what is not
# done, also after a kill -9.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t/lib-fetch.sh"

start_server http
B=http://127.0.0.1:$(cat http.port)
cat >list.csv <<EOF
url,sha256,dataset,generator,label,split,class,license
$B/img/a.png,$(sha srv/a.png),,,real,train,n01440764,CC-BY-4.0
$B/flaky/b.png,,,sd14,fake,train,1,
$B/busy/c.png,,,sd14,fake,val,2,
$B/drop/d.jpg,,,,real,val,,
"$B/slow/e.png",,,,fake,,,
$B/html/x.png,,,,fake,,,
$B/redirect/f.png,,,adm,fake,test,999,
$B/loop,,,,,,,
$B/tofile/a.png,,,,,,,
$B/endless,,,,,,,
$B/huge,,,,,,,
$B/img/g.png,$(sha srv/a.png),,,,,,
$B/status/404,,,,,,,
$B/img/trunc.png,,,,,,,
$B/dropplain/i.png,,,,,,,
$B/once404/j.png,,,,,,,
EOF

test_expect_success 'good URLs are catalogued, broken ones fail with their reasons, exit 1' '
	test_expect_code 1 gicat fetch --retries 1 --timeout 1 --max-bytes 256k \
		--license CC0-1.0 list.csv 2>err &&
	test "$(grep -c "^gicat: fetch: " err)" -eq 10 &&
	test_grep "slow/e.png.: Operation too slow.* (2 attempts)" err &&
	test_grep "html/x.png.: not a PNG or JPEG file (HTML: a web page, an error or login page?)$" err &&
	test_grep "loop.: more than 5 redirects (a loop?), the last to .$B/loop.$" err &&
	test_grep "tofile/a.png.: redirect to .file://.* refused" err &&
	test_grep "endless.: file too large: over the 262144-byte limit" err &&
	test_grep "huge.: file too large: 10737418240 bytes" err &&
	test_grep "img/g.png.: sha256 mismatch" err &&
	test_grep "status/404.: HTTP 404 Not Found$" err &&
	test_grep "once404/j.png.: HTTP 404 Not Found$" err &&
	test_grep "trunc.png.: truncated PNG" err &&
	test_grep "^fetch: 16 URLs: 6 fetched, 10 failed, 0 done before" err &&
	test_grep "; [0-9]* retr[a-z]*, 1 resumed$" err  # /drop/d.jpg; /dropplain has no ranges
'

test_expect_success 'each fetched URL is an entry: path and source are the URL, columns from the list' '
	gicat query --format csv --fields path,source,dataset,generator,label,split,class,wnid,class_source,license \
		| tail -n +2 | sed "s|$B||g" | sort >got &&
	cat >want <<-EOF &&
	/busy/c.png,/busy/c.png,list,sd14,fake,val,2,n01484850,list,CC0-1.0
	/drop/d.jpg,/drop/d.jpg,list,,real,val,,,,CC0-1.0
	/dropplain/i.png,/dropplain/i.png,list,,,,,,,CC0-1.0
	/flaky/b.png,/flaky/b.png,list,sd14,fake,train,1,n01443537,list,CC0-1.0
	/img/a.png,/img/a.png,list,,real,train,0,n01440764,list,CC-BY-4.0
	/redirect/f.png,/redirect/f.png,list,adm,fake,test,999,n15075141,list,CC0-1.0
	EOF
	test_cmp want got
'

test_expect_success 'a list on standard input: - (the format read from its first line)' '
	gicat init sc 2>/dev/null &&
	printf "url,label\n%s,fake\n" "$B/img/m.png" | gicat --catalog sc fetch - 2>err &&
	test_grep "^fetch: 1 URL: 1 fetched" err &&
	test "$(gicat --catalog sc query --fields label | tail -1)" = fake &&
	echo "$B/img/m.png" | gicat --catalog sc fetch --status --format csv - >out &&
	test_grep "^done,1," out
'

test_expect_success '--layout reads a URL'"'"'s path as ingest reads a file'"'"'s (licenses attached to the dataset added); --mode copy is the only mode' '
	cp srv/b.png srv/0_adm_174.PNG && cp "$JPEGS/testorig.jpg" srv/ILSVRC2012_val_00000001.JPEG &&
	G=$B/img/GenImage/ADM/imagenet_ai_0508_adm &&
	printf "url,split\n%s,\n%s,\n%s,test\n" "$G/train/ai/0_adm_174.PNG" \
		"$G/val/nature/ILSVRC2012_val_00000001.JPEG" "$B/img/GenImage/other/x/0_adm_174.PNG" >gi.csv &&
	printf "ImageId,PredictionString\nILSVRC2012_val_00000001,n01443537 1 2 3 4\n" >vl.csv &&
	gicat init laycat 2>/dev/null &&
	gicat --catalog laycat license set --dataset mirror CC0-1.0 2>/dev/null &&
	gicat --catalog laycat fetch --layout auto --val-labels vl.csv --mode copy --dataset mirror gi.csv 2>err &&
	gicat --catalog laycat query --format csv --fields generator,subset,label,split,class,class_source,license |
		tail -n +2 | sort >got &&
	cat >want <<-EOF &&
	,,,test,0,filename,CC0-1.0
	,adm,real,val,1,val_labels,LicenseRef-GenImage LicenseRef-ImageNet CC0-1.0
	adm,adm,fake,train,0,filename,LicenseRef-GenImage CC0-1.0
	EOF
	test_cmp want got &&
	test_expect_code 2 gicat --catalog laycat fetch --mode link gi.csv 2>err &&
	test_grep "^gicat: fetch: --mode link: downloaded images are stored as copies; only --mode copy applies$" err &&
	test_expect_code 2 gicat --catalog laycat fetch --val-labels vl.csv gi.csv 2>err &&
	test_grep "^gicat: fetch: --val-labels is read with --layout" err &&
	test_expect_code 2 gicat --catalog laycat fetch --layout nested gi.csv 2>err &&
	test_grep "^gicat: fetch: unknown layout" err
'

test_expect_success 'a val photo fetched without --val-labels is named in the summary; a re-run with them gives it its class' '
	G=$B/img/GenImage/ADM/imagenet_ai_0508_adm &&
	printf "url\n%s\n" "$G/val/nature/ILSVRC2012_val_00000001.JPEG" >val.csv &&
	gicat init valcat 2>/dev/null &&
	gicat --catalog valcat fetch --layout genimage val.csv 2>err &&
	test_grep "^  1 ImageNet val photo has no class (first: .$G/val/nature/ILSVRC2012_val_00000001.JPEG.): --val-labels LOC_val_solution.csv (ImageNet${SQ}s) gives them one, now or in a later fetch$" err &&
	test "$(gicat --catalog valcat query --count "class = null")" -eq 1 &&
	gicat --catalog valcat fetch --layout genimage --val-labels vl.csv val.csv 2>err &&
	test_grep "^fetch: 1 URL: 0 fetched, 0 failed, 1 done before" err &&
	test_grep "^  1 entry updated from the list or the options$" err &&
	test "$(gicat --catalog valcat query --format csv --fields class,wnid,class_source | sed 1d)" = "1,n01443537,val_labels" &&
	gicat --catalog valcat fetch --layout genimage --val-labels vl.csv val.csv 2>err &&
	! grep "updated" err &&
	printf "url\n%s\n" "$B/img/a.png" >nolabel.csv &&
	gicat --catalog valcat fetch nolabel.csv 2>err &&
	test_grep "^  1 entry has no label (first: .$B/img/a.png.): neither the list${SQ}s label column nor --label gives one (nor, with --layout, a folder of the URL)$" err &&
	printf "url\n%s\n" "$B/img/b.png" >nogen.csv &&
	gicat --catalog valcat fetch --label fake nogen.csv 2>err &&
	test_grep "^  1 fake entry has no generator (first: .$B/img/b.png.): neither the list${SQ}s generator column nor --generator gives one (nor, with --layout, a folder of the URL)$" err
'

test_expect_success 'the bytes are the served files, whole: fetched hashes match' '
	for f in a b c f i; do sha srv/$f.png; done >want.raw && sha srv/d.jpg >>want.raw &&
	sort want.raw >want &&
	gicat query --format csv --fields sha256 | tail -n +2 | sort >got &&
	test_cmp want got && test "$(wc -l <got)" -eq 6
'

test_expect_success '500 and 429 are retried, 429 after its Retry-After' '
	test "$(state /flaky/b.png)" = "done|2|200" &&
	test "$(state /busy/c.png)" = "done|2|200" &&
	grep " /busy/c.png " http.log | awk "{print \$1}" >t &&
	test "$(wc -l <t)" -eq 2 &&
	awk "NR == 1 {a = \$1} NR == 2 {exit !(\$1 - a >= 0.95)}" t
'

test_expect_success 'a dropped connection resumes with Range and If-Range when the server takes ranges' '
	test "$(state /drop/d.jpg)" = "done|2|206" &&
	grep " /drop/d.jpg " http.log >t &&
	test "$(wc -l <t)" -eq 2 &&
	tail -1 t | grep -q "range=bytes=$(($(wc -c <srv/d.jpg) / 2))- if-range=\"" &&
	test "$(state /dropplain/i.png)" = "done|2|200" &&
	test "$(grep -c " /dropplain/i.png range=- " http.log)" -eq 2
'

test_expect_success 'no retry after a 404, a redirect loop, a refused redirect or refused content' '
	for u in /status/404 /once404/j.png /tofile/a.png /html/x.png /img/g.png /endless /huge; do
		test "$(state $u | cut -d"|" -f1,2)" = "failed|1" || { echo "$u: $(state $u)"; exit 1; }
	done &&
	test "$(grep -c " /loop " http.log)" -eq 6 &&
	test "$(state /redirect/f.png)" = "done|1|200" &&
	test "$(sql "SELECT final_url FROM fetches WHERE url LIKE \"%/redirect/f.png\"")" = "$B/img/f.png"
'

test_expect_success 'nothing of a failed URL is stored; refused content is in rejects' '
	find cat/.gicat/objects -type f | sed "s|.*/objects/||; s|/||" | sort >got &&
	gicat query --format csv --fields sha256 | tail -n +2 | sort -u >want &&
	test_cmp want got &&
	! find cat/.gicat -name "tmp-*" | grep . &&
	sql "SELECT path FROM rejects ORDER BY path" | sed "s|$B||" >got &&
	printf "%s\n" /endless /html/x.png /huge /img/g.png /img/trunc.png | sort >want &&
	test_cmp want got &&
	test "$(sql "SELECT count(*) FROM entries WHERE path LIKE \"%/g.png\" OR path LIKE \"%/slow/%\"")" -eq 0 &&
	gicat verify 2>err
'

test_expect_success 'a re-run fetches only what is not done' '
	wc -l <http.log >before &&
	test_expect_code 1 gicat fetch --retries 0 --timeout 1 --max-bytes 256k list.csv 2>err &&
	test_grep "^fetch: 16 URLs: 1 fetched, 9 failed, 6 done before" err &&
	tail -n +$(($(cat before) + 1)) http.log | awk "{print \$2}" | sort -u >got &&
	printf "%s\n" /endless /html/x.png /huge /img/g.png /img/trunc.png /loop \
		/once404/j.png /slow/e.png /status/404 /tofile/a.png | sort >want &&
	test_cmp want got &&
	test "$(state /once404/j.png)" = "done|2|200" &&
	test "$(state /status/404)" = "failed|2|404"
'

test_expect_success 'a re-run with changed columns updates the done entries and downloads nothing' '
	printf "url,generator,label,class\n%s\n%s\n" "$B/img/a.png,adm,fake," \
		"$B/busy/c.png,,,5" >fix.csv &&
	wc -l <http.log >before &&
	gicat fetch --dataset list fix.csv 2>err &&
	test_grep "^fetch: 2 URLs: 0 fetched, 0 failed, 2 done before" err &&
	test_grep "^  2 entries updated from the list or the options$" err &&
	test "$(wc -l <http.log)" -eq "$(cat before)" &&
	gicat query --format csv --fields path,generator,label,split,class,wnid,class_source,license \
		"path ~ \"*/img/a.png\" or path ~ \"*/busy/c.png\"" | tail -n +2 | sed "s|$B||g" | sort >got &&
	cat >want <<-EOF &&
	/busy/c.png,sd14,fake,val,5,n01496331,list,CC0-1.0
	/img/a.png,adm,fake,train,0,n01440764,list,CC-BY-4.0
	EOF
	test_cmp want got &&
	gicat fetch --dataset list fix.csv 2>err &&
	! grep updated err
'

test_expect_success 'a done URL whose row now names another sha256 is fetched again and checked' '
	test "$(gicat query --count "dataset = list and path = ${SQ}$B/img/a.png${SQ}")" -eq 1 &&
	printf "url,sha256\n%s,%064d\n" "$B/img/a.png" 0 >wrongsha.csv &&
	gicat fetch --status --dataset list --format csv wrongsha.csv >out 2>/dev/null &&
	test "$(cat out)" = "$(printf "status,urls,bytes\nchanged,1,%s" "$(stat -c %s srv/a.png)")" &&
	test_expect_code 1 gicat fetch --dataset list wrongsha.csv 2>err &&
	test_grep "img/a.png.: sha256 mismatch" err &&
	test_grep "^  1 URL done before failed this time: its entry removed (gc deletes images no entry uses)$" err &&
	# a failed URL has no entry, only its reject
	test "$(gicat query --count "dataset = list and path = ${SQ}$B/img/a.png${SQ}")" -eq 0 &&
	test "$(state /img/a.png | cut -d"|" -f1)" = failed &&
	printf "url,sha256\n%s,%s\n" "$B/img/a.png" "$(sha srv/a.png)" >rightsha.csv &&
	gicat fetch --dataset list rightsha.csv 2>err &&
	test "$(state /img/a.png | cut -d"|" -f1)" = done &&
	test "$(gicat query --count "dataset = list and path = ${SQ}$B/img/a.png${SQ}")" -eq 1
'

test_expect_success 'a fetched image whose object is lost: verify says to download it and ingest it' '
	u=$(sql "SELECT path FROM entries WHERE source IS NOT NULL AND path LIKE '"'"'%/img/%'"'"' AND sha256 IN (SELECT sha256 FROM entries GROUP BY sha256 HAVING count(*) = 1) ORDER BY id LIMIT 1") &&
	test -n "$u" &&
	h=$(sql "SELECT sha256 FROM entries WHERE path = '"'"'$u'"'"'") &&
	rm -f "cat/.gicat/objects/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-)" &&
	test_expect_code 1 gicat verify 2>err >out &&
	test_grep "object is missing from the store; 1 entry, .$u.: download it and ingest the file$" err &&
	curl -sfL -o lost.png "$u" && gicat ingest --dataset lost lost.png 2>/dev/null &&
	gicat verify >out && test_grep " 0 problems" out
'

killed_done() {
	sqlite3 killcat/.gicat/catalog.db "SELECT count(*) FROM fetches WHERE status = 'done'" 2>/dev/null || echo 0
}
test_expect_success 'kill -9 during a fetch: verify is clean, a re-run fetches the rest' '
	"$PY" -c "
import sys
from PIL import Image
for i in range(40):
    Image.new(\"RGB\", (40 + i, 30), (4 * i, 255 - 4 * i, 7 * i % 256)).save(\"srv/k%02d.png\" % i)
" &&
	for i in $(seq -w 0 39); do echo "$B/wait/100/k$i.png"; done >kill.txt &&
	gicat init killcat 2>/dev/null &&
	(exec gicat --catalog killcat fetch --jobs 2 kill.txt 2>/dev/null) &
	pid=$! && n=0 &&
	# killed once a commit has recorded some URLs as done (one a second)
	while [ "$(killed_done)" -eq 0 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done &&
	kill -9 $pid && { wait $pid || :; } &&
	sleep 0.2 &&
	gicat --catalog killcat verify --full >out &&
	done=$(killed_done) &&
	test "$done" -gt 0 && test "$done" -lt 40 &&
	test "$(sqlite3 killcat/.gicat/catalog.db "SELECT count(*) FROM entries")" -eq "$done" &&
	grep -c "/k[0-9]*.png" http.log >before &&
	gicat --catalog killcat fetch --jobs 8 kill.txt 2>err &&
	test_grep "40 URLs: $((40 - done)) fetched, 0 failed, $done done before" err &&
	test "$(grep -c "/k[0-9]*.png" http.log)" -eq $(($(cat before) + 40 - done)) &&
	test "$(sqlite3 killcat/.gicat/catalog.db "SELECT count(*) FROM entries")" -eq 40 &&
	gicat --catalog killcat verify --full >out
'

test_expect_success '--status counts URLs per state, lists failures and exits 1' '
	test_expect_code 1 gicat fetch --status --format csv >out 2>err &&
	grep -v ^status out | cut -d, -f1,2 >got &&
	printf "done,7\nfailed,9\n" >want &&
	test_cmp want got &&
	test "$(grep -c "^gicat: fetch: " err)" -eq 9 &&
	test_grep "status/404.: HTTP 404 Not Found (dataset list)$" err &&
	test "$(grep -c "^gicat: fetch: ${SQ}$B/[^ ]*${SQ}: " err)" -eq 9 &&
	test_grep "^gicat: fetch: ${SQ}$B/loop${SQ}: more than 5 redirects (a loop?), the last to .$B/loop. (dataset list)$" err &&
	echo "$B/img/k.png" >other.txt &&
	gicat fetch --status other.txt >out &&
	test_grep "^new  *1" out &&
	test_expect_code 1 gicat fetch --status list.csv >out &&
	test_grep "^done  *7" out &&
	test_expect_code 2 gicat fetch --status --download-known list.csv >out 2>err &&
	test_grep "^gicat: fetch: --download-known is for fetching, not for --status$" err &&
	test_expect_code 2 gicat fetch --status -j 4 >out 2>err &&
	test_grep "^gicat: fetch: --jobs is for fetching, not for --status$" err &&
	test_expect_code 2 gicat fetch --format csv other.txt >out 2>err &&
	test_grep "^gicat: fetch: --format is for --status$" err &&
	test "$(state /img/k.png)" = "" &&
	cp -r cat stopped && sqlite3 stopped/.gicat/catalog.db \
		"INSERT INTO fetches (dataset, url, status, attempts) VALUES (${SQ}list${SQ}, ${SQ}$B/img/never.png${SQ}, ${SQ}pending${SQ}, 0)" &&
	test_expect_code 1 gicat --catalog stopped fetch --status --format csv >out 2>/dev/null &&
	test_grep "^new,1," out
'

test_expect_success 'a list fetched under --dataset, then run or asked about without it: a note says where its URLs are done' '
	cp list.csv renamed.csv &&
	gicat fetch --status renamed.csv >out 2>err &&
	test_grep "^new  *16" out &&
	test_grep "^gicat: fetch: note: 7 URLs of .renamed.csv. are done in dataset .list., not in .renamed., which this counts; --dataset list counts those$" err &&
	gicat fetch --status --dataset list renamed.csv >out 2>err || : &&
	! grep -q note err &&
	gicat fetch --status list.csv >out 2>err || : &&
	! grep -q note err &&
	head -2 list.csv >one.csv && cp -r cat notecat &&
	gicat --catalog notecat fetch one.csv 2>err &&
	test_grep "^gicat: fetch: note: 1 URL of .one.csv. is done in dataset .list., not in .one., which this run fetches into; --dataset list goes on with that one$" err &&
	gicat --catalog notecat fetch one.csv 2>err &&
	! grep -q note err
'

test_expect_success '--status --dataset counts only the URLs of that dataset' '
	test_expect_code 1 gicat fetch --status --dataset list --format csv >out 2>err &&
	grep -v ^status out | cut -d, -f1,2 >got &&
	printf "done,7\nfailed,9\n" >want &&
	test_cmp want got &&
	test "$(grep -c "^gicat: fetch: " err)" -eq 9 &&
	gicat fetch --status --dataset nosuchds --format csv >out 2>err &&
	test "$(grep -vc ^status out)" -eq 0 &&
	test "$(cat err)" = "fetch: the catalog has no URL in dataset ${SQ}nosuchds${SQ}; it has URLs in: list" &&
	gicat fetch --status --dataset nosuchds list.csv --format csv >out &&
	test "$(grep -v ^status out | cut -d, -f1,2)" = "new,16" &&
	gicat fetch -h >out &&
	test_grep "status.*--dataset" out
'

test_expect_success '--forget-failed forgets the failed URLs of a list, a dataset or all; never a done one' '
	cp -r cat forget &&
	fs() { gicat --catalog forget fetch --status --format csv "$@" | grep -v ^status | cut -d, -f1,2; } &&
	{ head -1 list.csv; grep -e /status/404 -e /loop list.csv; } >two.csv &&
	gicat --catalog forget fetch --forget-failed two.csv 2>err &&
	test_grep "^gicat: fetch: note: 2 URLs of .two.csv. failed in dataset .list., not in .two., which this forgets of; --dataset list forgets those$" err &&
	test_grep "^fetch: forgot 0 failed URLs$" err &&
	rejects=$(sqlite3 forget/.gicat/catalog.db "SELECT count(*) FROM rejects") &&
	test "$rejects" -eq 5 &&
	gicat --catalog forget fetch --forget-failed --dataset list two.csv >out 2>err &&
	test_grep "^fetch: forgot 2 failed URLs$" err && ! test -s out &&
	test "$(fs 2>/dev/null | paste -sd" ")" = "done,7 failed,7" &&
	test "$(fs --dataset list two.csv)" = "new,2" &&
	gicat --catalog forget fetch --forget-failed --dataset nosuchds 2>err &&
	test "$(cat err)" = "fetch: forgot 0 failed URLs (the catalog has no URL in dataset ${SQ}nosuchds${SQ}; it has URLs in: list)" &&
	gicat --catalog forget fetch --forget-failed --dataset list list.csv 2>err &&
	test_grep "^fetch: forgot 7 failed URLs$" err &&
	test "$(sqlite3 forget/.gicat/catalog.db "SELECT count(*) FROM rejects")" -eq 0 &&
	gicat --catalog forget stats --rejects >out 2>&1 && ! grep -F "$B" out &&
	gicat --catalog forget fetch --status >out 2>err &&
	test "$(fs | paste -sd" ")" = "done,7" &&
	cp -r cat forget2 &&
	sqlite3 forget2/.gicat/catalog.db "INSERT INTO fetches (dataset, url, status) SELECT \"other\", path, \"failed\" FROM rejects WHERE path LIKE \"%/html/x.png\"" &&
	gicat --catalog forget2 fetch --forget-failed --dataset list 2>err &&
	test_grep "^fetch: forgot 9 failed URLs$" err &&
	test "$(sqlite3 forget2/.gicat/catalog.db "SELECT path FROM rejects" | sed "s|$B||")" = /html/x.png &&
	gicat --catalog forget2 fetch --forget-failed 2>err &&
	test_grep "^fetch: forgot 1 failed URL$" err &&
	test "$(sqlite3 forget2/.gicat/catalog.db "SELECT count(*) FROM rejects")" -eq 0 &&
	gicat --catalog forget2 fetch --status >/dev/null &&
	test_expect_code 2 gicat fetch --forget-failed --status 2>err &&
	test_grep "^gicat: fetch: --forget-failed and --status: give one$" err &&
	test_expect_code 2 gicat fetch --forget-failed -j 2 2>err &&
	test_grep "^gicat: fetch: --jobs is for fetching, not for --forget-failed$" err &&
	test_expect_code 2 gicat fetch --forget-failed --format csv 2>err &&
	test_grep "^gicat: fetch: --format is for --status$" err
'

test_expect_success 'JSONL lists: content already stored gets a new entry, not a second object' '
	objects=$(find cat/.gicat/objects -type f | wc -l) &&
	printf "%s\n" "{\"url\": \"$B/img/a.png\", \"dataset\": \"mirror\", \"class\": 7, \"label\": \"real\"}" \
		"{\"url\": \"$B/img/k.png\", \"dataset\": \"mirror\", \"generator\": null}" \
		"{\"url\": \"$B/img/k.png\", \"dataset\": \"mirror\"}" >mirror.jsonl &&
	gicat fetch mirror.jsonl 2>err &&
	test_grep "1 new image, 2 new entries" err &&
	test_grep "1 repeated row skipped" err &&
	test "$(find cat/.gicat/objects -type f | wc -l)" -eq $((objects + 1)) &&
	test "$(gicat query --count "dataset = mirror and class = 7 and label = real")" -eq 1 &&
	! grep warning err &&
	printf "%s\n" "{\"url\": \"$B/img/i.png\", \"dataset\": \"mirror2\", \"label\": \"fake\"}" \
		"{\"url\": \"$B/img/j.png\", \"dataset\": \"mirror2\", \"class\": 3.0}" \
		"{\"url\": \"$B/img/i.png\", \"dataset\": \"mirror2\", \"label\": \"real\"}" >mirror2.jsonl &&
	gicat fetch mirror2.jsonl 2>err &&
	test_grep "^gicat: fetch: warning: 1 of them say other things of their URL than its first row (first: line 3, against line 1): the first row is taken$" err &&
	test "$(gicat query --count "dataset = mirror2 and label = fake")" -eq 1 &&
	test "$(gicat query --count "dataset = mirror2 and class = 3 and path ~ \"*/j.png\"")" -eq 1
'

test_expect_success 'rm of a fetched entry: its URL is no longer done, the next run fetches it again' '
	gicat rm "dataset = mirror and path ~ \"*/k.png\"" 2>err &&
	test "$(cat err)" = "rm: removed 1 entry; 1 image has no entry left (gicat gc deletes it and its object); 1 fetched URL will be fetched again by the next fetch of its list" &&
	gicat fetch --status --dataset mirror --format csv mirror.jsonl >out &&
	test_grep "^new,1," out && test_grep "^done,1," out &&
	gicat fetch mirror.jsonl 2>err &&
	test_grep "0 new images, 1 new entry" err &&
	test "$(gicat query --count "dataset = mirror")" -eq 2 &&
	gicat mv --dataset mirror "$B/img" elsewhere 2>err &&
	test "$(cat err)" = "mv: moved 0 entries from '"'"'$B/img'"'"' to '"'"'elsewhere'"'"'; 2 fetched entries left as they are (a URL)"
'

test_expect_success '--per-host 1 fetches one URL at a time from a host' '
	printf "$B/wait/300/%s.png\n" a b c >wait.txt &&
	t0=$(date +%s.%N) &&
	gicat fetch --per-host 1 --dataset perhost wait.txt 2>err &&
	awk -v a="$t0" -v b="$(date +%s.%N)" "BEGIN {exit !(b - a >= 0.9)}" &&
	test "$(gicat query --count "dataset = perhost")" -eq 3
'

test_expect_success 'HTTPS: a self-signed certificate is refused, and accepted with --cacert' '
	self_signed key.pem cert.pem 127.0.0.1 -addext subjectAltName=IP:127.0.0.1 &&
	start_server tls --tls cert.pem key.pem &&
	echo "$(printf "url\n"; echo "https://127.0.0.1:$(cat tls.port)/img/m.png")" >tls.csv &&
	test_expect_code 1 gicat fetch tls.csv 2>err &&
	test_grep "m.png.: SSL certificate problem" err &&
	test "$(state /img/m.png)" = "failed|1|" &&
	# through a redirect from http: said, as the listed URL is not https
	printf "url\nhttp://127.0.0.1:%s/tohttps/%s/m.png\n" "$(cat http.port)" "$(cat tls.port)" >up.csv &&
	test_expect_code 1 gicat fetch up.csv 2>err &&
	test_grep "tohttps/[0-9]*/m.png.: SSL certificate problem: .* (after a redirect to .https://127.0.0.1:$(cat tls.port)/img/m.png.)$" err &&
	! grep -q m.png tls.log &&
	test_expect_code 2 gicat fetch --cacert nosuch.pem tls.csv 2>err &&
	test "$(cat err)" = "gicat: fetch: '"'"'nosuch.pem'"'"': cannot open: No such file or directory" &&
	echo junk >junk.pem &&
	test_expect_code 2 gicat fetch --cacert junk.pem tls.csv 2>err &&
	test "$(cat err)" = "gicat: fetch: --cacert '"'"'junk.pem'"'"' holds no PEM certificate" &&
	mkdir -p certdir && test_expect_code 2 gicat fetch --cacert certdir tls.csv 2>err &&
	test "$(cat err)" = "gicat: fetch: --cacert '"'"'certdir'"'"' is a directory, not a file of certificates" &&
	test "$(state /img/m.png)" = "failed|1|" &&
	gicat fetch --cacert cert.pem tls.csv 2>err &&
	test "$(state /img/m.png)" = "done|2|200" &&
	test "$(gicat query --count "path ~ \"https://*/m.png\"")" -eq 1
'

test_expect_success 'HTTPS: a redirect down to plain http is refused' '
	HP=$(cat http.port) &&
	printf "url\nhttps://127.0.0.1:%s/tohttp/%s/k.png\n" "$(cat tls.port)" "$HP" >down.csv &&
	: >http.log &&
	test_expect_code 1 gicat fetch --cacert cert.pem down.csv 2>err &&
	test_grep "tohttp/$HP/k.png.: redirect to .http://127.0.0.1:$HP/img/k.png. refused: from https to plain http" err &&
	test "$(state /tohttp/$HP/k.png)" = "failed|1|302" &&
	! grep -q k.png http.log &&
	test "$(gicat query --count "path ~ \"*tohttp*\"")" -eq 0
'

# start_nginx_h2 PORT: nginx serving srv/ over TLS with HTTP/2, logging
# each request's protocol, connection serial and User-Agent
start_nginx_h2() {
	mkdir -p h2 &&
	cat >h2/nginx.conf <<-EOF &&
	worker_processes 1;
	daemon off;
	master_process off;
	pid $TRASH/h2/nginx.pid;
	error_log $TRASH/h2/error.log error;
	events { worker_connections 64; }
	http {
		log_format h2 "\$server_protocol \$connection \$http_user_agent \$uri";
		access_log $TRASH/h2/access.log h2;
		client_body_temp_path $TRASH/h2/body;
		proxy_temp_path $TRASH/h2/proxy;
		fastcgi_temp_path $TRASH/h2/fastcgi;
		uwsgi_temp_path $TRASH/h2/uwsgi;
		scgi_temp_path $TRASH/h2/scgi;
		server {
			listen 127.0.0.1:$1 ssl http2;
			ssl_certificate $TRASH/cert.pem;
			ssl_certificate_key $TRASH/key.pem;
			root $TRASH/srv;
		}
	}
	EOF
	(nginx -p "$TRASH/h2" -c "$TRASH/h2/nginx.conf" -e "$TRASH/h2/error.log" &
	 echo $! >h2.pid) &&
	n=0 && while ! curl -sf --cacert cert.pem -o /dev/null "https://127.0.0.1:$1/a.png" &&
		[ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
}

if command -v nginx >/dev/null 2>&1; then
test_expect_success 'HTTP/2 over TLS (nginx): every request HTTP/2, streams share a connection' '
	port=$("$PY" -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])") &&
	start_nginx_h2 $port &&
	ls srv | grep -E "^[a-m][.](png|jpg)$" | sed "s|^|https://127.0.0.1:$port/|" >h2.txt &&
	gicat init h2cat 2>/dev/null &&
	gicat --catalog h2cat fetch --jobs 8 --cacert cert.pem h2.txt 2>err &&
	n=$(wc -l <h2.txt) &&
	test "$(gicat --catalog h2cat query --count)" -eq "$n" &&
	grep " gicat/" h2/access.log >mine &&
	test "$(wc -l <mine)" -eq "$n" &&
	test "$(grep -vc "^HTTP/2.0 " mine)" -eq 0 &&
	test "$(cut -d" " -f2 mine | sort -u | wc -l)" -lt "$n"
'
else
	echo "# skipped the HTTP/2 test: nginx is not installed"
fi

test_expect_success 'a plain list (a comment after a URL) from http.server; --max-bytes stops a download as it arrives' '
	(python3 -u -m http.server --bind 127.0.0.1 --directory srv 0 >plain.out 2>&1 &
	 echo $! >plain.pid) &&
	n=0 && while ! grep -q "port" plain.out && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done &&
	P=http://127.0.0.1:$(sed -n "s/.* port \([0-9]*\) .*/\1/p" plain.out) &&
	printf "# two images\n%s  # the small one\n%s\n" "$P/e.png" "$P/big.png" >plain.txt &&
	test_expect_code 1 gicat fetch --max-bytes 64k --dataset web plain.txt 2>err &&
	test_grep "big.png.: file too large: 194438 bytes, over the 65536-byte limit" err &&
	test "$(gicat query --count "dataset = web and path = \"$P/e.png\"")" -eq 1 &&
	test "$(gicat query --count "dataset = web")" -eq 1 &&
	gicat fetch --dataset web --class n01443537 --label fake plain.txt 2>err &&
	test "$(gicat query --count "dataset = web")" -eq 2 &&
	test "$(gicat query --count "path ~ \"*/big.png\" and class = 1 and class_source = option and label = fake")" -eq 1 &&
	test "$(sql "SELECT count(*) FROM rejects WHERE path LIKE \"%big.png\"")" -eq 0
'

test_expect_success 'a URL with spaces is requested with them escaped (%20, + in the query), catalogued as listed' '
	P=http://127.0.0.1:$(sed -n "s/.* port \([0-9]*\) .*/\1/p" plain.out) &&
	cp srv/a.png "srv/with space.png" &&
	printf "url\n%s\n%s\n" "$P/with space.png" "$P/e.png?v=a b#c d" >space.csv &&
	gicat fetch --dataset spaced space.csv 2>err &&
	test "$(gicat query --count "dataset = spaced and path = \"$P/with space.png\"")" -eq 1 &&
	test "$(gicat query --count "dataset = spaced and path = \"$P/e.png?v=a b#c d\"")" -eq 1 &&
	test_grep "GET /with%20space.png " plain.out &&
	test_grep "GET /e.png?v=a+b " plain.out &&
	gicat fetch --dataset spaced space.csv 2>err &&
	test_grep "2 done before" err
'

# refused CONTENT PATTERN: fetch refuses list.bad (exit 2) with PATTERN
refused() {
	printf "$1" >list.bad && test_expect_code 2 gicat fetch list.bad 2>err &&
	test_grep "$2" err
}
test_expect_success 'a bad list is refused before anything is fetched, naming the line' '
	before=$(sql "SELECT count(*) FROM fetches") &&
	refused "url,label\n$B/img/k.png,real\n$B/img/m.png,maybe\n" \
		"^gicat: fetch: .list.bad.: line 3: label must be .real. or .fake., not .maybe." &&
	refused "url,label,Label\n$B/img/k.png,real,fake\n" \
		"line 1: two .label. columns in the header" &&
	refused "link\n$B/img/k.png\n" "line 1: no .url. column in the header (it has: link; name .link. url, if it holds the URLs)$" &&
	refused "key,image_url\nk,$B/img/k.png\n" "line 1: no .url. column in the header (it has: key, image_url; name .image_url. url, if it holds the URLs)$" &&
	printf "url\tlabel\n$B/img/k.png\treal\n" >tabs.csv &&
	test_expect_code 2 gicat fetch tabs.csv 2>err &&
	test_grep "line 1: no .url. column in the header (its fields are separated by tabs: name the list .tsv)$" err &&
	refused "url\n$B/img/k.png\nftp://127.0.0.1/k.png\n" \
		"line 3: .ftp://127.0.0.1/k.png. is not an http or https URL" &&
	refused "url\nimg/k.png\n" "line 2: .img/k.png. is not a URL" &&
	refused "url\n\"$B/a\nb.png\"\n" "line 2: .$B/a\\\\x0ab.png. is not a URL" &&
	test "$(wc -l <err)" -eq 1 &&
	refused "{\"url\": \"$B/img/k.png\", \"label\": \"ma\\\\nybe\"}\n" \
		"^gicat: fetch: .list.bad.: line 1: label must be .real. or .fake., not .ma\\\\x0aybe.$" &&
	test "$(wc -l <err)" -eq 1 &&
	refused "{\"url\": \"$B/img/k.png\", \"class\": 3.5}\n" \
		"line 1: .class. must be a whole number or a wnid" &&
	refused "url,label\n$B/img/k.png,bogus\nftp://x/y.png,real\n$B/img/m.png,fake\nnot a url,real\n" \
		"^gicat: fetch: .list.bad.: line 2: label must be .real. or .fake., not .bogus.$" &&
	test_grep "^gicat: fetch: .list.bad.: line 3: .ftp://x/y.png. is not an http or https URL$" err &&
	test_grep "^gicat: fetch: .list.bad.: line 5: .not a url. is not a URL" err &&
	test "$(wc -l <err)" -eq 3 &&
	{ echo url; for i in $(seq 30); do echo "ftp://x/$i.png"; done; } >many.bad &&
	test_expect_code 2 gicat fetch many.bad 2>err &&
	test "$(grep -c "is not an http or https URL$" err)" -eq 20 &&
	test_grep "^gicat: fetch: .many.bad.: \.\.\. and 10 more bad rows$" err &&
	printf "url,generator,label\n$B/img/k.png,sd14,\n$B/img/m.png,,\n" >gen.bad &&
	test_expect_code 2 gicat fetch --label real gen.bad 2>err &&
	test "$(cat err)" = "gicat: fetch: ${SQ}gen.bad${SQ}: line 2: a real image has no generator (generator ${SQ}sd14${SQ}, label real from --label)" &&
	test_expect_code 2 gicat fetch missing.csv 2>err &&
	test_grep "missing.csv.: cannot open" err &&
	test_expect_code 2 gicat fetch --jobs 0 list.csv 2>err &&
	test_expect_code 2 gicat fetch 2>err &&
	test "$(sql "SELECT count(*) FROM fetches")" -eq "$before"
'

test_expect_success 'on a terminal, progress shows done/total, images/s, MB/s and failures' '
	printf "url\n$B/wait/700/k.png\n$B/status/403\n" >tty.csv &&
	script -qec "gicat fetch --dataset tty tty.csv" /dev/null >tty.out || : &&
	test_grep "fetch 1/2  *0 img/s  *[0-9.]* MB/s  *1 failed" tty.out &&
	test_grep "status/403.: HTTP 403 Forbidden" tty.out
'

test_expect_success 'an unknown license, in the list or as --license, refuses the list' '
	printf "url,license\n$B/img/a.png,MIT\n\n$B/img/b.png,CC-BY-NOPE\n" >badlic.csv &&
	test_expect_code 2 gicat fetch badlic.csv 2>err &&
	test_grep "^gicat: fetch: .badlic.csv.: line 4: .*CC-BY-NOPE" err &&
	printf "url\n$B/img/a.png\n" >plain.csv &&
	test_expect_code 2 gicat fetch --license NOPE-1.0 plain.csv 2>err &&
	test_grep "NOPE-1.0" err
'

start_server cred
test_expect_success '--max-memory bounds what downloads hold at once: one passing it waits, not using up its tries' '
	for i in 1 2 3 4; do echo "{\"url\": \"http://127.0.0.1:$(cat cred.port)/endless\", \"dataset\": \"m$i\"}"; done >mem.jsonl &&
	test_expect_code 1 /usr/bin/time -f "%M" -o mem.kb gicat fetch --jobs 4 --retries 0 --max-bytes 4M --max-memory 1M mem.jsonl 2>err &&
	test "$(grep -c "^gicat: fetch: .*endless.: file too large: over the 4194304-byte limit$" err)" -eq 4 &&
	! grep -q "budget" err &&
	test "$(tail -1 mem.kb)" -lt 100000 &&
	test_expect_code 2 gicat fetch --max-memory 0 mem.jsonl 2>err && test_grep "max-memory takes" err
'

test_expect_success 'a 206 to a request for the whole file is refused as such, not retried' '
	echo "http://127.0.0.1:$(cat cred.port)/part/a.png" >part.txt &&
	test_expect_code 1 gicat fetch --retries 2 --dataset part part.txt 2>err &&
	test_grep "part/a.png.: HTTP 206 (a part of the file) to a request for all of it$" err &&
	echo "http://127.0.0.1:$(cat cred.port)/wholepart/b.png" >wpart.txt &&
	gicat fetch --dataset wpart wpart.txt 2>err &&
	test "$(gicat query --format csv --fields sha256 "dataset = wpart" | tail -1)" = "$(sha srv/b.png)"
'

test_expect_success 'only 5xx, 408 and 429 are retried: a status of 600 or more is not' '
	P=http://127.0.0.1:$(cat cred.port) &&
	printf "%s\n" "$P/status/999" "$P/status/599" >odd.txt &&
	test_expect_code 1 gicat fetch --retries 1 --dataset odd odd.txt 2>err &&
	test_grep "status/999.: HTTP 999[^(]*$" err &&
	test_grep "status/599.: HTTP 599 .*(2 attempts)$" err
'

test_expect_success 'a reply garbled by what a bad reply before left on the connection is retried on a new one' '
	P=http://127.0.0.1:$(cat cred.port) &&
	printf "%s\n" "$P/late204" "$P/img/a.png?stale" >stale.txt &&
	test_expect_code 1 gicat fetch --jobs 1 --per-host 1 --dataset stale stale.txt 2>err &&
	! grep -q "HTTP/0.9" err &&
	test_grep "late204.: empty file: 0 bytes" err &&
	test "$(gicat query --format csv --fields sha256 "dataset = stale" | tail -1)" = "$(sha srv/a.png)" &&
	test "$(sqlite3 "$GICAT_DIR/.gicat/catalog.db" "SELECT attempts FROM fetches WHERE url LIKE ${SQ}%?stale${SQ}")" -eq 2
'

test_expect_success 'a redirect whose body never ends, or is announced as 10 GiB, fails within --timeout and the cap' '
	P=http://127.0.0.1:$(cat cred.port) &&
	printf "%s\n" "$P/redirendless/a.png" "$P/redirhuge/a.png" >redir.txt &&
	t0=$(date +%s) &&
	test_expect_code 1 timeout 20 gicat fetch --retries 0 --timeout 2 --max-bytes 1M --dataset redir redir.txt 2>err &&
	test $(($(date +%s) - t0)) -lt 10 &&
	test_grep "redirendless/a.png.: HTTP 302 with a body over the 1048576-byte limit$" err &&
	test_grep "redirhuge/a.png.: HTTP 302 with a body over the 1048576-byte limit$" err &&
	test_expect_code 1 timeout 20 gicat fetch --retries 0 --timeout 2 --dataset redir2 redir.txt 2>err &&
	test_grep "redirendless/a.png.: HTTP 302 whose body did not end within 2 s (--timeout)$" err
'

test_expect_success 'a resumed 206 that runs past the file'"'"'s length is started over, never stored' '
	echo "http://127.0.0.1:$(cat cred.port)/droplong/big.png" >long.txt &&
	test_expect_code 1 gicat fetch --retries 1 --dataset long long.txt 2>err &&
	test_grep "droplong/big.png.: resumed download: [0-9]* bytes in all, where the file has $(stat -c %s srv/big.png) (2 attempts)$" err &&
	test "$(gicat query --count "dataset = long")" -eq 0
'

test_expect_success 'downloads announced as 150 MB that trickle do not hold --max-memory from the others' '
	P=http://127.0.0.1:$(cat cred.port) &&
	{ for i in 1 2 3 4; do echo "$P/announce/x?$i"; done
	  for f in a b c; do echo "$P/img/$f.png"; done; } >ann.txt &&
	test_expect_code 124 timeout 6 gicat fetch --dataset ann ann.txt 2>/dev/null;
	test "$(gicat query --count "dataset = ann")" -eq 3
'

test_expect_success 'headers over libcurl s limit, and a URL over 64 KiB, are said as such' '
	P=http://127.0.0.1:$(cat cred.port) &&
	echo "$P/hugehdr/a.png" >hh.txt &&
	test_expect_code 1 gicat fetch --dataset hh hh.txt 2>err &&
	test_grep "hugehdr/a.png.: libcurl gave up (.Out of memory.): response headers over its limit" err &&
	test "$(gicat query --count "dataset = hh")" -eq 0 &&
	printf "url\n$P/img/a.png?%070000d\n" 0 >long.csv &&
	test_expect_code 2 gicat fetch long.csv 2>err &&
	test_grep "^gicat: fetch: .long.csv.: line 2: a URL of 70[0-9]* bytes, over the 65536-byte limit$" err
'

test_expect_success '--max-time bounds an attempt in all: a trickle above the low-speed limit ends' '
	echo "http://127.0.0.1:$(cat cred.port)/announce/slowpoke" >mt.txt &&
	t0=$(date +%s.%N) &&
	test_expect_code 1 gicat fetch --max-time 2 --retries 1 --dataset mt mt.txt 2>err &&
	awk -v a="$t0" -v b="$(date +%s.%N)" "BEGIN {exit !(b - a < 15)}" &&
	test_grep "announce/slowpoke.: transfer not over after 2 s (--max-time): [1-9][0-9]* bytes received (2 attempts)$" err &&
	test "$(state /announce/slowpoke)" = "failed|2|200" &&
	test "$(gicat query --count "dataset = mt")" -eq 0 &&
	test_expect_code 2 gicat fetch --max-time -1 mt.txt 2>err &&
	test_grep "max-time takes 0..604800" err
'

test_expect_success '--max-time 0 sets no bound: an answer 2.5 s late still lands' '
	echo "http://127.0.0.1:$(cat cred.port)/wait/2500/a.png" >late.txt &&
	test_expect_code 1 gicat fetch --max-time 1 --retries 0 --dataset late late.txt 2>err &&
	test_grep "wait/2500/a.png.: transfer not over after 1 s (--max-time): 0 bytes received" err &&
	gicat fetch --max-time 0 --dataset late late.txt 2>err &&
	test "$(gicat query --count "dataset = late")" -eq 1
'

# libcurl counts the time a transfer waits for a connection to its host
# (--per-host) in its own total timeout: the last of a queue timed out
# before it was ever sent.  --max-time bounds an attempt from its start.
test_expect_success '--max-time counts from an attempt'"'"'s start, not from its wait for a --per-host connection' '
	for i in 1 2 3 4; do
		echo "http://127.0.0.1:$(cat cred.port)/wait/800/a.png?q$i"
	done >queued.txt &&
	gicat fetch --per-host 1 --jobs 4 --max-time 2 --retries 0 \
		--dataset queued queued.txt 2>err &&
	test "$(gicat query --count "dataset = queued")" -eq 4
'


test_expect_success 'a body gzipped unasked is decoded: the image is kept, capped as it inflates' '
	P=http://127.0.0.1:$(cat cred.port) &&
	printf "%s\n" "$P/gzip/a.png" "$P/gzipbomb/50000000" "$P/gzipbad/b.png" >gz.txt &&
	test_expect_code 1 gicat fetch --dataset gz --max-bytes 1000000 gz.txt 2>err &&
	gicat query --format csv --fields sha256,path "dataset = gz" >out &&
	test_grep "^$(sha srv/a.png),$P/gzip/a.png$" out &&
	test "$(wc -l <out)" = 2 &&
	test_grep "gzipbomb/50000000.: file too large: over the 1000000-byte limit$" err &&
	test_grep "gzipbad/b.png.: body sent with Content-Encoding: gzip: Error while processing content unencoding" err &&
	grep "/gzip/a.png" cred.log >log &&
	test_grep "accept-encoding=identity" log &&
	test "$(state /gzip/a.png | cut -d"|" -f1)" = done &&
	test "$(state /gzipbomb/50000000 | cut -d"|" -f1)" = failed &&
	test "$(state /gzipbad/b.png | cut -d"|" -f1)" = failed
'

test_expect_success 'content refused, then a transfer failing: stats --rejects no longer lists the refused content' '
	P=http://127.0.0.1:$(cat cred.port) &&
	echo "$P/htmlonce/a.png" >ho.txt &&
	test_expect_code 1 gicat fetch --dataset ho ho.txt 2>err &&
	gicat stats --rejects >out && test_grep "htmlonce/a.png" out &&
	test_expect_code 1 gicat fetch --dataset ho --retries 0 ho.txt 2>err &&
	test_grep "htmlonce/a.png.: HTTP 404" err &&
	gicat stats --rejects >out && ! grep "htmlonce" out &&
	test "$(state /htmlonce/a.png | cut -d"|" -f1)" = failed
'

test_expect_success 'a chunked body beside a Content-Length is read by its chunks, as RFC 9112 says' '
	P=http://127.0.0.1:$(cat cred.port) &&
	echo "$P/chunkedcl/c.png" >chunked.txt &&
	gicat fetch --dataset chunked chunked.txt 2>err &&
	test "$(gicat query --format csv --fields sha256 "dataset = chunked" | tail -1)" = "$(sha srv/c.png)"
'

test_expect_success 'a password in a URL is sent, but neither stored nor shown' '
	C=http://alice:s3cret@127.0.0.1:$(cat cred.port) &&
	printf "url\n%s\n%s\n%s\n" "$C/img/k.png" "$C/status/404" "$C/img/with space.png" >cred.csv &&
	test_expect_code 1 gicat fetch --dataset cred cred.csv 2>err &&
	test_grep "alice:\*\*\*@127.0.0.1:[0-9]*/status/404.: HTTP 404" err &&
	gicat query --format csv --fields path,source "dataset = cred" >out &&
	test_grep "^http://alice:\*\*\*@127.0.0.1:[0-9]*/img/k.png," out &&
	test_grep "^http://alice:\*\*\*@127.0.0.1:[0-9]*/img/with space.png," out &&
	grep -q "/img/k.png .* authorization=Basic_$(printf alice:s3cret | base64)$" cred.log &&
	gicat fetch --status --dataset cred >>out 2>&1 || : &&
	sqlite3 "$DB" .dump >>out &&
	! grep -q s3cret out err &&
	gicat fetch --dataset cred cred.csv 2>err || : &&
	test_grep "^fetch: 3 URLs: 0 fetched, 1 failed, 2 done before" err &&
	printf "url\n%s\n%s\n" "http://alice:wrong@${C#*@}/img/m.png" "$C/img/m.png" >pw2.csv &&
	gicat fetch --dataset cred2 pw2.csv 2>err || : &&
	test_grep "^  1 repeated row skipped$" err &&
	test_grep "^gicat: fetch: warning: 1 of them say other things of their URL than its first row (first: line 3, against line 2): the first row is taken$" err &&
	! grep -q -e s3cret -e wrong err &&
	printf "url\n%s\n" "HTTP://alice:s3cret@${C#*@}/x/../img/j.png" >listed.csv &&
	gicat fetch --dataset cred3 listed.csv 2>err &&
	test "$(gicat query --format csv --fields path "dataset = cred3" | tail -1)" = "HTTP://alice:***@${C#*@}/x/../img/j.png" &&
	! grep -q s3cret err
'

test_expect_success 'a token as a URL'"'"'s user name is sent, but neither stored nor shown' '
	T=127.0.0.1:$(cat cred.port) &&
	printf "url\n%s\n%s\n" "http://ghp_t0ken@$T/img/f.png" "http://ghp_t0ken@$T/status/404" >tu.csv &&
	test_expect_code 1 gicat fetch --dataset tu tu.csv 2>err &&
	test_grep "http://\*\*\*@127.0.0.1:[0-9]*/status/404.: HTTP 404" err &&
	gicat query --format csv --fields path "dataset = tu" >out &&
	test_grep "^http://\*\*\*@127.0.0.1:[0-9]*/img/f.png$" out &&
	gicat fetch --status --dataset tu >>out 2>&1 || : &&
	sqlite3 "$DB" .dump >>out &&
	! grep -q t0ken out err &&
	grep -q "/img/f.png .* authorization=Basic_$(printf ghp_t0ken: | base64)$" cred.log &&
	printf "url\nftp://t0ken@h/a@2x.png\nftp://t0ken@h:21/b@2x.png\n" >tu2.csv &&
	test_expect_code 2 gicat fetch tu2.csv 2>err &&
	test_grep "ftp://\*\*\*@h/a@2x.png. is not an http or https URL" err &&
	test_grep "ftp://\*\*\*@h:21/b@2x.png. is not an http or https URL" err &&
	! grep -q t0ken err
'

test_expect_success 'a credential in a URL'"'"'s query (a signed URL, a token) is sent, but neither stored nor shown' '
	T=http://127.0.0.1:$(cat cred.port) &&
	printf "url\n%s\n%s\n" "$T/img/k.png?X-Amz-Date=1&X-Amz-Signature=s1gn4ture&x=y" \
		"$T/status/404?token=t0ken&sig=" >tok.csv &&
	test_expect_code 1 gicat fetch --dataset tok tok.csv 2>err &&
	test_grep "/status/404?token=\*\*\*&sig=.: HTTP 404" err &&
	gicat query --format csv --fields path,source "dataset = tok" >out &&
	test_grep "^$T/img/k.png?X-Amz-Date=1&X-Amz-Signature=\*\*\*&x=y,$T/img/k.png?X-Amz-Date=1&X-Amz-Signature=\*\*\*&x=y$" out &&
	gicat fetch --status --dataset tok >>out 2>&1 || : &&
	sqlite3 "$DB" .dump >>out &&
	! grep -q -e s1gn4ture -e t0ken out err &&
	grep -q "X-Amz-Signature=s1gn4ture&x=y " cred.log &&
	grep -q "token=t0ken&sig= " cred.log &&
	printf "url\nftp://h/a.png?ApiKey=k3y\n" >tok2.csv &&
	test_expect_code 2 gicat fetch tok2.csv 2>err &&
	test_grep "ftp://h/a.png?ApiKey=\*\*\*. is not an http or https URL" err &&
	! grep -q k3y err
'

kill $(cat ./*.pid) 2>/dev/null

test_done
