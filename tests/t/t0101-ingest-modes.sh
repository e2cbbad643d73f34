#!/bin/sh
# Ingest modes: copy (default), link (hard link), reflink (clone or copy)
# and ref (nothing stored; verify notices when the original changes).
. "$(dirname "$0")/lib.sh"

mkdir src && cp "$SHARED"/data/pngsuite/basn2c08.png "$SHARED"/data/pngsuite/basn0g08.png \
	"$SHARED"/data/jpeg/testorig.jpg src/
for m in copy link reflink ref; do gicat init $m 2>/dev/null; done

test_expect_success 'copy stores an independent read-only copy' '
	gicat --catalog copy ingest src 2>err &&
	test "$(find copy/.gicat/objects -type f | wc -l)" -eq 3 &&
	f=$(find copy/.gicat/objects -type f | head -1) &&
	test "$(stat -c %h "$f")" -eq 1 && test "$(stat -c %a "$f")" = 444
'

test_expect_success 'link shares the inode of the original, which becomes read-only as an object is' '
	cp -r src lsrc && chmod 644 lsrc/* &&
	gicat --catalog link ingest --mode link lsrc 2>err &&
	test "$(stat -c %h lsrc/testorig.jpg)" -eq 2 &&
	test "$(stat -c %a lsrc/testorig.jpg)" = 444 &&
	n=$(ls lsrc | wc -l) &&
	test_grep "^  $n originals are now hard-linked into the store, read-only (--mode link): write to a copy, never to the file, which is the object$" err &&
	! grep "were copied" err
'

test_expect_success 'link: writing to the original corrupts the object; ingesting a good copy mends it' '
	f=lsrc/basn0g08.png && chmod u+w "$f" &&
	printf "\\001" | dd of="$f" bs=1 seek=40 conv=notrunc 2>/dev/null &&
	test_expect_code 1 gicat --catalog link verify --full 2>err >out &&
	test_grep "is corrupt (hash .*); 1 entry, .lsrc/basn0g08.png.: restore that file and ingest it again with --repair$" err &&
	rm -f "$f" && cp src/basn0g08.png "$f" &&
	gicat --catalog link ingest --mode link lsrc 2>err &&
	test_expect_code 1 gicat --catalog link verify --full >out 2>err &&
	gicat --catalog link ingest --mode link --repair lsrc 2>err &&
	test_grep "3 already present" err &&
	test_grep "^  1 original is now hard-linked into the store, read-only" err &&
	gicat --catalog link verify --full >out && test_grep " 0 problems" out &&
	test "$(stat -c %h "$f")" -eq 2 && test "$(stat -c %a "$f")" = 444
'

test_expect_success 'link through symbolic links (absolute, relative) links the files they name' '
	mkdir -p syms/t syms/s && cp src/basn2c08.png syms/s/b.png && cp src/basn0g08.png syms/s/a.png &&
	ln -s "$TRASH/syms/s/b.png" syms/t/b.png && ln -s ../s/a.png syms/t/a.png &&
	gicat init lsym 2>/dev/null && gicat --catalog lsym ingest --mode link syms/t 2>err &&
	test_grep " 2 new images" err &&
	test -z "$(find lsym/.gicat/objects -type l)" &&
	test "$(stat -c %h syms/s/a.png)" -eq 2 && test "$(stat -c %h syms/s/b.png)" -eq 2 &&
	gicat --catalog lsym verify --full 2>/dev/null
'

# (xd/a.png ends in d/a.png, but is no other spelling of it)
test_expect_success 'link of two names of one file (d/a.png, xd/a.png): an entry each, one object, no temporary file left' '
	gicat init lhl 2>/dev/null && mkdir -p hl/d hl/xd && cp src/basn2c08.png hl/d/a.png &&
	ln hl/d/a.png hl/xd/a.png &&
	(cd hl && gicat --catalog ../lhl ingest --mode link --dataset hl d xd 2>../err) &&
	test_grep " 1 new image, 2 new entries" err &&
	test -z "$(find lhl/.gicat/objects -name "tmp-*")" &&
	test "$(stat -c %h hl/d/a.png)" -eq 3 &&
	gicat --catalog lhl verify >out && ! grep harmless out
'

# Two copies of one content in one batch: one becomes the object; the
# other was made read-only too, then replaced as the object by the first.
test_expect_success 'link of two copies of one content: one is the object, the other stays as it was' '
	gicat init ldup 2>/dev/null && mkdir -p ldup-src &&
	cp src/basn2c08.png ldup-src/a.png && cp src/basn2c08.png ldup-src/b.png && chmod 640 ldup-src/*.png &&
	gicat --catalog ldup ingest --mode link ldup-src 2>err &&
	test_grep " 1 new image, 2 new entries" err &&
	test_grep "^  1 original is now hard-linked into the store, read-only" err &&
	stat -c "%h %a" ldup-src/a.png ldup-src/b.png | sort >got &&
	printf "1 640\n2 444\n" >want && test_cmp want got &&
	obj=$(find ldup/.gicat/objects -type f) &&
	test "$(stat -c %i "$obj")" = "$(stat -c %i $(stat -c "%h %n" ldup-src/*.png | sed -n "s/^2 //p"))" &&
	test -z "$(find ldup/.gicat/objects -name "tmp-*")" &&
	gicat --catalog ldup verify --full >out && test_grep " 0 problems" out
'

# A copy on another file system is copied, not linked; whichever of the
# two is put first is the object, and the other must be left as it was:
# never read-only without being the object (the copy, renamed over the
# linked original, did that).
test_expect_success 'link of a file and of a copy it must copy (another file system): neither left read-only and detached' '
	if test -d /dev/shm && test "$(stat -c %d /dev/shm)" != "$(stat -c %d .)"; then
		sh=$(mktemp -d /dev/shm/gicat-t0101-XXXXXX) &&
		gicat init lx 2>/dev/null && mkdir -p lx-a &&
		cp src/basn2c08.png lx-a/x.png && cp src/basn2c08.png "$sh/y.png" && chmod 640 lx-a/x.png "$sh/y.png" &&
		gicat --catalog lx ingest --mode link --jobs 1 lx-a "$sh" 2>err; rc=$?
		y=$(stat -c "%h %a" "$sh/y.png") && rm -rf "$sh" &&
		test $rc -eq 0 && test "$y" = "1 640" &&
		case "$(stat -c "%h %a" lx-a/x.png)" in
		"1 640") ;;
		"2 444") test "$(stat -c %i lx/.gicat/objects/*/*)" = "$(stat -c %i lx-a/x.png)" ;;
		*) false ;;
		esac &&
		gicat --catalog lx verify --full >out
	fi
'

test_expect_success 'gc of link-mode objects frees nothing while the originals stay, and says so' '
	gicat init lgc 2>/dev/null && mkdir -p lgcsrc && cp src/basn2c08.png lgcsrc/a.png &&
	gicat --catalog lgc ingest --mode link lgcsrc 2>/dev/null &&
	test "$(stat -c %h lgcsrc/a.png)" -eq 2 &&
	gicat --catalog lgc rm "dataset = lgcsrc" 2>/dev/null &&
	gicat --catalog lgc gc --grace 0 2>out &&
	test_grep "^gc: removed 1 unused image row, 1 object, 0 temporary files (0 bytes freed)$" out &&
	test_grep "^gc: 1 of those objects is a hard link to a file that stays elsewhere (a --mode link ingest, or a split or export in link mode): removing it frees no space$" out &&
	test "$(stat -c %h lgcsrc/a.png)" -eq 1
'

test_expect_success 'reflink clones or falls back to a copy, saying so' '
	gicat --catalog reflink ingest --mode reflink src 2>err &&
	test "$(find reflink/.gicat/objects -type f | wc -l)" -eq 3 &&
	gicat --catalog reflink verify --full >out && test_grep " 0 problems" out &&
	f=$(find src -type f | head -1) &&
	if cp --reflink=always "$f" reflink/probe 2>/dev/null; then
		! grep "files were copied" err
	else
		test_grep "^  3 files were copied, not reflinked: the file system cannot clone files" err
	fi
'

test_expect_success 'ref stores nothing and reads the original back' '
	cp -r src rsrc &&
	gicat --catalog ref ingest --mode ref rsrc 2>err &&
	test "$(find ref/.gicat/objects -type f | wc -l)" -eq 0 &&
	h=$(gicat --catalog ref query --format csv --fields sha256 "path ~ \"*testorig.jpg\"" | tail -1) &&
	gicat --catalog ref cat "$h" >back && cmp back src/testorig.jpg &&
	gicat --catalog ref show "$h" >out &&
	test_grep "^ref_path  *$TRASH/rsrc/testorig.jpg$" out &&
	test_grep "^object  *none: the bytes live at ref_path$" out &&
	! grep "/objects/" out &&
	gicat --catalog ref verify --full >out && test_grep " 3 referenced files" out &&
	gicat init one 2>/dev/null && cp "$SHARED/data/pngsuite/basn0g08.png" one/ &&
	gicat --catalog one ingest --mode ref one 2>/dev/null &&
	gicat --catalog one verify >out &&
	test "$(cat out)" = "verify: 1 image: 0 objects, 1 referenced file checked; 0 problems"
'

test_expect_success 'a touched ref file: verify asks for --full, which finds it intact' '
	touch -d "2001-02-03 04:05:06" rsrc/basn2c08.png &&
	test_expect_code 1 gicat --catalog ref verify 2>err >out &&
	test "$(wc -l <err)" -eq 1 &&
	test_grep "rsrc/basn2c08.png.: mtime changed since ingest (size did not): .gicat verify --full. re-hashes it; ingesting it again with --mode ref --dataset rsrc records the new mtime$" err &&
	gicat --catalog ref verify --full 2>err >out &&
	test_grep " 0 problems" out && ! test -s err &&
	test_grep "^verify: note: 1 referenced file was touched since ingest, its bytes intact (first: .*/rsrc/basn2c08.png.): a verify without --full reports it by its mtime until ingest --mode ref records the new one$" out
'

test_expect_success 'ingesting a touched ref file again, as verify says, records its new mtime; no entry is added' '
	n=$(gicat --catalog ref query --count "") &&
	gicat --catalog ref ingest --mode ref --dataset rsrc rsrc/basn2c08.png 2>err &&
	test_grep "1 already present" err &&
	test "$(gicat --catalog ref query --count "")" -eq "$n" &&
	gicat --catalog ref ingest --mode ref rsrc 2>err &&
	test_grep "3 already present" err &&
	test "$(sqlite3 ref/.gicat/catalog.db "SELECT ref_mtime_ns FROM images WHERE ref_path = '"'"'$TRASH/rsrc/basn2c08.png'"'"'")" = \
		"$(stat -c %Y rsrc/basn2c08.png)000000000" &&
	gicat --catalog ref verify 2>err >out && test_grep " 0 problems" out &&
	! test -s err &&
	gicat --catalog ref verify --full 2>err >out && ! grep "touched" out
'

test_expect_success 'verify --full re-hashes a ref file of the same size: changed content is a problem' '
	cp -p rsrc/testorig.jpg keep.jpg &&
	printf "\\377" | dd of=rsrc/testorig.jpg bs=1 seek=2000 conv=notrunc 2>/dev/null &&
	touch -r keep.jpg rsrc/testorig.jpg &&
	gicat --catalog ref verify >out && test_grep " 0 problems" out &&
	test_expect_code 1 gicat --catalog ref verify --full 2>err >out &&
	test_grep "rsrc/testorig.jpg.: content changed since ingest (hash [0-9a-f]\\{64\\})" err &&
	cp -p keep.jpg rsrc/testorig.jpg && gicat --catalog ref verify --full >out
'

test_expect_success 'verify reports a ref file that changed, and cat refuses it' '
	printf x >>rsrc/basn0g08.png &&
	test_expect_code 1 gicat --catalog ref verify 2>err >out &&
	test_grep "rsrc/basn0g08.png.: content changed since ingest: 139 bytes, catalog says 138" err &&
	h=$(gicat --catalog ref query --format csv --fields sha256 "path ~ \"*basn0g08.png\"" | tail -1) &&
	test_must_fail gicat --catalog ref cat "$h" >/dev/null 2>err &&
	test_grep "changed since ingest" err
'

test_expect_success 'a ref file grown huge: cat refuses it by its size, reading none of it' '
	cp -p rsrc/basn0g08.png keep.png &&
	truncate -s 64G rsrc/basn0g08.png &&
	h=$(gicat --catalog ref query --format csv --fields sha256 "path ~ \"*basn0g08.png\"" | tail -1) &&
	test_expect_code 3 gicat --catalog ref cat "$h" >out 2>err &&
	test_grep "basn0g08.png. does not hold $h: it changed since ingest (68719476736 bytes, the image has 138): .gicat verify --full. lists each image so damaged, with what to do$" err &&
	! test -s out &&
	cp -p keep.png rsrc/basn0g08.png
'

test_expect_success 'a changed ref file ingested again: verify passes over the image no entry uses now' '
	gicat init rch 2>/dev/null && mkdir -p rchsrc && cp src/basn0g08.png rchsrc/ &&
	gicat --catalog rch ingest --mode ref rchsrc 2>/dev/null &&
	printf x >>rchsrc/basn0g08.png &&
	gicat --catalog rch ingest --mode ref rchsrc 2>err &&
	test_grep "1 changed" err &&
	test "$(sqlite3 rch/.gicat/catalog.db "SELECT count(*) FROM images i WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.sha256 = i.sha256)")" -eq 1 &&
	gicat --catalog rch verify >out 2>err && test_grep " 0 problems" out &&
	gicat --catalog rch gc --grace 0 >/dev/null 2>&1 &&
	test "$(sqlite3 rch/.gicat/catalog.db "SELECT count(*) FROM images")" -eq 1
'

test_expect_success 'verify says what to do about a ref file whose content changed' '
	gicat init rcv 2>/dev/null && mkdir -p rcvsrc && cp src/basn0g08.png src/testorig.jpg rcvsrc/ &&
	gicat --catalog rcv ingest --mode ref rcvsrc 2>/dev/null &&
	printf x >>rcvsrc/basn0g08.png &&
	cp -p rcvsrc/testorig.jpg keep.jpg &&
	printf "\\377" | dd of=rcvsrc/testorig.jpg bs=1 seek=2000 conv=notrunc 2>/dev/null &&
	touch -r keep.jpg rcvsrc/testorig.jpg &&
	test_expect_code 1 gicat --catalog rcv verify --full 2>err >out &&
	test_grep "rcvsrc/basn0g08.png.: content changed since ingest: 139 bytes, catalog says 138: restore it, or ingest it again with --mode ref --dataset rcvsrc to catalogue what it holds now$" err &&
	test_grep "rcvsrc/testorig.jpg.: content changed since ingest (hash [0-9a-f]\\{64\\}): restore it, or ingest it again with --mode ref --dataset rcvsrc to catalogue what it holds now$" err &&
	cp -p keep.jpg rcvsrc/testorig.jpg &&
	gicat --catalog rcv ingest --mode ref rcvsrc 2>/dev/null &&
	gicat --catalog rcv verify --full >out 2>err && test_grep " 0 problems" out
'

test_expect_success 'rm of the entries whose file a ref image reads: said, and ingest moves the ref to a remaining entry' '
	gicat init rrm 2>/dev/null && mkdir -p rrmA rrmB && cp src/basn0g08.png src/basn2c08.png rrmA/ &&
	cp rrmA/* rrmB/ &&
	gicat --catalog rrm ingest --mode ref --dataset A rrmA 2>/dev/null &&
	gicat --catalog rrm ingest --mode ref --dataset B rrmB 2>/dev/null &&
	gicat --catalog rrm rm "dataset = A" 2>err &&
	test_grep "^rm: note: 2 images stored by reference (--mode ref) that other entries use are read from a removed entry${SQ}s file: keep it until the other entries${SQ} files are ingested again with --mode ref (and their --dataset), which points them there$" err &&
	gicat --catalog rrm ingest --mode ref --dataset B rrmB 2>/dev/null &&
	rm -r rrmA && gicat --catalog rrm verify >out && test_grep " 0 problems" out &&
	gicat --catalog rrm rm "dataset = B" 2>err && ! test_grep "note" err
'

test_expect_success 'rm says so too of entries ingested as ./DIR, ../DIR or through a symbolic link' '
	gicat init rrd 2>/dev/null && mkdir -p rrdA rrdB sub && cp src/basn0g08.png rrdA/ && cp src/basn0g08.png rrdB/ &&
	gicat --catalog rrd ingest --mode ref --dataset rrdA ./rrdA 2>/dev/null &&
	(cd sub && gicat --catalog ../rrd ingest --mode ref --dataset rrdB ../rrdB 2>/dev/null) &&
	r=$(sqlite3 rrd/.gicat/catalog.db "SELECT ref_path FROM images") &&
	read=$(basename "$(dirname "$r")") && case $read in rrdA) other=rrdB ;; rrdB) other=rrdA ;; esac &&
	gicat --catalog rrd rm --dry-run "dataset = $other" 2>err && ! test_grep "note" err &&
	gicat --catalog rrd rm --dry-run "dataset = $read" 2>err &&
	test_grep "^rm: note: 1 image stored by reference (--mode ref) that other entries use is read from a removed entry${SQ}s file" err &&
	# entries of a catalog older than file identities: by the path alone
	sqlite3 rrd/.gicat/catalog.db "UPDATE entries SET file_id = NULL" &&
	gicat --catalog rrd rm "dataset = $read" 2>err &&
	test_grep "^rm: note: 1 image stored by reference (--mode ref) that other entries use is read from a removed entry${SQ}s file" err &&
	# through a symbolic link, where the ref is the file the link names
	ln -s rrdA lnk && gicat --catalog rrd ingest --mode ref --dataset L lnk 2>/dev/null &&
	sqlite3 rrd/.gicat/catalog.db "UPDATE images SET ref_path = ${SQ}$TRASH/rrdA/basn0g08.png${SQ}" &&
	gicat --catalog rrd rm "dataset = L" 2>err &&
	test_grep "^rm: note: 1 image stored by reference" err
'

test_expect_success 'ref ingest of content stored as an object: its entries use the object, and ingest says so' '
	gicat init rob 2>/dev/null && mkdir -p robsrc robref && cp src/basn2c08.png src/testorig.jpg robsrc/ &&
	cp robsrc/* robref/ &&
	gicat --catalog rob ingest robsrc 2>/dev/null &&
	gicat --catalog rob ingest --mode ref robref 2>err &&
	test_grep "^  2 files. content the store already holds as an object: their entries use that object (--mode ref keeps nothing by reference for them)$" err &&
	test "$(sqlite3 rob/.gicat/catalog.db "SELECT count(*) FROM images WHERE storage = '"'"'object'"'"'")" -eq 2 &&
	gicat --catalog rob ingest --mode ref robref 2>err &&
	test_grep "^  2 files. content" err &&
	gicat --catalog rob ingest robref 2>err && ! test_grep "holds as an object" err
'

test_expect_success 'a moved ref tree ingested again from its new place: the images point there' '
	gicat init mv 2>/dev/null && mkdir -p old/d && cp src/basn2c08.png src/testorig.jpg old/d/ &&
	gicat --catalog mv ingest --mode ref old/d 2>/dev/null &&
	mv old new &&
	test_expect_code 1 gicat --catalog mv verify 2>err >out &&
	test_grep "old/d/basn2c08.png.: referenced file is gone (moved? .gicat mv. its tree, or ingest it from where it is now with --mode ref --dataset d)$" err &&
	gicat --catalog mv ingest --mode ref new/d 2>/dev/null &&
	gicat --catalog mv verify --full >out 2>err && test_grep " 0 problems" out &&
	test "$(sqlite3 mv/.gicat/catalog.db "SELECT count(*) FROM images WHERE ref_path LIKE '"'"'$TRASH/new/d/%'"'"'")" -eq 2 &&
	mkdir -p again && cp -p new/d/basn2c08.png again/ &&
	gicat --catalog mv ingest --mode ref again 2>/dev/null &&
	test "$(sqlite3 mv/.gicat/catalog.db "SELECT ref_path FROM images WHERE ref_path LIKE '"'"'%basn2c08.png'"'"'")" = "$TRASH/new/d/basn2c08.png" &&
	gicat --catalog mv rm "path ~ \"old/*\"" 2>/dev/null &&
	gicat --catalog mv verify >out && test_grep " 0 problems" out
'

test_expect_success 'the --dataset verify names for a gone ref file is one shell word, whatever the name' '
	gicat init mvq 2>/dev/null && mkdir -p q-old && cp src/basn2c08.png q-old/ &&
	gicat --catalog mvq ingest --mode ref --dataset "it${SQ}s mine" q-old 2>/dev/null &&
	mv q-old q-new &&
	test_expect_code 1 gicat --catalog mvq verify 2>err >out &&
	sed -n "s/.*with --mode ref \(--dataset .*\))$/\1/p" err >opt &&
	test -s opt &&
	GICAT_DIR=$TRASH/mvq sh -c "gicat ingest --mode ref $(cat opt) q-new" 2>/dev/null &&
	gicat --catalog mvq verify >out && test_grep " 0 problems" out &&
	test "$(gicat --catalog mvq query --format paths "dataset = ${SQ}it${SQ}${SQ}s mine${SQ}" | wc -l)" -eq 2 &&
	test "$(gicat --catalog mvq query --count)" -eq 2
'

test_expect_success 'gicat mv of a ref tree moved on disk points its images at the files there; a file changed meanwhile is left to verify' '
	gicat init mvr 2>/dev/null && mkdir -p mvr-old/d && cp src/basn2c08.png src/testorig.jpg src/basn0g08.png mvr-old/d/ &&
	cp -p mvr-old/d/basn0g08.png mvr-old/d/copy.png &&
	gicat --catalog mvr ingest --mode ref mvr-old/d 2>/dev/null &&
	mv mvr-old mvr-new && printf x >>mvr-new/d/testorig.jpg &&
	gicat --catalog mvr mv --dry-run mvr-old mvr-new 2>err &&
	test_grep "^mv: would move 4 entries from .mvr-old. to .mvr-new.; 2 referenced files would follow$" err &&
	test_grep "^gicat: mv: note: 1 image stored by reference is not where its file was, nor intact under .mvr-new. (.gicat verify. names it)$" err &&
	test "$(sqlite3 mvr/.gicat/catalog.db "SELECT count(*) FROM images WHERE ref_path LIKE ${SQ}$TRASH/mvr-old/%${SQ}")" -eq 3 &&
	gicat --catalog mvr mv mvr-old mvr-new 2>err &&
	test_grep "^mv: moved 4 entries from .mvr-old. to .mvr-new.; 2 referenced files followed$" err &&
	test "$(sqlite3 mvr/.gicat/catalog.db "SELECT count(*) FROM images WHERE ref_path LIKE ${SQ}$TRASH/mvr-new/d/%${SQ}")" -eq 2 &&
	test_expect_code 1 gicat --catalog mvr verify --full >out 2>err &&
	test_grep " 1 problem$" out && test_grep "mvr-old/d/testorig.jpg.: referenced file is gone" err &&
	mv mvr-new/d/copy.png mvr-new/d/copy2.png && mv mvr-new mvr-back &&
	gicat --catalog mvr mv mvr-new/d/copy.png mvr-back/d/copy2.png 2>err &&
	test_grep "^mv: moved 1 entry from .mvr-new/d/copy.png. to .mvr-back/d/copy2.png.; 1 referenced file followed$" err &&
	gicat --catalog mvr mv mvr-new mvr-back 2>err &&
	test_grep "^mv: moved 3 entries from .mvr-new. to .mvr-back.; 1 referenced file followed$" err &&
	test_grep "^gicat: mv: note: 1 image stored by reference is not where" err &&
	test_expect_code 1 gicat --catalog mvr verify --full >out 2>err && test_grep " 1 problem$" out
'

test_expect_success 'a ref file replaced by a FIFO, a directory or a link loop: an error that says so, no hang' '
	gicat init odd 2>/dev/null && mkdir -p oddsrc && cp src/basn2c08.png oddsrc/a.png &&
	gicat --catalog odd ingest --mode ref oddsrc 2>/dev/null &&
	sha=$(gicat --catalog odd query --format csv --fields sha256 | tail -1) &&
	rm oddsrc/a.png && mkfifo oddsrc/a.png &&
	test_expect_code 3 timeout 10 gicat --catalog odd cat $sha >/dev/null 2>err &&
	test_grep "a.png. is no longer a regular file (a FIFO): ingest the image again" err &&
	test_expect_code 1 gicat --catalog odd verify >out 2>&1 &&
	test_grep "a.png.: referenced file is no longer a regular file" out &&
	rm oddsrc/a.png && mkdir oddsrc/a.png &&
	test_expect_code 3 gicat --catalog odd cat $sha >/dev/null 2>err &&
	test_grep "is no longer a regular file (a directory)" err &&
	rmdir oddsrc/a.png && ln -s a.png oddsrc/a.png &&
	test_expect_code 1 gicat --catalog odd verify >out 2>&1 &&
	test_grep "a.png.: referenced file cannot be read: Too many levels of symbolic links" out
'

test_expect_success 'verify --full: a ref file whose bytes cannot be read, after stat and access passed, is a problem naming the error' '
	# /proc/self/mem: a regular file of size 0 that anyone may open and
	# whose first bytes cannot be read
	if test -e /proc/self/mem; then
		sqlite3 odd/.gicat/catalog.db "UPDATE images SET ref_path = ${SQ}/proc/self/mem${SQ}, ref_size = 0 WHERE storage = ${SQ}ref${SQ}" &&
		test_expect_code 1 gicat --catalog odd verify --full >out 2>err &&
		test_grep " 1 problem$" out &&
		test "$(cat err)" = "gicat: verify: ${SQ}/proc/self/mem${SQ}: referenced file cannot be read: Input/output error"
	fi
'

reader_catalog
test_expect_success 'a ref file its reader may not read: verify says so (a stat alone would not), cat names the file' '
	gicat init "$roc" 2>/dev/null && cp src/basn2c08.png "$roc/a.png" &&
	gicat --catalog "$roc" ingest --mode ref "$roc/a.png" 2>/dev/null &&
	as_reader --catalog "$roc" verify >out && test_grep " 0 problems$" out &&
	chmod 000 "$roc/a.png" &&
	for full in "" --full; do
		test_expect_code 1 as_reader --catalog "$roc" verify $full >out 2>err &&
		test_grep " 1 referenced file checked; 1 problem$" out &&
		test "$(cat err)" = "gicat: verify: ${SQ}$roc/a.png${SQ}: referenced file cannot be read: Permission denied (fix its permissions, or run verify as a user who may read it)" || return 1
	done &&
	test_expect_code 3 as_reader --catalog "$roc" cat "$roc/a.png" >/dev/null 2>err &&
	test_grep "referenced file .$roc/a.png.: Permission denied" err &&
	chmod 644 "$roc/a.png" && as_reader --catalog "$roc" verify --full >out &&
	test_grep " 0 problems$" out
'
reader_done

test_expect_success 'ref of a file whose absolute path is too long: rejected, nothing recorded' '
	gicat init rdeep 2>/dev/null &&
	# a shell cannot cd that deep; Python goes down one level at a time
	$PY -c "
import os, shutil, subprocess, sys
n = \"d\" * 200
for i in range(21):
    os.makedirs(n, exist_ok=True); os.chdir(n)
shutil.copy(\"$TRASH/src/basn2c08.png\", \"x.png\")
os.chdir(\"..\")
with open(\"$TRASH/err\", \"w\") as err:
    rc = subprocess.call([\"gicat\", \"--catalog\", \"$TRASH/rdeep\", \"ingest\", \"--mode\", \"ref\", n], stderr=err)
sys.exit(rc != 1)
" &&
	test_grep "x.png.: --mode ref needs its absolute path, which cannot be had: File name too long$" err &&
	test "$(gicat --catalog rdeep query --count)" -eq 0 &&
	gicat --catalog rdeep verify 2>/dev/null
'

test_expect_success 'a ref image ingested later with copy becomes an object, and the summary says so' '
	gicat --catalog ref ingest src 2>err &&
	test_grep "^  3 images kept by reference before are now in the store as well (0.0 MB copied): an ingest without --mode ref stores what it reads$" err &&
	test "$(find ref/.gicat/objects -type f | wc -l)" -eq 3 &&
	test "$(sqlite3 ref/.gicat/catalog.db "SELECT count(*) FROM images WHERE storage = '"'"'ref'"'"'")" -eq 0
'

test_expect_success 'one file under three spellings in one run is one entry' '
	gicat init spell 2>/dev/null && mkdir -p d3 && cp src/basn2c08.png d3/a.png &&
	gicat --catalog spell ingest --dataset d3 d3/a.png ./d3/a.png "$TRASH/d3/a.png" 2>err &&
	test_grep "^ingest: 3 files: 1 new image, 1 new entry, 2 already present" err &&
	test_grep "2 of those already present are entries under another spelling" err &&
	gicat --catalog spell ingest --dataset d3 d3 ./d3 2>err &&
	test "$(gicat --catalog spell query --count)" -eq 1 &&
	mkdir -p d3/sub && cp src/basn0g08.png d3/sub/b.png &&
	gicat --catalog spell ingest d3 2>err &&
	for p in d3/ d3/. d3/sub/.. d3//sub/.. ./d3/./sub/../; do
		gicat --catalog spell ingest $p 2>err &&
		test_grep " 0 new entries, 2 already present" err || exit 1
	done &&
	test "$(gicat --catalog spell query --count dataset = d3)" -eq 2
'

test_expect_success 'another tree'"'"'s file at the same relative path replaces the entry, and the summary says so' '
	gicat init twotrees 2>/dev/null && mkdir -p X/photos Y/photos &&
	cp src/basn2c08.png X/photos/x.png && cp src/basn0g08.png Y/photos/x.png &&
	(cd X && gicat --catalog ../twotrees ingest photos 2>/dev/null) &&
	(cd Y && gicat --catalog ../twotrees ingest photos 2>../err) &&
	test_grep " 1 changed," err &&
	test_grep "^  1 of those changed is another file (device and inode) than the one catalogued at its path (first: .photos/x.png.): a file saved by renaming" err &&
	cp src/testorig.jpg Y/photos/x.png &&
	(cd Y && gicat --catalog ../twotrees ingest photos 2>../err) &&
	test_grep " 1 changed," err && ! test_grep "another file" err
'

test_expect_success 'the default dataset is the name of the directory given or holding the file' '
	gicat init names 2>/dev/null &&
	mkdir -p pics/sub && cp src/basn2c08.png pics/ && cp src/basn0g08.png pics/sub/ &&
	cp src/testorig.jpg pics/sub/one.jpg &&
	(cd pics && gicat --catalog ../names ingest . 2>/dev/null) &&
	(cd pics/sub && gicat --catalog ../../names ingest ../ one.jpg 2>err) &&
	test_grep "3 of those already present are entries under another spelling of their path (first: .\.\./basn2c08.png., catalogued as .\./basn2c08.png.)" pics/sub/err &&
	# a file of another dataset, made an entry of the default one: said
	test_grep "^  1 new entry of dataset .sub. (named after the folder) is a file already catalogued in dataset .pics. (first: .one.jpg.): --dataset .pics. adds to that one instead$" pics/sub/err &&
	gicat --catalog names ingest pics/sub/ 2>err &&
	test_grep "^  1 new entry of dataset .sub. .* in dataset .pics. (first: .pics/sub/basn0g08.png.)" err &&
	# not when --dataset names the one it goes to, nor for a copy
	mkdir cp && cp pics/sub/one.jpg cp/ &&
	gicat --catalog names ingest --dataset other pics/basn2c08.png cp 2>err &&
	test_grep " 2 new entries," err && ! grep -q "already catalogued" err &&
	gicat --catalog names query --format csv --fields dataset,path >out &&
	cat >expect <<-\EOF &&
	dataset,path
	pics,./basn2c08.png
	pics,./sub/basn0g08.png
	pics,./sub/one.jpg
	sub,one.jpg
	sub,pics/sub/basn0g08.png
	other,pics/basn2c08.png
	other,cp/one.jpg
	EOF
	test_cmp expect out
'

test_expect_success 'a copy of a catalogued file is an entry of its own; the file itself by an absolute path is not' '
	gicat init twin 2>/dev/null &&
	mkdir -p tw/real tw/backup/real && cp src/basn0g08.png tw/real/a.png &&
	cp tw/real/a.png tw/backup/real/a.png &&
	(cd tw && gicat --catalog ../twin ingest --dataset X real 2>/dev/null &&
	 gicat --catalog ../twin ingest --dataset X backup/real 2>err &&
	 test_grep " 1 new entry, 0 already present" err &&
	 gicat --catalog ../twin ingest --dataset X "$TRASH/tw/real" 2>err &&
	 test_grep " 0 new entries, 1 already present" err) &&
	test "$(gicat --catalog twin query --count "dataset = X")" -eq 2 &&
	test "$(gicat --catalog twin dedup --format csv | tail -n +2 | wc -l)" -ge 1
'

test_expect_success 'entries of an older catalog, without file_id, are still told from copies' '
	gicat init old 2>/dev/null &&
	(cd tw && gicat --catalog ../old ingest --dataset Y real 2>/dev/null) &&
	sqlite3 old/.gicat/catalog.db "UPDATE entries SET file_id = NULL" &&
	(cd tw && gicat --catalog ../old ingest --dataset Y backup/real 2>err &&
	 test_grep " 1 new entry, 0 already present" err) &&
	sqlite3 old/.gicat/catalog.db "UPDATE entries SET file_id = NULL" &&
	gicat --catalog old ingest --dataset Y tw/real 2>err &&
	test_grep " 0 new entries, 1 already present" err &&
	test "$(sqlite3 old/.gicat/catalog.db "SELECT count(*) FROM entries WHERE file_id IS NULL")" -eq 1 &&
	test "$(gicat --catalog old query --count "dataset = Y")" -eq 2
'

test_expect_success 'ingesting again with --label, --generator, --split, --class, --license updates those fields' '
	gicat init rl 2>/dev/null && mkdir -p rl-src && cp src/basn2c08.png src/testorig.jpg rl-src/ &&
	gicat --catalog rl ingest --label real rl-src 2>/dev/null &&
	gicat --catalog rl license set "dataset = rl-src" CC-BY-4.0 2>/dev/null &&
	gicat --catalog rl ingest rl-src 2>err &&
	test_grep "2 already present, 0 changed" err &&
	test "$(gicat --catalog rl query --count "license = CC-BY-4.0 and label = real")" -eq 2 &&
	gicat --catalog rl ingest --label fake --generator sd14 --split val --class 7 rl-src/basn2c08.png 2>err &&
	test_grep "1 already present (1 updated from the options), 0 changed" err &&
	test "$(gicat --catalog rl query --fields label,generator,split,class,license --format csv "path = rl-src/basn2c08.png" | tail -1)" = "fake,sd14,val,7,CC-BY-4.0" &&
	test "$(gicat --catalog rl query --fields class_source --format csv "path = rl-src/basn2c08.png" | tail -1)" = "option" &&
	gicat --catalog rl ingest --label fake rl-src/basn2c08.png 2>err &&
	test_grep "1 already present, 0 changed" err &&
	gicat --catalog rl ingest --license CC0-1.0 "$TRASH/rl-src" 2>err &&
	test_grep "2 already present (2 updated from the options)" err &&
	test "$(gicat --catalog rl query --count "license = CC0-1.0")" -eq 2 &&
	test "$(gicat --catalog rl query --count)" -eq 2
'

test_expect_success 'a file whose content changed keeps the fields its entry was given: options, license set, a class' '
	gicat init rc 2>/dev/null && mkdir -p rc-src && cp src/basn2c08.png src/testorig.jpg rc-src/ &&
	gicat --catalog rc ingest --label fake --generator sd14 --split train --class 5 rc-src 2>/dev/null &&
	gicat --catalog rc license set "path = rc-src/basn2c08.png" CC-BY-4.0 2>/dev/null &&
	cp src/basn0g08.png rc-src/basn2c08.png &&
	gicat --catalog rc ingest rc-src 2>err &&
	test_grep " 1 changed," err &&
	! test_grep "no label\|no generator" err &&
	test "$(gicat --catalog rc query --fields sha256 --format csv "path = rc-src/basn2c08.png" | tail -1)" = "$(sha256sum <src/basn0g08.png | cut -c1-64)" &&
	test "$(gicat --catalog rc query --fields label,generator,split,class,class_source,license --format csv "path = rc-src/basn2c08.png" | tail -1)" = "fake,sd14,train,5,option,CC-BY-4.0" &&
	# options given with the changed file apply to it as to any other
	cp src/basn2c08.png rc-src/basn2c08.png &&
	gicat --catalog rc ingest --split val rc-src/basn2c08.png 2>err &&
	test_grep " 1 changed," err &&
	test "$(gicat --catalog rc query --fields label,split,license --format csv "path = rc-src/basn2c08.png" | tail -1)" = "fake,val,CC-BY-4.0"
'

# A file that grows while --mode link stores it (appended to all the
# time: the bytes linked are not those hashed, nearly every time) is
# rejected, and left as it was: writable, nothing catalogued.  (Its mtime
# is set back after each append, so that the reading does not take it
# for a file being written and refuse it first.)
test_expect_success 'link mode: a file that changes while being stored is rejected, its mode given back' '
	gicat init grow 2>/dev/null
	mkdir -p growing
	cp src/basn2c08.png growing/a.png
	chmod 644 growing/a.png
	{ while :; do printf x >>growing/a.png; touch -d @1000000000 growing/a.png; done & }
	w=$!
	# the change may be seen while the file is read instead (its size
	# moved between the read and a re-read): that is a rejection too,
	# but not of the link stored, which is what is tried here
	for i in $(seq 50); do
		if ! gicat --catalog grow ingest --mode link growing 2>err; then
			grep -q "while being stored" err && break
		fi
		gicat --catalog grow rm "path ~ ${SQ}*${SQ}" >/dev/null 2>&1
		gicat --catalog grow gc --grace 0 >/dev/null 2>&1
		chmod 644 growing/a.png
	done
	kill $w; wait $w 2>/dev/null || :
	test_grep "^gicat: rejected: .growing/a.png.: the file changed while being stored (.*): nothing stored$" err &&
	test "$(stat -c %a growing/a.png)" = 644 &&
	test "$(gicat --catalog grow query --count)" -eq 0
'

# A file rewritten in place while ingest reads it (two versions, copied
# over each other all the time) gives bytes of both, which decode as an
# image: it is refused as changed, never catalogued as a third image.
test_expect_success 'copy and ref: a file rewritten while being read is rejected, never catalogued torn' '
	"$PY" - <<-\EOF &&
	import os, struct, zlib
	def chunk(t, d):
	    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
	raw = b"".join(b"\0" + os.urandom(3000) for _ in range(1000))
	for v in (b"A", b"B"):
	    open("torn%s.png" % v.decode(), "wb").write(b"\x89PNG\r\n\x1a\n" +
	        chunk(b"IHDR", struct.pack(">IIBBBBB", 1000, 1000, 8, 2, 0, 0, 0)) +
	        chunk(b"tEXt", b"Comment\0" + v * 16) + chunk(b"IDAT", zlib.compress(raw, 0)) +
	        chunk(b"IEND", b""))
	EOF
	mkdir -p torn && cp tornA.png torn/x.png &&
	{ while :; do cp tornB.png tmp.png && dd if=tmp.png of=torn/x.png conv=notrunc bs=64k status=none &&
	  dd if=tornA.png of=torn/x.png conv=notrunc bs=64k status=none; done & } &&
	w=$! &&
	for m in copy ref; do
		gicat init torn-$m 2>/dev/null &&
		for i in $(seq 15); do
			gicat --catalog torn-$m ingest --mode $m torn >/dev/null 2>>err-$m || :
		done || return 1
	done &&
	kill $w && wait $w 2>/dev/null || : &&
	a=$(sha256sum <tornA.png | cut -c1-64) && b=$(sha256sum <tornB.png | cut -c1-64) &&
	for m in copy ref; do
		gicat --catalog torn-$m query --format csv --fields sha256 | tail -n +2 >got-$m &&
		! grep -v -e "^$a$" -e "^$b$" got-$m &&
		test_grep "the file changed while being read" err-$m || return 1
	done
'

test_expect_success 'an unknown mode is a usage error; so is --repair with ref' '
	test_expect_code 2 gicat --catalog copy ingest --mode move src 2>err &&
	test_grep "^gicat: ingest: unknown mode .move. (copy, reflink, link or ref)$" err &&
	test_expect_code 2 gicat --catalog copy ingest --mode lnk src 2>err &&
	test_grep "^gicat: ingest: unknown mode .lnk. (did you mean .link.?)$" err &&
	test_expect_code 2 gicat --catalog copy ingest --layout genimag src 2>err &&
	test_grep "^gicat: ingest: unknown layout .genimag. (did you mean .genimage.?)$" err &&
	test_expect_code 2 gicat --catalog copy ingest --mode ref --repair src 2>err &&
	test_grep "repair mends stored objects; --mode ref stores none" err
'

test_expect_success 'bad --label, --split, --license, --layout: usage errors (ingest, fetch)' '
	echo "http://127.0.0.1:9/a.png" >urls.txt &&
	for cmd in "ingest src" "fetch urls.txt"; do
		c=${cmd% *} &&
		for o in "--label maybe:label .maybe. (expected real or fake)" \
			"--split holdout:split .holdout. (expected train, val or test)" \
			"--license NOPE-1.0:license .NOPE-1.0. (see" \
			"--label Real:label .Real. (did you mean .real.?)" \
			"--split vall:split .vall. (did you mean .val.?)" \
			"--layout tree:layout .tree."; do
			opt=${o%%:*} msg="unknown ${o#*:}" &&
			case $opt in --layout*) ;; *) msg="${opt% *}: $msg" ;; esac &&
			test_expect_code 2 gicat --catalog copy $c $opt ${cmd#* } 2>err &&
			test_grep "^gicat: $c: $msg" err &&
			test_grep "^usage: gicat $c " err || return 1
		done
	done
'

test_done
