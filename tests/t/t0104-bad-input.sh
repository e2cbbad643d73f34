#!/bin/sh
# Bad input gets one clear line and loses nothing: zero-byte, truncated,
# mislabelled, gigantic (by header or by bytes), non-images, long paths.
. "$(dirname "$0")/lib.sh"

gicat init cat 2>/dev/null
export GICAT_DIR="$TRASH/cat"
PNGS=$SHARED/data/pngsuite

# A PNG header claiming 100000 x 100000 pixels, with valid CRCs.
python3 - <<'PY'
import struct, zlib
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
idat = zlib.compress(b"\0" * 64)
open("huge.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
                             chunk(b"IDAT", idat) + chunk(b"IEND", b""))
PY

test_expect_success 'a 100000x100000 header is rejected by the pixel limit, without allocating' '
	test_expect_code 1 gicat ingest huge.png 2>err &&
	test_grep "rejected: .huge.png.: .*100000x100000" err &&
	test "$(gicat query --count)" -eq 0
'

test_expect_success '--max-pixels and --max-bytes are enforced' '
	cp "$SHARED/data/jpeg/testorig.jpg" big.jpg &&
	test_expect_code 1 gicat ingest --max-pixels 1000 big.jpg 2>err &&
	test_grep "over the" err &&
	test_expect_code 1 gicat ingest --max-bytes 1k big.jpg 2>err &&
	test_grep "file too large" err &&
	gicat ingest big.jpg 2>err &&
	cp "$PNGS/basn0g08.png" k32.png &&
	test_expect_code 1 gicat ingest --max-pixels 1k k32.png 2>err &&
	test_grep "over the pixel limit (1000 px): image is 32x32 (1024 px)" err &&
	$PY -c "from PIL import Image; Image.new(\"L\", (1001, 1000)).save(\"m1.png\")" &&
	test_expect_code 1 gicat ingest --max-pixels 1M m1.png 2>err &&
	test_grep "over the pixel limit (1 Mpx): image is 1001x1000 (1001000 px)$" err &&
	$PY -c "from PIL import Image; Image.new(\"L\", (1100, 1000)).save(\"m2.png\")" &&
	test_expect_code 1 gicat ingest --max-pixels 1M m2.png 2>err &&
	test_grep "over the pixel limit (1 Mpx): image is 1100x1000 (1.1 Mpx)$" err &&
	test_expect_code 2 gicat ingest --max-bytes 17179869184G k32.png 2>err &&
	test_grep "^gicat: ingest: --max-bytes takes a positive number, with k, M or G for KiB, MiB, GiB (e.g. 64M), not .17179869184G.$" err &&
	test_expect_code 2 gicat ingest --max-pixels 10x k32.png 2>err &&
	test_grep "^gicat: ingest: --max-pixels takes a positive number, with k, M or G for 10^3, 10^6, 10^9 (e.g. 100M), not .10x.$" err &&
	test_expect_code 2 gicat ingest --max-bytes " 5" k32.png 2>err &&
	test_expect_code 2 gicat ingest --max-bytes +5 k32.png 2>err &&
	test_expect_code 2 gicat fetch --max-bytes 0 x.csv 2>err &&
	test_grep "^gicat: fetch: --max-bytes takes a positive number" err
'

# Where the kernel refuses what memory cannot hold (overcommit 0 or 2;
# with 1 a 300 GB allocation succeeds and reading the file fills memory).
if [ "$(cat /proc/sys/vm/overcommit_memory 2>/dev/null)" != 1 ]; then
	test_expect_success 'a file under a raised --max-bytes that memory cannot hold is rejected; the batch goes on' '
		mkdir sparse && cp "$PNGS/basn0g08.png" sparse/a.png && truncate -s 300G sparse/a.png &&
		cp "$PNGS/basn2c08.png" sparse/c.png &&
		test_expect_code 1 gicat ingest --dataset sparse --max-bytes 300G sparse 2>err &&
		test_grep "^gicat: rejected: .sparse/a.png.: file too large to hold in memory: 322122547200 bytes$" err &&
		test "$(gicat query --count "dataset = sparse")" -eq 1
	'
else
	echo "# SKIP: memory overcommit always on: a 300 GB allocation would succeed"
fi

test_expect_success 'the limits apply to content the catalog already holds' '
	cp "$PNGS/basn2c08.png" known.png &&
	gicat ingest --dataset k1 known.png 2>err &&
	test_expect_code 1 gicat ingest --dataset k2 --max-pixels 10 known.png 2>err &&
	test_grep "rejected: .known.png.: over the pixel limit (10 px): image is 32x32 (1024 px)$" err &&
	test_expect_code 1 gicat ingest --dataset k3 --max-bytes 100 known.png 2>err &&
	test_grep "rejected: .known.png.: file too large" err &&
	test "$(gicat query --count "path = known.png")" -eq 1 &&
	test "$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM rejects WHERE path = '"'"'known.png'"'"'")" -eq 1
'

test_expect_success 'rejects over the pixel limit are summed up in one line, whatever their sizes' '
	mkdir -p sizes && cp "$PNGS/basn2c08.png" "$PNGS/basi0g01.png" "$PNGS/s39n3p04.png" sizes/ &&
	test_expect_code 1 gicat ingest --dataset sz --max-pixels 10 sizes 2>err &&
	test_grep "^  rejected 3: over the pixel limit$" err &&
	test "$(grep -c "^  rejected" err)" -eq 1
'

test_expect_success 'the pixel limit applies to a ref image ingested again as a copy' '
	cp "$PNGS/basn3p08.png" refd.png &&
	gicat ingest --mode ref --dataset r1 refd.png 2>err &&
	test_expect_code 1 gicat ingest --dataset r2 --max-pixels 10 refd.png 2>err &&
	test_grep "rejected: .refd.png.: over the pixel limit (10 px): image is 32x32" err &&
	test "$(gicat query --count "path = refd.png")" -eq 1
'

test_expect_success 'the format comes from the bytes, not the extension' '
	cp "$PNGS/basn2c08.png" mislabelled.jpg &&
	gicat ingest mislabelled.jpg 2>err &&
	test "$(gicat query --format csv --fields format "path = mislabelled.jpg" | tail -1)" = png
'

test_expect_success 'files named as the other format are counted and the first named; new content and known alike' '
	mkdir -p named && cp "$PNGS/basn0g16.png" named/b.JPEG &&
	cp "$PNGS/basn0g04.png" named/a.jpg && cp "$PNGS/basn0g04.png" named/c.png &&
	cp "$SHARED/data/jpeg/derived/testorig_progressive.jpg" named/d.PNG &&
	cp "$SHARED/data/jpeg/derived/testorig_progressive.jpg" named/e.jpeg &&
	cp "$PNGS/basn0g04.png" named/f.bin &&
	gicat ingest --dataset named named 2>err &&
	test_grep "^  3 files are named as the other format (first: .named/a.jpg.: PNG bytes): catalogued as what its bytes are (the query field format); a loader that goes by the name may misread it$" err &&
	test "$(gicat query --format csv --fields path,format "dataset = named" | sort | paste -sd" ")" = \
		"named/a.jpg,png named/b.JPEG,png named/c.png,png named/d.PNG,jpeg named/e.jpeg,jpeg named/f.bin,png path,format" &&
	gicat ingest --dataset named named 2>err && ! grep -q "other format" err &&
	gicat ingest --dataset named2 named/d.PNG 2>err &&
	test_grep "^  1 file is named as the other format (first: .named/d.PNG.: JPEG bytes)" err
'

test_expect_success 'junk after the last JPEG scan is accepted, a truncated scan is not' '
	python3 -c "
d = open(\"$SHARED/data/jpeg/testorig.jpg\", \"rb\").read()
assert d[-2:] == b\"\\xff\\xd9\"
open(\"junk.jpg\", \"wb\").write(d[:-2] + b\"junk\" * 10 + d[-2:])
open(\"cut.jpg\", \"wb\").write(d[:len(d) * 3 // 4])
" &&
	gicat ingest junk.jpg 2>err &&
	test_expect_code 1 gicat ingest cut.jpg 2>err &&
	test_grep "cut.jpg.: truncated or corrupt JPEG: Premature end of JPEG file" err
'

test_expect_success 'scan data the decoder did not take is corruption: much junk before EOI, a wrong coding' '
	"$PY" -c "
d = open(\"$SHARED/data/jpeg/testorig.jpg\", \"rb\").read()
open(\"pad.jpg\", \"wb\").write(d[:-2] + bytes(70000) + d[-2:])
sof = d.find(b\"\\xff\\xc0\")
open(\"sof9.jpg\", \"wb\").write(d[:sof] + b\"\\xff\\xc9\" + d[sof + 2:])
" &&
	for f in pad sof9; do
		test_expect_code 1 gicat ingest $f.jpg 2>err &&
		test_grep "$f.jpg.: truncated or corrupt JPEG: Corrupt JPEG data: [0-9]* extraneous bytes before marker 0xd9" err || return 1
	done &&
	test "$(gicat query --count "path in (${SQ}pad.jpg${SQ}, ${SQ}sof9.jpg${SQ})")" = 0
'

# One bit flipped in testorig.jpg's scan data, and four bytes of it made
# 32 one-bits: libjpeg loses step, re-locks a few blocks later and ends
# its blocks with 8 bytes left, warning only of those (the second's bad
# Huffman code is read as 0, without a word, on the path libjpeg-turbo
# takes with the file in memory); before, both were catalogued.
test_expect_success 'a JPEG whose scan lost step (a flipped bit, an invalid code) is refused, valid data before EOI junk is not' '
	mkdir lost && "$PY" -c "
d = open(\"$SHARED/data/jpeg/testorig.jpg\", \"rb\").read()
b = bytearray(d); b[1145] ^= 1 << 5
open(\"lost/flip.jpg\", \"wb\").write(b)
b = bytearray(d); b[1150:1154] = b\"\\xff\\x00\\xff\\x00\"
open(\"lost/code.jpg\", \"wb\").write(b)
open(\"lost/junk.jpg\", \"wb\").write(d[:-2] + bytes(range(200)) + d[-2:])
" &&
	test_expect_code 1 gicat ingest --dataset lost lost 2>err &&
	test_grep "^gicat: rejected: .lost/flip.jpg.: corrupt JPEG: its scan data lost step (8 bytes of junk before its end, and a DCT coefficient of component 0 is 1280, where 8-bit pixels give at most 1024)$" err &&
	test_grep "^gicat: rejected: .lost/code.jpg.: truncated or corrupt JPEG: Corrupt JPEG data: bad Huffman code (and 8 bytes of junk before its end)$" err &&
	test "$(gicat query --format paths "dataset = lost")" = lost/junk.jpg
'

# seq.jpg: 16x16, one sequential scan a component (as jpegtran -scans
# writes), each 4 blocks of DC diff 0 and EOB; seq2.jpg: cut before the
# third scan, its EOI put back, which libjpeg decodes without a word.
test_expect_success 'a sequential JPEG whose scans end before every component is sent is refused' '
	mkdir seq && "$PY" -c "
import struct
def seg(m, d): return bytes([255, m]) + struct.pack(\">H\", len(d) + 2) + d
one = bytes([1] + [0] * 15) + bytes(1)
head = (bytes([255, 216]) + seg(0xdb, bytes(1) + bytes([1] * 64)) +
        seg(0xc0, struct.pack(\">BHHB\", 8, 16, 16, 3) + bytes([1, 17, 0, 2, 17, 0, 3, 17, 0])) +
        seg(0xc4, bytes([0]) + one) + seg(0xc4, bytes([16]) + one))
scans = [seg(0xda, bytes([1, c, 0, 0, 63, 0])) + bytes(1) for c in (1, 2, 3)]
open(\"seq/seq.jpg\", \"wb\").write(head + b\"\".join(scans) + bytes([255, 217]))
open(\"seq/seq2.jpg\", \"wb\").write(head + b\"\".join(scans[:2]) + bytes([255, 217]))
" &&
	test_expect_code 1 gicat ingest --dataset seq seq 2>err &&
	test_grep "^gicat: rejected: .seq/seq2.jpg.: truncated or corrupt JPEG: its scans end with component 2 never sent$" err &&
	test "$(gicat query --format csv --fields path,width,mode "dataset = seq" | tail -n +2)" = "seq/seq.jpg,16,rgb"
'

# 3x2 palette PNGs with a 2-entry PLTE: 8-bit and 4-bit indices, one of
# them 255 or 15 (libpng reads both without a word, as black; Pillow
# paints white), and one with every index in its PLTE.
test_expect_success 'a palette index beyond the PLTE is refused, at 8 bits as below' '
	mkdir pal && "$PY" - <<-\EOF &&
	import struct, zlib
	def chunk(t, d):
	    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
	def png(name, depth, rows):
	    open("pal/" + name, "wb").write(b"\x89PNG\r\n\x1a\n" +
	        chunk(b"IHDR", struct.pack(">IIBBBBB", 3, 2, depth, 3, 0, 0, 0)) +
	        chunk(b"PLTE", bytes([255, 0, 0, 0, 0, 255])) +
	        chunk(b"IDAT", zlib.compress(b"".join(b"\0" + r for r in rows))) +
	        chunk(b"IEND", b""))
	png("oob8.png", 8, [bytes([0, 1, 0]), bytes([1, 255, 1])])
	png("oob4.png", 4, [bytes([0x01, 0x00]), bytes([0x10, 0xf0])])
	png("ok.png", 8, [bytes([0, 1, 0]), bytes([1, 0, 1])])
	EOF
	test_expect_code 1 gicat ingest --dataset pal pal 2>err &&
	test_grep "^gicat: rejected: .pal/oob8.png.: invalid PNG: pixel (1, 1) has palette index 255, beyond its PLTE of 2 entries$" err &&
	test_grep "^gicat: rejected: .pal/oob4.png.: invalid PNG: pixel (2, 1) has palette index 15, beyond its PLTE of 2 entries$" err &&
	test "$(gicat query --format paths "dataset = pal")" = pal/ok.png
'

test_expect_success 'a palette PNG with tRNS has the pHash of its colours, as the same pixels saved as RGB' '
	mkdir trns && cp "$PNGS/tbbn3p08.png" trns/ &&
	"$PY" -c "from PIL import Image; Image.open(\"trns/tbbn3p08.png\").convert(\"RGB\").save(\"trns/rgb.png\")" &&
	gicat ingest --dataset trns trns 2>err &&
	gicat query --format csv --fields mode,phash "dataset = trns" | sort >out &&
	test "$(cut -d, -f1 out | paste -sd" ")" = "mode palette rgb" &&
	test "$(cut -d, -f2 out | sort -u | wc -l)" = 2
'

test_expect_success 'a text file named .png is rejected as not an image, saying what it is' '
	mkdir text && echo "<html>404</html>" >text/page.png &&
	printf "\357\273\277 <!DOCTYPE html>" >text/bom.png &&
	echo "{\"error\": 1}" >text/api.png && echo "Not Found" >text/plain.png &&
	printf "a\000b\000" >text/nul.png &&
	test_expect_code 1 gicat ingest text 2>err &&
	for f in page bom; do
		test_grep "rejected: .text/$f.png.: not a PNG or JPEG file (HTML: a web page, an error or login page?)$" err || return 1
	done &&
	test_grep "rejected: .text/api.png.: not a PNG or JPEG file (JSON or other text)$" err &&
	test_grep "rejected: .text/plain.png.: not a PNG or JPEG file (text)$" err &&
	test_grep "rejected: .text/nul.png.: not a PNG or JPEG file (starts with 61 00 62 00)$" err
'

test_expect_success 'one bad file does not stop the batch; nothing of it is stored' '
	mkdir batch && cp "$PNGS/basn0g08.png" "$PNGS/xcrn0g04.png" "$PNGS/basn6a08.png" batch/ &&
	: >batch/empty.png &&
	objs=$(find cat/.gicat/objects -type f | wc -l) &&
	test_expect_code 1 gicat ingest batch 2>err &&
	test "$(grep -c rejected: err)" -eq 2 &&
	test "$(gicat query --count "path ~ \"batch/*\"")" -eq 2 &&
	test "$(find cat/.gicat/objects -type f | wc -l)" -eq $((objs + 2))
'

# strace makes each read of sr/a.png return 0 bytes, as a file cut short
# after its size was taken does (LeakSanitizer cannot run under ptrace)
test_expect_success 'a file that gives fewer bytes than its size is rejected as such; nothing of it is stored' '
	mkdir sr && cp "$PNGS/basn4a08.png" sr/a.png && cp "$PNGS/basn0g08.png" sr/b.png &&
	objs=$(find cat/.gicat/objects -type f | wc -l) &&
	(export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" &&
	 test_expect_code 1 strace -f -o /dev/null -P sr/a.png -e trace=read \
		-e inject=read:retval=0 gicat ingest --dataset sr sr 2>err) &&
	test_grep "^gicat: rejected: .sr/a.png.: short read (file changed?)$" err &&
	test "$(gicat query --count "dataset = sr")" -eq 1 &&
	test "$(find cat/.gicat/objects -type f | wc -l)" -eq "$objs"
'

test_expect_success 'a fixed file leaves rejects when ingested again; so does a deleted one, when its directory is' '
	# the files of gone/ made before the rm: one that took the freed inode
	# number would take its reject over (a reject is one per file, by
	# inode), and nothing would be left to count as gone
	mkdir -p gone/sub && cp "$PNGS/xcrn0g04.png" gone/sub/bad.png &&
	cp "$PNGS/xcrn0g04.png" gone/bad.png && cp "$PNGS/basn0g08.png" gone/ok.png &&
	cp "$PNGS/basn2c16.png" batch/empty.png && rm batch/xcrn0g04.png &&
	test_expect_code 1 gicat ingest gone 2>/dev/null &&
	rm gone/sub/bad.png &&
	gicat ingest batch 2>err &&
	test "$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM rejects WHERE path LIKE '"'"'batch/%'"'"'")" -eq 0 &&
	test_grep "^  1 file rejected before is gone from the directories read: no longer counted as rejected$" err &&
	gicat ingest gone/sub 2>/dev/null &&
	test "$(sqlite3 cat/.gicat/catalog.db "SELECT path FROM rejects WHERE path LIKE '"'"'gone/%'"'"'")" = gone/bad.png &&
	gicat stats --rejects --format csv >rej && ! test_grep "gone/sub" rej
'

test_expect_success 'a file rejected under two spellings is one reject; fixed, under either, none' '
	mkdir sp && cp "$PNGS/xcrn0g04.png" sp/bad.png &&
	n() { sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM rejects WHERE path LIKE '"'"'%sp/bad.png'"'"'"; } &&
	test_expect_code 1 gicat ingest sp/bad.png 2>/dev/null &&
	test_expect_code 1 gicat ingest "$TRASH/sp/bad.png" 2>/dev/null &&
	test "$(n)" -eq 1 &&
	gicat stats --rejects --format csv | test_grep "^$TRASH/sp/bad.png," - &&
	cat "$PNGS/basn2c08.png" >sp/bad.png &&
	gicat ingest sp/bad.png 2>/dev/null &&
	test "$(n)" -eq 0
'

test_expect_success 'the catalog'"'"'s own directory is refused as a PATH: its objects are no dataset' '
	gicat init own 2>/dev/null && mkdir -p own/pics && cp "$PNGS/basn0g08.png" own/pics/ &&
	gicat --catalog own ingest own/pics 2>/dev/null &&
	sub=$(ls own/.gicat/objects | head -1) &&
	for p in own/.gicat "own/.gicat/objects/$sub" "$TRASH/own/.gicat/objects/../objects"; do
		test_expect_code 2 gicat --catalog own ingest own/pics "$p" 2>err &&
		test_grep "^gicat: ingest: .$p. is inside the catalog (.*own/.gicat): its objects are already catalogued$" err || return 1
	done &&
	test "$(gicat --catalog own query --count)" -eq 1 &&
	gicat --catalog own ingest own 2>err && test "$(gicat --catalog own query --count)" -eq 2
'

test_expect_success 'an empty --dataset is a usage error with the usage line, for ingest and fetch' '
	test_expect_code 2 gicat --catalog own ingest --dataset "" own/pics 2>err &&
	test_grep "^gicat: ingest: --dataset needs a name" err &&
	test_grep "^usage: gicat ingest " err &&
	echo http://127.0.0.1:1/a.png >urls.txt &&
	test_expect_code 2 gicat --catalog own fetch --dataset "" urls.txt 2>err &&
	test_grep "dataset needs a name" err &&
	test_grep "^usage: gicat fetch " err &&
	test_expect_code 2 gicat --catalog own fetch --generator g --label real urls.txt 2>err &&
	test_grep "^gicat: fetch: --generator with --label real: a real image has no generator$" err &&
	test_grep "^usage: gicat fetch " err
'

test_expect_success 'a --dataset or --generator name is bounded and holds no control character, for ingest and fetch' '
	long=$(printf "%0256d" 0) &&
	test_expect_code 2 gicat --catalog own ingest --dataset "$long" own/pics 2>err &&
	test_grep "^gicat: ingest: --dataset is 256 bytes long: at most 255$" err &&
	test_expect_code 2 gicat --catalog own ingest --label fake --generator "$(printf "%032d" 0)" own/pics 2>err &&
	test_grep "^gicat: ingest: --generator is 32 bytes long: at most 31$" err &&
	test_expect_code 2 gicat --catalog own ingest --dataset "$(printf "a\tb")" own/pics 2>err &&
	test_grep "^gicat: ingest: --dataset holds a control character (0x09)$" err &&
	test_expect_code 2 gicat --catalog own fetch --generator "$(printf "x\033")" urls.txt 2>err &&
	test_grep "^gicat: fetch: --generator holds a control character (0x1b)$" err &&
	printf "url,dataset\nhttp://127.0.0.1:1/a.png,\"a\nb\"\n" >nl.csv &&
	test_expect_code 2 gicat --catalog own fetch nl.csv 2>err &&
	test_grep "line 2: dataset holds a control character (0x0a)" err &&
	printf "url,generator\nhttp://127.0.0.1:1/a.png,%s\n" "$(printf "%032d" 0)" >gen.csv &&
	test_expect_code 2 gicat --catalog own fetch --label fake gen.csv 2>err &&
	test_grep "line 2: generator is 32 bytes long: at most 31" err &&
	test "$(gicat --catalog own query --count)" -eq 2
'

test_expect_success 'a walk does not follow a link into the catalog: skipped and counted' '
	sub=$(ls own/.gicat/objects | head -1) &&
	ln -s .gicat/objects own/objlink && ln -s "../.gicat/objects/$sub" own/pics/sublink &&
	ln -s .gicat own/gicatlink &&
	o=$(ls own/.gicat/objects/$sub | head -1) &&
	ln -s "../.gicat/objects/$sub/$o" own/pics/obj.png && ln -s ../.gicat/catalog.db own/pics/db.png &&
	gicat --catalog own ingest own 2>err &&
	test_grep "skipped 5 files (link into the catalog 5)" err &&
	test_grep " 0 rejected" err &&
	test "$(gicat --catalog own query --count)" -eq 2 &&
	rm own/objlink own/pics/sublink own/gicatlink own/pics/obj.png own/pics/db.png
'

test_expect_success 'non-image names inside trees are skipped, not rejected' '
	mkdir tree && cp "$PNGS/basn0g08.png" tree/ && echo hi >tree/README.txt &&
	gicat ingest tree 2>err && test_grep "skipped 1" err
'

test_expect_success 'a catalogued file that went bad: rejected, the entry kept, and show says so' '
	mkdir -p wentbad && cp "$SHARED/data/pngsuite/basn2c08.png" wentbad/x.png &&
	gicat init wb 2>/dev/null && gicat --catalog wb ingest wentbad 2>/dev/null &&
	head -c 100 "$SHARED/data/pngsuite/basn2c08.png" >wentbad/x.png &&
	test_expect_code 1 gicat --catalog wb ingest wentbad 2>err &&
	test_grep "^gicat: rejected: .wentbad/x.png.: truncated PNG" err &&
	gicat --catalog wb show wentbad/x.png >out &&
	test_grep "^files of entries refused by a later ingest; the entries keep this image (path reason):$" out &&
	test_grep "^wentbad/x.png  truncated PNG: " out &&
	gicat --catalog wb show --format json wentbad/x.png >j &&
	$PY -c "import json; d = json.load(open(\"j\")); assert d[\"rejected\"][0][\"path\"] == \"wentbad/x.png\", d"
'

test_expect_success 'show names a refused file once, however many datasets have an entry at its path' '
	mkdir -p bad2 && cp "$SHARED/data/pngsuite/basn2c08.png" bad2/x.png &&
	gicat init wb2 2>/dev/null &&
	gicat --catalog wb2 ingest --dataset d1 bad2 2>/dev/null &&
	gicat --catalog wb2 ingest --dataset d2 bad2 2>/dev/null &&
	head -c 100 "$SHARED/data/pngsuite/basn2c08.png" >bad2/x.png &&
	test_expect_code 1 gicat --catalog wb2 ingest --dataset d1 bad2 2>/dev/null &&
	gicat --catalog wb2 show bad2/x.png >out &&
	test "$(grep -c "^bad2/x.png  truncated PNG: " out)" -eq 1 &&
	gicat --catalog wb2 show --format json bad2/x.png >j &&
	$PY -c "import json; d = json.load(open(\"j\")); assert len(d[\"entries\"]) == 2 and len(d[\"rejected\"]) == 1, d"
'

test_expect_success 'hidden names (.DS_Store, ._x.png, .cache/) are not walked, and counted' '
	mkdir -p hid/.cache && cp "$SHARED/data/pngsuite/basn2c08.png" hid/.x.png &&
	cp "$SHARED/data/pngsuite/basn2c08.png" hid/.cache/y.png &&
	cp "$SHARED/data/pngsuite/basn0g08.png" hid/seen.png &&
	gicat init hidc 2>/dev/null && gicat --catalog hidc ingest hid 2>err &&
	test_grep "^ingest: 1 file: 1 new image" err &&
	test_grep "^  skipped 1 file (hidden name 1)$" err &&
	test_grep "^  skipped 1 directory (hidden name 1)$" err
'

test_expect_success 'paths past the length limit: a directory or image is rejected by its path, not a crash' '
	python3 -c "
import os, shutil
os.mkdir(\"deep\"); os.chdir(\"deep\")
shutil.copy(\"$PNGS/basn2c08.png\", \"top.png\")
for i in range(42):
    os.mkdir(\"a\" * 100); os.chdir(\"a\" * 100)
shutil.copy(\"$PNGS/basn0g08.png\", \"x.png\")
" &&
	test_expect_code 1 gicat ingest --dataset deep deep 2>err &&
	test "$(grep -c "^gicat: " err)" -eq 1 &&
	test_grep "^gicat: rejected: .deep/aaa.*/a*.: path too long: 4145 bytes, over the 4095-byte limit: not walked, so its images are not ingested$" err &&
	test "$(gicat query --count "dataset = deep")" -eq 1 &&
	test "$(gicat stats --rejects --format csv | grep -c "^deep/aaa")" -eq 1 &&
	gicat stats --rejects >tab && test "$(wc -l <tab)" -gt 3 &&
	test "$(awk "length > 400" tab | wc -l)" -eq 1 &&
	# its name made short enough: walked, and that reject goes
	python3 -c "
import os
os.chdir(\"deep\")
for i in range(40):
    os.chdir(\"a\" * 100)
os.rename(\"a\" * 100, \"b\"); os.rename(\"b/\" + \"a\" * 100, \"b/c\")
" &&
	gicat ingest --dataset deep deep 2>err &&
	test "$(gicat stats --rejects --format csv | grep -c "^deep/aaa")" -eq 0 &&
	test "$(gicat query --count "dataset = deep")" -eq 2 &&
	# paths of 4095 bytes (taken) and 4096 (rejected), as walked; a
	# non-image of 4096 is skipped and counted
	python3 -c "
import os, shutil
d = \"edge/\" + \"/\".join([\"e\" * 200] * 20)
os.makedirs(d); os.chdir(d)
for n, png in ((4095, \"basn3p08\"), (4096, \"basn2c16\")):
    shutil.copy(\"$PNGS/%s.png\" % png, \"f\" * (n - len(d) - 5) + \".png\")
open(\"t\" * (4096 - len(d) - 5) + \".txt\", \"w\").write(\"notes\")
shutil.copy(\"$PNGS/basn0g08.png\", \"s\" * (4096 - len(d) - 5) + \".dat\")
" &&
	test_expect_code 1 gicat ingest --dataset edge edge 2>err &&
	test "$(grep -c "^gicat: rejected: .edge/eee.*/fff*.png.: path too long: 4096 bytes, over the 4095-byte limit$" err)" -eq 1 &&
	test "$(grep -c "^gicat: rejected: .edge/eee.*/sss*.dat.: path too long: 4096 bytes, over the 4095-byte limit$" err)" -eq 1 &&
	test_grep "^  skipped 1 file (non-image, path over 4095 bytes 1)$" err &&
	test "$(gicat query --count "dataset = edge")" -eq 1
'

test_expect_success 'symlink loops are skipped and counted; the walk stays linear' '
	mkdir loop loop/sub other &&
	cp "$PNGS/basn0g08.png" loop/a.png && cp "$PNGS/basn2c08.png" loop/sub/b.png &&
	cp "$PNGS/basn6a08.png" other/c.png &&
	for c in x y z; do
		ln -s . "loop/$(printf "%0250d" 0 | tr 0 $c)" || return 1
	done &&
	ln -s .. loop/sub/up && ln -s ../other loop/other &&
	ln -s ../.. loop/sub/above &&
	timeout 10 gicat ingest --dataset loop loop 2>err &&
	test "$(gicat query --count "dataset = loop")" -eq 3 &&
	test "$(gicat query --count "dataset = loop and path = loop/other/c.png")" -eq 1 &&
	test_grep "^  skipped 5 directories (symlink loop 5)$" err
'

# fan/L0 .. fan/L12, each Li holding two links to L(i+1): no loop, but
# 2^12 paths to the image in L12, 2^30 with 30 levels.
test_expect_success 'links that reach one directory by ever more paths: it is walked 64 times at most' '
	mkdir fan && for i in $(seq 0 12); do mkdir fan/L$i || return 1; done &&
	for i in $(seq 0 11); do
		ln -s ../L$((i + 1)) fan/L$i/a && ln -s ../L$((i + 1)) fan/L$i/b || return 1
	done &&
	cp "$PNGS/basn0g08.png" fan/L12/x.png &&
	timeout 20 gicat ingest --dataset fan fan/L0 2>err &&
	test "$(gicat query --count "dataset = fan")" -eq 64 &&
	test_grep "directory reached by links over 64 times [0-9]" err
'

# as_user CMD...: CMD without root's power to read anything (as nobody
# when root, in a catalog nobody may write), so permissions apply.  The
# files sit under /tmp, which nobody can reach whatever the checkout's
# permissions.
as_user() {
	if [ "$(id -u)" -ne 0 ]; then "$@"; return; fi
	chown -R 65534:65534 "$perm" &&
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}
# hidden_tree DIR MODE: $perm/tree with a.png and DIR/b.png, DIR in MODE,
# ingested (as nobody when root) into $perm/cat: exit 1, stderr in err.
hidden_tree() {
	perm=$(mktemp -d) && chmod 0755 "$perm" &&
	mkdir -p "$perm/tree/$1" &&
	cp "$PNGS/basn0g08.png" "$perm/tree/a.png" &&
	cp "$PNGS/basn2c08.png" "$perm/tree/$1/b.png" &&
	chmod "$2" "$perm/tree/$1" &&
	gicat init "$perm/cat" 2>/dev/null &&
	(cd "$perm" && test_expect_code 1 as_user gicat --catalog cat ingest \
		--dataset p tree 2>"$TRASH/err")
}

test_expect_success 'an unreadable directory is rejected by name; the rest goes in' '
	hidden_tree shut 0 &&
	test_grep "rejected: .tree/shut.: cannot read directory: Permission denied" err &&
	test_grep "1 new entry, 0 already present, 0 changed, 1 rejected" err &&
	test "$(gicat --catalog "$perm/cat" query --count "dataset = p")" -eq 1 &&
	gicat --catalog "$perm/cat" stats --rejects --format csv >rej &&
	test_grep "^tree/shut,cannot read directory: Permission denied," rej &&
	chmod 0755 "$perm/tree/shut" &&
	(cd "$perm" && as_user gicat --catalog cat ingest --dataset p tree 2>"$TRASH/err") &&
	test "$(gicat --catalog "$perm/cat" query --count "dataset = p")" -eq 2 &&
	test "$(gicat --catalog "$perm/cat" stats --rejects --format csv | wc -l)" -eq 1 &&
	chmod -R u+rwx "$perm" && rm -rf "$perm"
'

test_expect_success 'a directory that may be listed, not entered: each entry rejected by name' '
	hidden_tree listed 0644 &&
	test_grep "rejected: .tree/listed/b.png.: cannot look at it: Permission denied" err &&
	test_grep "1 new entry, 0 already present, 0 changed, 1 rejected" err &&
	chmod -R u+rwx "$perm" && rm -rf "$perm"
'

test_expect_success 'a file of no image extension that may not be read is skipped as unreadable, not as a non-image' '
	perm=$(mktemp -d) && chmod 0755 "$perm" && mkdir "$perm/tree" &&
	cp "$PNGS/basn0g08.png" "$perm/tree/a.png" &&
	cp "$PNGS/basn2c08.png" "$perm/tree/noext" &&
	cp "$PNGS/basn2c08.png" "$perm/tree/shut" && echo text >"$perm/tree/notes" &&
	gicat init "$perm/cat" 2>/dev/null && chmod 0 "$perm/tree/shut" &&
	(cd "$perm" && as_user gicat --catalog cat ingest --dataset p tree 2>"$TRASH/err") &&
	test_grep "^ingest: 2 files: 2 new images, 2 new entries" err &&
	test_grep "^  skipped 2 files (non-image or dangling link 1, unreadable, with no image extension 1)$" err &&
	chmod -R u+rwx "$perm" && rm -rf "$perm"
'

test_expect_success 'a wnid outside the 1000 classes is kept with no class, and said' '
	mkdir -p odd/imagenet_ai_0419_sdv4/train/nature &&
	cp "$SHARED/data/jpeg/testorig.jpg" odd/imagenet_ai_0419_sdv4/train/nature/n99999999_7.JPEG &&
	cp "$SHARED/data/jpeg/testimgint.jpg" odd/imagenet_ai_0419_sdv4/train/nature/n01440764_8.JPEG &&
	gicat ingest --dataset odd --layout genimage odd 2>err &&
	test_grep "1 entry has a wnid that is none of the 1000 ImageNet classes (first: n99999999): kept with no class" err &&
	gicat ingest --dataset odd --layout genimage odd 2>err && ! grep -q wnid err &&
	test "$(gicat query --count "dataset = odd and class = null and wnid = n99999999")" -eq 1 &&
	test "$(gicat query --count "dataset = odd and class = 0")" -eq 1
'

test_expect_success 'a GenImage fake name that gives no class of 0..999 is kept with no class, and said' '
	mkdir -p oddc/imagenet_ai_0424_sdv5/train/ai &&
	cp "$SHARED/data/pngsuite/basn2c08.png" oddc/imagenet_ai_0424_sdv5/train/ai/1000_sdv5_00001.png &&
	cp "$SHARED/data/pngsuite/basn0g08.png" oddc/imagenet_ai_0424_sdv5/train/ai/GLIDE_1_2_00_1808_glide_3.png &&
	cp "$SHARED/data/pngsuite/basn6a08.png" oddc/imagenet_ai_0424_sdv5/train/ai/999_sdv5_00002.png &&
	cp "$SHARED/data/pngsuite/basn3p08.png" oddc/imagenet_ai_0424_sdv5/train/ai/007_sdv5_.png &&
	cp "$SHARED/data/pngsuite/basn2c16.png" oddc/imagenet_ai_0424_sdv5/train/ai/renamed.png &&
	gicat ingest --dataset oddc --layout genimage oddc 2>err &&
	test_grep "^  4 fake entries have a name that gives no class of 0..999 (GenImage names a fake CLASS_..., 7_sdv4_00001.png) (first: .oddc/imagenet_ai_0424_sdv5/train/ai/007_sdv5_.png.): kept with no class; --class N sets one$" err &&
	test "$(gicat query --count "dataset = oddc and class = null")" -eq 4 &&
	test "$(gicat query --count "dataset = oddc and class = 999")" -eq 1 &&
	gicat ingest --dataset oddc --layout genimage oddc 2>err && ! grep -q "0..999" err
'

test_expect_success 'a folder name with a control character is no default dataset name: refused, --dataset gives one' '
	tab=$(printf "a\tb") && mkdir "$tab" &&
	cp "$SHARED/data/pngsuite/basn0g08.png" "$tab/" &&
	test_expect_code 2 gicat ingest "$tab" 2>err &&
	test "$(cat err)" = "gicat: ingest: the default dataset name ${SQ}a\x09b${SQ} (the folder${SQ}s name; --dataset NAME sets another) holds a control character (0x09)" &&
	gicat ingest --dataset tabbed "$tab" 2>err &&
	test "$(gicat query --count "dataset = tabbed")" -eq 1
'

test_expect_success 'files that do not fit a --layout given are counted and named, not passed over' '
	mkdir -p misfit/imagenet_ai_0419_sdv4/train/ai misfit/loose &&
	cp "$SHARED/data/pngsuite/basn2c08.png" misfit/imagenet_ai_0419_sdv4/train/ai/000_sdv4_00001.png &&
	cp "$SHARED/data/pngsuite/basn0g08.png" misfit/loose/a.png &&
	cp "$SHARED/data/pngsuite/basn6a08.png" misfit/loose/b.png &&
	gicat ingest --dataset mis --layout genimage misfit 2>err &&
	test_grep "^  2 files do not fit --layout genimage, \.\.\./{train,val}/{ai,nature}/FILE (first: .misfit/loose/a.png.): its path gives it no label, split or generator$" err &&
	gicat ingest --dataset mis4 --layout genimage --label fake misfit 2>err && ! grep -q "do not fit" err &&
	gicat ingest --dataset mis --layout genimage misfit 2>err && ! grep -q "do not fit" err &&
	gicat ingest --dataset mis2 --layout imagefolder misfit/loose 2>err &&
	test_grep "^  2 files do not fit --layout imagefolder, a label or class folder above FILE (first: .misfit/loose/a.png.)" err &&
	gicat ingest --dataset mis3 misfit/loose 2>err && ! grep -q "do not fit" err
'

test_expect_success 'a tree deeper than the nesting limit keeps what is shallow enough and names what is not (exit 1)' '
	python3 -c "
import os, shutil
os.mkdir(\"nest\")
shutil.copy(\"$PNGS/basn0g08.png\", \"nest/top.png\")
p = \"nest\"
for i in range(1, 71):
    p += \"/d\"; os.mkdir(p)
    if i in (64, 70):
        shutil.copy(\"$PNGS/basn2c08.png\", p + \"/at%d.png\" % i)
" &&
	test_expect_code 1 gicat ingest --dataset nest nest 2>err &&
	test "$(gicat query --count "dataset = nest")" -eq 2 &&
	test "$(gicat query --count "dataset = nest and path ~ \"*/at64.png\"")" -eq 1 &&
	d65=nest$(printf "/d%.0s" $(seq 65)) &&
	test "$(grep "^gicat: " err)" = "gicat: rejected: ${SQ}$d65${SQ}: nested over 64 directories deep: not walked, so its images are not ingested" &&
	test "$(gicat stats --rejects --format csv | grep -c "^$d65,")" -eq 1 &&
	# ingested from deeper down, it is walked, and its reject goes
	gicat ingest --dataset nest nest/d/d/d/d/d/d/d/d/d/d 2>err &&
	test "$(gicat stats --rejects --format csv | grep -c "^$d65,")" -eq 0 &&
	test "$(gicat query --count "dataset = nest")" -eq 3
'

test_expect_success '--class takes an index or a wnid; anything else is a usage error' '
	cp "$PNGS/basn0g08.png" cls.png &&
	test_expect_code 2 gicat ingest --class nope cls.png 2>err &&
	test_grep "not .nope." err &&
	test_expect_code 2 gicat ingest --class Goldfish cls.png 2>err &&
	test_grep "^gicat: ingest: --class takes 0..999 or an ImageNet wnid, not .Goldfish., the name of class 1 (n01443537)$" err &&
	test_expect_code 2 gicat ingest --class Fish cls.png 2>err &&
	test_grep "not .Fish. (no class is named so; 11 hold it in their names: 1 goldfish; 5 electric ray; 107 jellyfish; ...)$" err &&
	test_expect_code 2 gicat ingest --class 1000 cls.png 2>err &&
	for c in " 5" "+5" "5 " ""; do
		test_expect_code 2 gicat ingest --class "$c" cls.png 2>err || return 1
	done &&
	gicat ingest --dataset c1 --class n01443537 cls.png 2>err &&
	test "$(gicat query --format csv --fields class,class_source "dataset = c1" | tail -1)" = "1,option"
'

test_expect_success 'a missing --val-labels file is a usage error named with its option, like any missing input file; so is a directory' '
	cp "$PNGS/basn0g08.png" vl.png &&
	test_expect_code 2 gicat ingest --val-labels nosuch.csv vl.png 2>err &&
	test "$(cat err)" = "gicat: ingest: --val-labels: '"'"'nosuch.csv'"'"': cannot open: No such file or directory" &&
	mkdir -p vldir && test_expect_code 2 gicat ingest --val-labels vldir vl.png 2>err &&
	test "$(cat err)" = "gicat: ingest: --val-labels: '"'"'vldir'"'"': is a directory, not a file" &&
	printf "ImageId,PredictionString\nILSVRC2012_val_00000001,n01751748 1 2 3 4\n\0" >vlnul.csv &&
	test_expect_code 2 gicat ingest --val-labels vlnul.csv vl.png 2>err &&
	test_grep "not a text file (NUL byte, line 3)" err
'

test_expect_success 'another CSV given as --val-labels is named by its first line' '
	cp "$PNGS/basn0g08.png" vl.png &&
	printf "path,score\nx.png,0.5\n" >preds.csv &&
	test_expect_code 2 gicat ingest --val-labels preds.csv vl.png 2>err &&
	echo "gicat: ingest: --val-labels: ${SQ}preds.csv${SQ}: line 1: expected the header ${SQ}ImageId,PredictionString${SQ} of ImageNet${SQ}s LOC_val_solution.csv, not ${SQ}path,score${SQ}" >want &&
	test_cmp want err
'

test_expect_success 'a missing path is rejected like a bad file; the batch goes on (exit 1); rejects keeps no row of it' '
	mkdir mp && cp "$PNGS/basn0g08.png" mp/a.png && cp "$PNGS/basn2c08.png" mp/b.png &&
	test_expect_code 1 gicat ingest --dataset mp mp/a.png no/such/dir mp/b.png 2>err &&
	test "$(grep -c "^gicat: " err)" -eq 1 &&
	test_grep "^gicat: rejected: .no/such/dir.: cannot open: No such file or directory$" err &&
	test "$(gicat query --count "dataset = mp")" -eq 2 &&
	! gicat stats --rejects --format csv | grep -q "^no/such/dir," &&
	printf junk >mp/gone.png &&
	test_expect_code 1 gicat ingest --dataset mp mp/gone.png 2>/dev/null &&
	gicat stats --rejects --format csv | grep -q "^mp/gone.png," &&
	rm mp/gone.png &&
	test_expect_code 1 gicat ingest --dataset mp mp/gone.png 2>/dev/null &&
	! gicat stats --rejects --format csv | grep -q "^mp/gone.png,"
'

test_expect_success 'a file named like an option: said so, and taken after -- or as ./NAME' '
	cp "$PNGS/basn0g08.png" ./-dash.png &&
	test_expect_code 2 gicat ingest --dataset dash -dash.png 2>err &&
	test "$(head -1 err)" = "gicat: ingest: ${SQ}-dash.png${SQ}: unknown option, and a file${SQ}s name: say ./-dash.png, or put -- before it" &&
	gicat ingest --dataset dash -- -dash.png 2>/dev/null &&
	gicat ingest --dataset dash2 ./-dash.png 2>/dev/null &&
	test "$(gicat query --count "dataset in (dash, dash2)")" -eq 2
'

test_expect_success 'a symbolic link to nothing named as a PATH is said to be one, with where it points' '
	ln -s no/such.png dl.png &&
	test_expect_code 1 gicat ingest --dataset mp dl.png mp/a.png 2>err &&
	test_grep "^gicat: rejected: .dl.png.: cannot open: a symbolic link to .no/such.png., which does not exist$" err &&
	! gicat stats --rejects --format csv | grep -q "^dl.png,"
'

test_expect_success 'a PATH argument past the length limit is rejected; the batch goes on (exit 1)' '
	long=$(python3 -c "print(\"x/\" * 2045 + \"ab.png\")") &&
	test_expect_code 1 gicat ingest --dataset lp mp/a.png "$long" mp/b.png 2>err &&
	test "$(grep -c "^gicat: " err)" -eq 1 &&
	test_grep "^gicat: rejected: .x/x/x/.*: path too long: 4096 bytes, over the 4095-byte limit$" err &&
	test "$(gicat query --count "dataset = lp")" -eq 2
'

test_expect_success 'a directory where a list, task or predictions file goes is a usage error' '
	mkdir adir &&
	test_expect_code 2 gicat fetch adir 2>err &&
	test_grep "^gicat: fetch: .adir.: is a directory, not a file$" err &&
	test_expect_code 2 gicat task check adir 2>err &&
	test_grep "task file .adir.: is a directory, not a file$" err &&
	test_expect_code 2 gicat eval genimage/cross-sd14 --predictions adir 2>err &&
	test_grep "^gicat: eval: .adir.: is a directory, not a file$" err &&
	test_expect_code 2 gicat eval --matrix adir 2>err
'

test_expect_success 'rejects are summed by kind, the largest first; past fifteen kinds the rest is other' '
	mkdir junk && for i in $(seq 1000 1019); do printf $i >junk/$i.jpg; done &&
	test_expect_code 1 gicat ingest --dataset junk junk 2>err &&
	test "$(grep -c "^gicat: rejected: " err)" -eq 20 &&
	test "$(grep "^  rejected" err)" = "  rejected 20: not a PNG or JPEG file" &&
	# twenty kinds: a CRC error in a chunk of another name each, met
	# before three files of one kind, which come first all the same
	mkdir kinds && $PY -c "
import struct
d = open(\"$PNGS/basn0g08.png\", \"rb\").read()
for i in range(20):
    ch = struct.pack(\">I\", 4) + b\"A\" + bytes([97 + i]) + b\"bcdata\" + bytes(4)
    open(\"kinds/a%02d.png\" % i, \"wb\").write(d[:33] + ch + d[33:])
" && for i in 1 2 3; do printf x$i >kinds/z$i.png; done &&
	test_expect_code 1 gicat ingest --dataset kinds kinds 2>err &&
	grep "^  rejected" err >got &&
	test "$(wc -l <got)" -eq 16 &&
	test "$(head -2 got)" = "  rejected 3: not a PNG or JPEG file
  rejected 1: PNG CRC error in Aabc chunk" &&
	test "$(tail -1 got)" = "  rejected 6: other"
'

test_expect_success 'a FIFO is refused, never waited on; /dev/zero as a text input stops at once' '
	mkfifo fifo.png &&
	test_expect_code 1 timeout 20 gicat ingest --dataset fifo fifo.png 2>err &&
	test_grep "^gicat: rejected: .fifo.png.: not a regular file (a FIFO)$" err &&
	mkdir specials && cp "$PNGS/basn2c08.png" specials/a.png && mkfifo specials/b.png &&
	ln -s /dev/zero specials/c.jpg && mkfifo specials/notes &&
	test_expect_code 1 timeout 20 gicat ingest --dataset specials specials 2>err &&
	test_grep "^gicat: rejected: .specials/b.png.: not a regular file (a FIFO)$" err &&
	test_grep "^gicat: rejected: .specials/c.jpg.: not a regular file (a device or socket)$" err &&
	test_grep "1 new entry, 0 already present, 0 changed, 2 rejected" err &&
	test_grep "skipped 1 file (non-image or dangling link 1)" err &&
	$PY -c "import socket; socket.socket(socket.AF_UNIX).bind(\"specials/d.png\")" &&
	test_expect_code 1 timeout 20 gicat ingest --dataset specials specials/d.png 2>err &&
	test_grep "^gicat: rejected: .specials/d.png.: not a regular file (a device or socket)$" err &&
	test_expect_code 2 timeout 20 gicat fetch /dev/zero 2>err &&
	test_grep "not a text file (NUL byte, line [0-9]*)" err &&
	test_expect_code 2 timeout 20 gicat eval genimage/cross-sd14 --predictions /dev/zero 2>err &&
	test_grep "not a text file (NUL byte, line [0-9]*)" err &&
	printf "[task]\nname = x\n; \000\n[test a]\nselect = split = val\n" >nul.ini &&
	test_expect_code 1 gicat task check nul.ini 2>err &&
	test_grep "not a text file (NUL byte, line 3)" err
'

test_expect_success 'control characters (and bidirectional ones) in a file name cannot break or forge an error line' '
	mkdir ctl && printf x >"ctl/$(printf "a\ngicat: rejected: fake.jpg: ok\n\033[31m.jpg")" &&
	test_expect_code 1 gicat ingest --dataset ctl ctl 2>err &&
	test "$(grep -c "^gicat: " err)" -eq 1 &&
	test_grep "^gicat: rejected: .ctl/a\\\\x0agicat: rejected: fake.jpg: ok\\\\x0a\\\\x1b\[31m.jpg.: " err &&
	! grep -q "$(printf "\033")" err &&
	mkdir c1 && printf x >"c1/$(printf "b\302\2332J\302\235x.jpg")" &&
	test_expect_code 1 gicat ingest --dataset c1 c1 2>err &&
	test_grep "^gicat: rejected: .c1/b\\\\xc2\\\\x9b2J\\\\xc2\\\\x9dx.jpg.: " err &&
	! grep -q "$(printf "\302\233")" err &&
	cp "$PNGS/basn0g08.png" "c1/$(printf "ok\302\233.png")" && rm c1/b* &&
	gicat ingest --dataset c1 c1 2>/dev/null &&
	gicat query --fields path "dataset = c1" >out &&
	test_grep "c1/ok\\\\xc2\\\\x9b.png" out && ! grep -q "$(printf "\302\233")" out &&
	mkdir bidi && printf x >"bidi/$(printf "gpj.\342\200\256x.png")" &&
	test_expect_code 1 gicat ingest --dataset bidi bidi 2>err &&
	test_grep "^gicat: rejected: .bidi/gpj.\\\\xe2\\\\x80\\\\xaex.png.: " err &&
	! grep -q "$(printf "\342\200\256")" err
'

test_expect_success 'a store that cannot be written stops the ingest (exit 3), no file is blamed, what came before is kept' '
	gicat init full 2>/dev/null &&
	mkdir fullsrc && cp "$SHARED/data/pngsuite/basn2c08.png" fullsrc/ &&
	cp "$PNGS/basn0g08.png" fullsrc/a.png &&
	sha=$(sha256sum fullsrc/basn2c08.png | cut -c1-64) &&
	pre=$(echo $sha | cut -c1-2) &&
	touch full/.gicat/objects/$pre &&
	test_expect_code 3 gicat --catalog full ingest fullsrc 2>err &&
	! grep "^gicat: rejected" err &&
	test_grep "^gicat: ingest: .*objects/[0-9a-f][0-9a-f] is a file, not a directory: objects are kept in the store itself" err &&
	test "$(sqlite3 full/.gicat/catalog.db "SELECT count(*) FROM rejects")" -eq 0 &&
	test "$(sqlite3 full/.gicat/catalog.db "SELECT path FROM entries")" = fullsrc/a.png &&
	rm full/.gicat/objects/$pre && gicat --catalog full verify --full >out &&
	test_grep " 0 problems" out
'

# ztxt.png: 1x1 gray, then 100 zTXt chunks of 15 KB that each inflate to
# 15 MiB of text: 1.5 MB of file, 1.5 GB of text were it all kept.
python3 - <<'PY'
import struct, zlib
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
z = zlib.compress(b"a" * (15 << 20), 9)
text = b"".join(chunk(b"zTXt", b"k%d\0\0" % i + z) for i in range(100))
open("ztxt.png", "wb").write(b"\x89PNG\r\n\x1a\n" +
    chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)) + text +
    chunk(b"IDAT", zlib.compress(b"\0\x80")) + chunk(b"IEND", b""))
PY

test_expect_success 'compressed PNG text that inflates to gigabytes is bounded in memory' '
	mkdir zt && cp ztxt.png zt/ &&
	/usr/bin/time -f "%M" -o zt.kb gicat ingest --dataset zt zt 2>err &&
	test "$(tail -1 zt.kb)" -lt 400000 &&
	test "$(gicat query --count "dataset = zt")" -eq 1 &&
	gicat query --format csv --fields width,height "dataset = zt" | tail -1 | grep -qx "1,1"
'

test_expect_success 'progressive JPEGs decoded at once share one memory budget, whatever --jobs' '
	# each 1.6 MB file needs 800 MB of coefficients (10000x10000 CMYK,
	# 4:4:4): three at once would take 2.4 GB
	mkdir prog && $PY -W ignore - <<-\EOF &&
	from PIL import Image
	for i in range(3):
	    Image.new("CMYK", (10000, 10000 - i), (0, 200, 30, 5)).save(
	        "prog/p%d.jpg" % i, "JPEG", quality=1, progressive=True, subsampling=0)
	EOF
	/usr/bin/time -f "%M" -o prog.kb gicat ingest --jobs 3 --dataset prog prog 2>err &&
	test_grep " 3 new images," err &&
	# ThreadSanitizer'"'"'s shadow of each byte touched is counted too
	lim=1400000 &&
	if ldd "$GICAT_BIN" | grep -q libtsan; then lim=5600000; fi &&
	test "$(tail -1 prog.kb)" -lt $lim &&
	/usr/bin/time -f "%M" -o prog.kb gicat degrade "resize(size=16)" $(sha256sum prog/p0.jpg | cut -c1-64) >p16.png &&
	test "$(tail -1 prog.kb)" -lt $((lim * 10 / 7))  # 300 MB of pixels besides
'

test_expect_success 'an image too large for the memory there is is refused; the batch goes on' '
	mkdir -p mem && "$PY" -c "
import io
from PIL import Image
b = io.BytesIO()
Image.new(\"RGB\", (64, 64), (9, 9, 9)).save(b, \"JPEG\", progressive=True, subsampling=0)
d = bytearray(b.getvalue())
sof = d.find(b\"\\xff\\xc2\")
d[sof + 5:sof + 9] = bytes([0x1f, 0x40, 0x1f, 0x40])  # 8000x8000
open(\"mem/big.jpg\", \"wb\").write(d)
Image.new(\"RGB\", (64, 48), (5, 5, 5)).save(\"mem/small.jpg\")
" &&
	# 8000x8000 progressive: libjpeg asks for 3 x 128 MB of coefficients
	if ldd "$GICAT_BIN" | grep -q "libasan\|libtsan"; then
		# a sanitizer reserves more address space than ulimit -v
		# leaves; its own log: it warns of the allocation it refused,
		# which is the point here; anything else in it is a finding
		o=log_path=$TRASH/mem-asan:exitcode=86:allocator_may_return_null=1:max_allocation_size_mb=100 &&
		ASAN_OPTIONS=$o TSAN_OPTIONS=$o \
			gicat ingest --jobs 1 mem >out 2>err && rc=0 || rc=$?
		! cat "$TRASH"/mem-asan.* 2>/dev/null | grep -v "failed to allocate 0x[0-9a-f]* bytes" | grep -q .
	else
		(ulimit -v 400000 && exec gicat ingest --jobs 1 mem) >out 2>err &&
			rc=0 || rc=$?
	fi &&
	test $rc = 1 &&
	test_grep "^gicat: rejected: .mem/big.jpg.: too large to decode in the memory available (out of memory decoding JPEG: " err &&
	test_grep "1 new image, 1 new entry" err &&
	test "$(gicat query --count "path = ${SQ}mem/small.jpg${SQ}")" = 1
'

test_done
