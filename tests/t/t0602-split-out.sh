#!/bin/sh
# split and export, the safety of --out: a non-empty --out refused unless
# --force, and what --force replaces and what it keeps; nothing written or
# removed through a symlink planted in --out; an --out inside or holding
# the catalog refused; --out paths at PATH_MAX, FIFOs in it; an export that
# fails, is killed or fills the disk takes back what it wrote, and the
# retry needs no --force; one export at a time into a directory; damaged
# objects refused in every mode; a large set placed by threads as by one.
. "$(dirname "$0")/lib.sh"

fixture_catalog
TASK=genimage/cross-sd14
# An earlier export of $TASK: the non-empty --out to refuse and to replace
# with --force, and what exports into other directories are compared with.
gicat split $TASK --out if 2>/dev/null

test_expect_success 'a non-empty --out is refused unless --force; a missing parent is named' '
	test_expect_code 2 gicat split $TASK --out if 2>err &&
	test_grep "^gicat: split: .[^ ]*.: not empty: refusing to write into it (use --force)$" err &&
	test_expect_code 2 gicat split $TASK --out nosuch/parent/out 2>err &&
	test "$(cat err)" = "gicat: split: '"'"'nosuch/parent/out'"'"': cannot be created: its parent directory does not exist" &&
	! test -e nosuch &&
	gicat split $TASK --out slashed/ 2>err && test -f slashed/MANIFEST.sha256 &&
	mkdir -p up && gicat split $TASK --out up/slashed// 2>err && test -f up/slashed/MANIFEST.sha256 &&
	echo x >afile && ln -s nowhere/x dangling &&
	test_expect_code 2 gicat split $TASK --out afile 2>err &&
	test "$(cat err)" = "gicat: split: '"'"'afile'"'"': exists and is not a directory" &&
	test_expect_code 2 gicat split $TASK --out dangling 2>err &&
	test_grep "^gicat: split: .dangling.: a symlink to nothing" err &&
	gicat split $TASK --out if --force 2>err &&
	gicat split --check if >out && test_grep " 0 drifts" out
'

test_expect_success '--force replaces an earlier export: no stale image stays, other files do' '
	gicat split genimage/cross-adm --out re 2>err &&
	echo notes >re/notes.txt &&
	gicat split $TASK --out re --force 2>err &&
	test_grep "removed [0-9]* files of an earlier export" err &&
	test_grep "warning: .re. keeps 1 file that no export wrote (notes.txt)" err &&
	rm re/notes.txt &&
	gicat split --check re >out && test_grep " 0 drifts" out &&
	diff -r if re
'

test_expect_success '--force over a directory no export wrote: its files stay, named in a warning' '
	mkdir -p foreign/sub foreign/train/2_other foreign/train/0_real &&
	echo mine >foreign/sub/x.jpg &&
	gicat split $TASK --out foreign --force 2>err &&
	test_grep "keeps 1 file that no export wrote (sub/x.jpg)" err &&
	test_grep "^gicat: split: warning: .foreign. keeps 1 empty directory that no export made (train/2_other/): ImageFolder would take it for a class; split --check will list it$" err &&
	test_grep mine foreign/sub/x.jpg &&
	test_expect_code 1 gicat split --check foreign 2>err &&
	test "$(wc -l <err)" -eq 2 && test_grep "train/2_other/.*(ImageFolder would take it for a class)" err &&
	mkdir -p foreign2/logs foreign2/train/2_other &&
	gicat split $TASK --out foreign2 --force 2>err &&
	test_grep "^gicat: split: warning: .foreign2. keeps 2 empty directories that no export made (logs/, ...): ImageFolder would take 1 of them for classes; split --check will list them$" err &&
	test_expect_code 1 gicat split --check foreign2 2>err &&
	test_grep "logs/.: an empty directory, not part of the export$" err &&
	mkdir wds && gicat split $TASK --out wds/x --format webdataset 2>err &&
	mkdir wds/x/test/logs && test_expect_code 1 gicat split --check wds/x 2>err &&
	test_grep "test/logs/.: an empty directory, not part of the export$" err
'

test_expect_success '--force over files named like the export'"'"'s own: said to be replaced, not kept' '
	f=$(ls if/train/1_fake | head -1) &&
	mkdir -p named/train/1_fake && echo mine >named/task.ini &&
	echo mine >named/train/1_fake/$f && echo mine >named/notes.txt &&
	gicat split $TASK --out named --force 2>err &&
	test_grep "^gicat: split: warning: .named.: --force replaced 2 files that no export wrote (task.ini, ...): names this export writes$" err &&
	test_grep "keeps 1 file that no export wrote (notes.txt)" err &&
	! grep -q mine named/task.ini && test_grep mine named/notes.txt
'

test_expect_success '--force removes a file MANIFEST.sha256 alone lists only while it holds that content' '
	gicat split $TASK --out moved 2>/dev/null && mv moved moved2 &&
	echo mine >moved2/mine.txt && echo other >moved2/other.txt &&
	printf "%064d  mine.txt\n" 0 >>moved2/MANIFEST.sha256 &&
	(cd moved2 && sha256sum other.txt) >>moved2/MANIFEST.sha256 &&
	gicat split $TASK --out moved2 --force 2>err &&
	test_grep "keeps 1 file that no export wrote (mine.txt)" err &&
	test_grep mine moved2/mine.txt && ! test -e moved2/other.txt &&
	test_expect_code 1 gicat split --check moved2 >out 2>&1 && test_grep "mine.txt.: not part of the export" out
'

test_expect_success '--force trusts a MANIFEST.sha256 only beside an export'"'"'s task.ini; an --out holding ref'"'"'d files is refused' '
	src=data/genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG &&
	mkdir -p own/imgs && cp "$src" own/imgs/a.png && (cd own && sha256sum imgs/a.png >MANIFEST.sha256) &&
	gicat export --force --out own "label = fake" 2>err &&
	test -f own/imgs/a.png &&
	test_grep "keeps 1 file that no export wrote (imgs/a.png)" err &&
	gicat init refs 2>/dev/null &&
	mkdir -p refd/imgs && cp "$src" refd/imgs/b.png &&
	gicat --catalog refs ingest --mode ref --layout flat --dataset r --label real refd 2>/dev/null &&
	for o in refd refd/imgs; do
		test_expect_code 2 gicat --catalog refs export --force --out $o 2>err &&
		test_grep "holds files the catalog uses by reference (ingest --mode ref), such as .*/refd/imgs/b.png" err &&
		test_expect_code 2 gicat --catalog refs export --out $o 2>err &&
		test_grep "holds files the catalog uses by reference" err || return 1
	done &&
	test -f refd/imgs/b.png && gicat --catalog refs verify >/dev/null
'

test_expect_success '--force over a set directory that is a symbolic link: named, nothing written through it' '
	mkdir -p symset elsewhere && ln -s "$TRASH/elsewhere" symset/train &&
	test_expect_code 2 gicat split $TASK --out symset --force 2>err &&
	test "$(cat err)" = "gicat: split: ${SQ}symset${SQ}: its ${SQ}train${SQ} is a symbolic link: an export writes into directories only (remove it)" &&
	test -z "$(ls -A elsewhere)" &&
	rm symset/train && gicat split $TASK --out symset 2>err &&
	gicat split --check symset >out && test_grep " 0 drifts" out
'

test_expect_success '--force over an export whose set or label directory became a link or a file: refused before it removes anything' '
	(cd symset && find . -type f | sort) >before &&
	for d in train:link train/0_real:link test/adm:file; do
		how=${d#*:} d=${d%:*} &&
		mv symset/$d saved &&
		if test $how = link; then ln -s "$TRASH/elsewhere" symset/$d; else : >symset/$d; fi &&
		test_expect_code 2 gicat split $TASK --out symset --force 2>err &&
		test_grep "its ${SQ}$d${SQ} is .* (remove it)$" err &&
		rm symset/$d && mv saved symset/$d &&
		(cd symset && find . -type f | sort) >after &&
		test_cmp before after || return 1
	done &&
	test -z "$(ls -A elsewhere)" &&
	gicat split --check symset >out && test_grep " 0 drifts" out &&
	mkdir -p ulimg && cp "$SHARED/data/pngsuite/basn0g08.png" ulimg/ &&
	gicat init ulcat 2>/dev/null && gicat --catalog ulcat ingest --layout flat --dataset u ulimg 2>/dev/null &&
	gicat --catalog ulcat export --out ulx 2>/dev/null && test -d ulx/export/unlabelled &&
	(cd ulx && find . -type f | sort) >before &&
	mv ulx/export/unlabelled saved && ln -s "$TRASH/elsewhere" ulx/export/unlabelled &&
	test_expect_code 2 gicat --catalog ulcat export --out ulx --force 2>err &&
	test_grep "its .export/unlabelled. is a symbolic link" err &&
	rm ulx/export/unlabelled && mv saved ulx/export/unlabelled &&
	(cd ulx && find . -type f | sort) >after && test_cmp before after
'

test_expect_success '--force over an export one of whose files became a directory: refused before it removes anything' '
	gicat split $TASK --out dirin --mode copy 2>/dev/null &&
	f=$(cd dirin && find train/0_real -type f | sort | head -1) &&
	rm dirin/$f && mkdir dirin/$f && echo keep >dirin/$f/data.txt &&
	(cd dirin && find . -type f | sort) >before &&
	test_expect_code 2 gicat split $TASK --out dirin --force 2>err &&
	test "$(cat err)" = "gicat: split: ${SQ}dirin${SQ}: ${SQ}$f${SQ}, a file of an earlier export, is a directory now: move it out of the way (nothing was removed)" &&
	(cd dirin && find . -type f | sort) >after && test_cmp before after &&
	rm -r dirin/$f && gicat split $TASK --out dirin --force 2>/dev/null &&
	gicat split --check dirin >out && test_grep " 0 drifts" out
'

test_expect_success '--force over an export a file of which may not be removed: refused before it removes anything' '
	other_user_dir w &&
	cp -a cat "$w/cat" && { [ -z "$run" ] || chown -R 65534:65534 "$w"; } &&
	as() { $run env GICAT_DIR="$w/cat" "$TOP/gicat" "$@"; } &&
	as split $TASK --out "$w/o" 2>/dev/null &&
	chmod 555 "$w/o/train/1_fake" &&
	(cd "$w/o" && find . -type f | sort) >before &&
	test_expect_code 3 as split $TASK --out "$w/o" --force 2>err &&
	test_grep "^gicat: split: .*: cannot remove .train/1_fake/[0-9a-f]*\.[a-z]*., a file of an earlier export: its directory may not be written (Permission denied; nothing was removed)$" err &&
	(cd "$w/o" && find . -type f | sort) >after && test_cmp before after &&
	chmod 755 "$w/o/train/1_fake" &&
	as split genimage/cross-adm --out "$w/o" --force 2>err &&
	! grep -q "keeps" err &&
	as split --check "$w/o" >out && test_grep " 0 drifts" out &&
	rm -rf "$w"
'

test_expect_success '--force removes nothing through a symlink, whatever MANIFEST.sha256 lists' '
	mkdir -p forced keep/train && echo precious >keep/train/x.png &&
	ln -s "$TRASH/keep/train" forced/train &&
	printf "%064d  train/x.png\n%064d  ../keep/train/x.png\n%064d  /etc/hostname\n" 0 0 0 \
		>forced/MANIFEST.sha256 &&
	test_must_fail gicat split $TASK --out forced --force 2>err &&
	test_grep precious keep/train/x.png
'

test_expect_success '--force over an export whose set directory became a link outside: nothing there goes' '
	gicat split $TASK --out outlink 2>/dev/null && mkdir -p keep2 &&
	mv outlink/train keep2/train && ln -s "$TRASH/keep2/train" outlink/train &&
	n=$(find keep2/train -type f | wc -l) && test "$n" -gt 0 &&
	test_must_fail gicat split $TASK --out outlink --force 2>err &&
	test "$(find keep2/train -type f | wc -l)" -eq "$n"
'

test_expect_success 'nothing is written through a symlink planted in --out' '
	mkdir trap outside && ln -s "$TRASH/outside" trap/train &&
	test_must_fail gicat split $TASK --out trap --force 2>err &&
	test -z "$(ls outside)"
'

test_expect_success 'an --out inside the catalog'"'"'s .gicat is refused, --force or not; nothing is written' '
	ls -a cat/.gicat >before &&
	for o in cat/.gicat cat/.gicat/new cat/.gicat/objects "$TRASH/cat/.gicat/objects/../x"; do
		test_expect_code 2 gicat split $TASK --out "$o" --force 2>err &&
		test_grep "^gicat: split: .$o.: inside the catalog (.*/cat/.gicat): write exports elsewhere$" err || return 1
	done &&
	test_expect_code 2 gicat export --out cat/.gicat/e "label = fake" 2>err &&
	test_grep "inside the catalog" err &&
	ls -a cat/.gicat >after && test_cmp before after &&
	! test -e cat/.gicat/objects/MANIFEST.sha256
'

test_expect_success 'an --out that holds the catalog is refused, --force or not; the catalog stays' '
	cp cat/.gicat/catalog.db db.before &&
	printf "%064d  .gicat/catalog.db\n" 0 >cat/MANIFEST.sha256 &&
	test_expect_code 2 gicat split $TASK --out cat --force 2>err &&
	test_grep "^gicat: split: .cat.: holds the catalog (.*/cat/.gicat): write exports elsewhere$" err &&
	test_expect_code 2 gicat split $TASK --out cat 2>err &&
	test_grep "^gicat: split: .cat.: holds the catalog (.*/cat/.gicat): write exports elsewhere$" err &&
	test_expect_code 2 gicat export --out "$TRASH" --force 2>err &&
	test_grep "holds the catalog" err &&
	test_expect_code 2 gicat export --out "$TRASH" 2>err &&
	test_grep "holds the catalog" err && ! grep -e "--force" err &&
	rm cat/MANIFEST.sha256 && cmp db.before cat/.gicat/catalog.db &&
	gicat verify >/dev/null
'

test_expect_success 'a long --out that holds the catalog is still named, not taken for the catalog path' '
	mkdir -p a-long-outer-directory && gicat init a-long-outer-directory/in 2>/dev/null &&
	cp "$SHARED/data/pngsuite/basn0g08.png" a-long-outer-directory/ &&
	gicat --catalog a-long-outer-directory/in ingest a-long-outer-directory/basn0g08.png 2>/dev/null &&
	test_expect_code 2 gicat --catalog a-long-outer-directory/in export --force --out "$TRASH/a-long-outer-directory" 2>err &&
	test "$(cat err)" = "gicat: export: '"'"'$TRASH/a-long-outer-directory'"'"': holds the catalog ($TRASH/a-long-outer-directory/in/.gicat): write exports elsewhere" &&
	test -f a-long-outer-directory/basn0g08.png
'

# deep_dir N: a relative directory name whose absolute path is N bytes.
deep_dir() {
	"$PY" -c "
import os, sys
n = int(sys.argv[1]); top = os.getcwd(); d = ''
while len(top) + len(d) + 201 < n:
    d += '/' + 'd' * 200
print(d[1:] + '/' + 'e' * (n - len(top) - len(d) - 2))" "$1"
}

# An --out whose absolute path is 4,070 bytes: its files' paths pass
# PATH_MAX, which only paths relative to --out stay under.
test_expect_success 'split --check of an --out near PATH_MAX reads its files by relative paths' '
	deep=$(deep_dir 4070) &&
	mkdir -p "$deep" && (cd "$deep" && gicat export "subset = sd14 and label = fake" --out o 2>/dev/null &&
	gicat split --check o >out 2>&1) && test_grep " 0 drifts" "$deep/out" &&
	rm -rf "$(echo "$deep" | cut -d/ -f1)"
'

# An --out of 4,089 bytes: even its labels.json, task.ini and
# MANIFEST.sha256 are past PATH_MAX as absolute paths.
test_expect_success 'split --check of an --out at PATH_MAX reads its own labels.json, task.ini and MANIFEST.sha256' '
	deep=$(deep_dir 4087) &&
	gicat init far-cat 2>/dev/null &&
	mkdir -p "$deep" && (cd "$deep" &&
	gicat export "subset = sd14 and label = fake" --out o 2>/dev/null &&
	gicat --catalog "$TRASH/far-cat" split --check o >out 2>&1 &&
	gicat --catalog "$TRASH/far-cat" split o/task.ini --out o --check >>out 2>&1 &&
	rmdir o/export/0_real && ! gicat split --check o >>out 2>&1) &&
	test "$(grep -c " 0 drifts" "$deep/out")" = 2 &&
	test_grep "export/0_real/.: missing: the empty directory" "$deep/out" &&
	rm -rf "$(echo "$deep" | cut -d/ -f1)"
'

test_expect_success 'split --check does not wait on a labels.json, task.ini or MANIFEST.sha256 made a FIFO' '
	gicat export "subset = sd14 and label = fake" --out fifo 2>/dev/null &&
	rm fifo/labels.json && mkfifo fifo/labels.json &&
	test_expect_code 1 timeout 20 gicat split --check fifo 2>err &&
	test_grep "^gicat: split --check: .fifo/labels.json.: not a regular file (a FIFO)$" err &&
	rm fifo/MANIFEST.sha256 fifo/task.ini && mkfifo fifo/MANIFEST.sha256 fifo/task.ini &&
	test_expect_code 1 timeout 20 gicat --catalog far-cat split $TASK --out fifo --check 2>err &&
	test_grep "neither the catalog nor its task.ini says which task wrote it" err
'

test_expect_success 'a split that fails half-way takes back what it wrote, and the --out it made: no --force needed to retry' '
	cp -r cat badcat &&
	sha=$(gicat task show --format csv $TASK | grep "^test/wukong," | head -1 | cut -d, -f2) &&
	obj=badcat/.gicat/objects/$(echo $sha | cut -c1-2)/$(echo $sha | cut -c3-) &&
	chmod u+w "$obj" && printf x >>"$obj" &&
	test_expect_code 3 gicat --catalog badcat split $TASK --mode copy --out half 2>err &&
	! test -e half &&
	mkdir half &&
	test_expect_code 3 gicat --catalog badcat split $TASK --mode copy --out half 2>err &&
	! grep -q "not empty: refusing" err &&
	test -d half && test -z "$(ls -A half)" &&
	test_expect_code 3 gicat --catalog badcat split $TASK --format webdataset --out half-wds 2>err &&
	! test -e half-wds && mkdir half-wds &&
	test_expect_code 3 gicat --catalog badcat split $TASK --format webdataset --out half-wds 2>err &&
	! grep -q "not empty: refusing" err &&
	mkdir -p mine/emptyuserdir mine/photos/2024 mine/train/1_fake && echo k >mine/keep.txt &&
	test_expect_code 3 gicat --catalog badcat split $TASK --mode copy --out mine --force 2>err &&
	test -d mine/emptyuserdir && test -d mine/photos/2024 && test -f mine/keep.txt &&
	test -d mine/train/1_fake && ! test -e mine/train/0_real && ! test -e mine/test
'

test_expect_success 'link, symlink and reflink modes refuse an object whose size is not the catalogued one' '
	sha=$(gicat task show --format csv $TASK | grep "^test/wukong," | head -1 | cut -d, -f2) &&
	for m in link symlink reflink; do
		test_expect_code 3 gicat --catalog badcat split $TASK --mode $m --out bad-$m 2>err &&
		test_grep "^gicat: split: .bad-$m.: object $sha is damaged: [0-9]* bytes, the catalog says [0-9]*; run .gicat verify --full.$" err &&
		test "$(find bad-$m -type f -o -type l | wc -l)" -eq 0 || return 1
	done
'

test_expect_success 'a --force that fails leaves no record of the export it removed; the retry needs no --force' '
	sha=$(gicat task show --format csv $TASK | grep "^test/wukong," | head -1 | cut -d, -f2) &&
	obj=badcat/.gicat/objects/$(echo $sha | cut -c1-2)/$(echo $sha | cut -c3-) &&
	truncate -s -1 "$obj" &&
	gicat --catalog badcat split $TASK --mode copy --out redo 2>/dev/null &&
	printf x >>"$obj" &&
	test_expect_code 3 gicat --catalog badcat split $TASK --mode copy --out redo --force 2>err &&
	test_grep "object $sha is corrupt" err &&
	test "$(sqlite3 badcat/.gicat/catalog.db "SELECT count(*) FROM materializations WHERE out_dir LIKE \"%/redo\"")" -eq 0 &&
	test -z "$(ls -A redo)" &&
	truncate -s -1 "$obj" &&
	gicat --catalog badcat split $TASK --mode copy --out redo 2>/dev/null &&
	gicat --catalog badcat split --check redo >/dev/null &&
	printf x >>"$obj"
'

test_expect_success 'an object replaced by a symbolic link (of the right size): every mode refuses it' '
	gicat init sl 2>/dev/null && mkdir -p sli && cp "$SHARED/data/pngsuite/basn2c08.png" sli/ &&
	gicat --catalog sl ingest sli 2>/dev/null &&
	h=$(gicat --catalog sl query --format csv --fields sha256 | tail -1) &&
	o=sl/.gicat/objects/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-) &&
	head -c $(stat -c %s "$o") /dev/urandom >evil.bin && rm -f "$o" && ln -s "$TRASH/evil.bin" "$o" &&
	for m in link symlink reflink copy; do
		test_expect_code 3 gicat --catalog sl export --mode $m --out sl-$m 2>err &&
		test "$(cat err)" = "gicat: export: '"'"'sl-$m'"'"': object $h is a symbolic link, not a file; run '"'"'gicat verify'"'"'" &&
		test "$(find sl-$m -type f -o -type l | wc -l)" -eq 0 || return 1
	done
'

test_expect_success 'one export at a time into a directory: another is refused while it runs' '
	mkdir busy &&
	{ flock busy sleep 2 & } && sleep 0.3 &&
	test_expect_code 3 gicat split $TASK --out busy 2>err &&
	test "$(cat err)" = "gicat: split: '"'"'busy'"'"': another gicat is exporting into it: wait for it to finish" &&
	wait && test -z "$(ls -A busy)" &&
	gicat split $TASK --out busy 2>/dev/null
'

test_expect_success 'split --check of a directory an export is writing into says so, not killed' '
	mkdir -p running && : >running/.gicat-incomplete &&
	{ flock running sleep 2 & } && sleep 0.3 &&
	test_expect_code 1 gicat split --check running 2>err &&
	test_grep "^gicat: split --check: .running/.gicat-incomplete.: an export is writing into it now: check it when that is done$" err &&
	wait && rm -rf running
'

test_expect_success 'the mark'"'"'s temporary file of an export killed before it touched anything is no drift; the next export removes it' '
	gicat split $TASK --out tmpmark 2>/dev/null &&
	: >tmpmark/.gicat-incomplete.tmp &&
	gicat split --check tmpmark >out && test_grep " 0 drifts$" out &&
	gicat split --force $TASK --out tmpmark 2>/dev/null &&
	! test -e tmpmark/.gicat-incomplete.tmp
'

# A set large enough to be placed by threads (1,024 items or more): 1,300
# tiny PNGs in two label directories, 40 more kept only by reference.
test_expect_success 'a large set placed by threads: the same files and records as one thread' '
	mkdir -p big/0_real big/1_fake big/ref &&
	"$PY" -c "
from PIL import Image
for i in range(1340):
    d = \"big/ref\" if i >= 1300 else \"big/1_fake\" if i % 2 else \"big/0_real\"
    Image.new(\"RGB\", (4, 4), (i % 256, i // 256, 7)).save(\"%s/%04d.png\" % (d, i))
" &&
	gicat init cb 2>/dev/null &&
	gicat --catalog cb ingest --dataset big big/0_real big/1_fake 2>/dev/null &&
	gicat --catalog cb ingest --dataset big --label fake --mode ref big/ref 2>/dev/null &&
	for j in 1 2 3; do
		gicat --catalog cb export --jobs $j --out j$j 2>err$j || exit 1
		(cd j$j && find . -type f | sort | xargs sha256sum) >files$j &&
		sqlite3 cb/.gicat/catalog.db "SELECT path, sha256, image_sha256, set_name FROM materialized_files WHERE materialization_id = (SELECT id FROM materializations WHERE out_dir LIKE \"%/j$j\") ORDER BY path" >rec$j || exit 1
	done &&
	test "$(wc -l <files1)" -ge 1340 && test "$(wc -l <rec1)" -ge 1340 &&
	test_cmp files1 files2 && test_cmp files1 files3 &&
	test_cmp rec1 rec2 && test_cmp rec1 rec3 &&
	for j in 1 2 3; do sed "s/j$j/jN/; s/#[0-9]*/#N/" err$j >got$j; done &&
	mv got1 want &&
	test_cmp want got2 && test_cmp want got3 &&
	test_grep "40 files were copied, not hard-linked" err2 &&
	test "$(find j2/export -type f -links +1 | wc -l)" -eq 1300
'

# Which thread links each file: strace, where it may trace (not in every
# container; LeakSanitizer cannot run under it, so it is off there).
# Threads take 256 items at a time, each from a directory of its own
# where it can, so how many each links varies from run to run.
if strace -f -qq -e trace=linkat -o /dev/null true 2>/dev/null; then
	test_expect_success 'with --jobs 2 two threads link the files of a large set, with --jobs 1 one' '
		for j in 1 2; do
			ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" strace -f -qq -e trace=linkat -o st$j gicat --catalog cb export --jobs $j --out s$j 2>/dev/null || exit 1
			grep "linkat(" st$j | awk "{print \$1}" | sort | uniq -c >per-thread$j || exit 1
		done &&
		test "$(wc -l <per-thread1)" -eq 1 && test "$(wc -l <per-thread2)" -eq 2 &&
		awk "{n += \$1} END {exit n != 1340}" per-thread2
	'
else
	echo "# SKIP: strace cannot trace here; the threads of a split are not counted"
fi

# killed_export DIR N [FORCE]: an export of cb into DIR (holding the
# user's notes.txt when FORCE, with --force), killed -9 once N images are
# in place (its mark is then in DIR), tried again should it finish first;
# fails unless it left its mark and N images.
killed_export() {
	for try in 1 2 3 4 5; do
		rm -rf "$1" && mkdir "$1" &&
		{ test -z "${3:-}" || echo mine >"$1/notes.txt"; } &&
		{ gicat --catalog cb export ${3:+--force} --jobs 1 --mode copy --out "$1" 2>/dev/null & } &&
		pid=$! &&
		while kill -0 $pid 2>/dev/null && test "$(find "$1" -name "*.png" 2>/dev/null | wc -l)" -lt "$2"; do
			sleep 0.005
		done
		kill -9 $pid 2>/dev/null; wait
		test -e "$1/.gicat-incomplete" && test "$(find "$1" -name "*.png" | wc -l)" -ge "$2" && return 0
	done
	return 1
}

# kill -9 as soon as the first image is in place (the run's mark is in
# --out), tried again should the run finish first: what it left needs no
# --force to replace.
test_expect_success 'an export killed half-way: split --check says so, the retry needs no --force' '
	killed_export kl 1 &&
	test -e kl/.gicat-incomplete &&
	test_expect_code 1 gicat --catalog cb split --check kl >out 2>&1 &&
	test "$(cat out)" = "gicat: split --check: '"'"'kl/.gicat-incomplete'"'"': an export into it did not finish (killed, or it failed): split or export into it again
split --check: 0 files checked, 1 drift" &&
	gicat --catalog cb export --jobs 1 --mode copy --out kl 2>err &&
	# killed after its record was committed, the run left a whole
	# export that is removed like any earlier one
	test_grep "^export: removed [1-9][0-9]* files\{0,1\} that an export killed before it finished left in kl$\|^export: removed [1-9][0-9]* files of an earlier export from kl$" err &&
	! test_grep "warning" err &&
	! test -e kl/.gicat-incomplete &&
	gicat --catalog cb split --check kl >out && test_grep " 0 drifts" out &&
	diff -r j1 kl
'

test_expect_success 'another export into what a killed one left: none of the killed run'"'"'s files stay, files that were there before do' '
	gicat --catalog cb export --jobs 1 --mode copy --out sub1 "label = fake" 2>/dev/null &&
	killed_export k2 20 force &&
	test -e k2/.gicat-incomplete &&
	gicat --catalog cb export --jobs 1 --mode copy --out k2 "label = fake" 2>err &&
	test_grep "^export: removed [1-9][0-9]* files\{0,1\} that an export killed before it finished left in k2$" err &&
	test_grep "keeps 1 file that no export wrote (notes.txt)" err &&
	test "$(cat k2/notes.txt)" = mine && rm k2/notes.txt &&
	diff -r sub1 k2
'

# What came into --out after the run was killed is no file of its: only
# what its sets and its metadata files are named goes, the rest is refused
# without --force and kept with it (the mark says which names are the run's).
test_expect_success 'files put beside what a killed export left are never removed: refused, or kept with --force' '
	killed_export k3 1 force &&
	test -e k3/.gicat-incomplete &&
	test_grep "^Its sets:$" k3/.gicat-incomplete &&
	echo "my results" >k3/results.csv && mkdir k3/ckpt && echo w >k3/ckpt/model.pt &&
	find k3 | sort >before &&
	test_expect_code 2 gicat --catalog cb export --jobs 1 --mode copy --out k3 2>err &&
	test "$(cat err)" = "gicat: export: ${SQ}k3${SQ}: an export was killed while writing into it, and 2 files it did not write came there since (first: ${SQ}ckpt/model.pt${SQ}): move them out, or use --force to keep them beside the export" &&
	find k3 | sort >after && test_cmp before after &&
	gicat --catalog cb export --force --jobs 1 --mode copy --out k3 2>err &&
	test_grep "^export: removed [1-9][0-9]* files\{0,1\} that an export killed before it finished left in k3$\|^export: removed [1-9][0-9]* files of an earlier export from k3$" err &&
	test_grep "keeps 3 files that no export wrote (ckpt/model.pt, " err &&
	test "$(cat k3/results.csv)" = "my results" && test "$(cat k3/ckpt/model.pt)" = w &&
	test "$(cat k3/notes.txt)" = mine &&
	rm -r k3/results.csv k3/ckpt k3/notes.txt && diff -r j1 k3
'

test_expect_success 'a mark names the sets of its run: their directories, shards, indexes and manifests go, and the metadata files' '
	mkdir -p ownm/export/1_fake ownm/trainer ownm/other && echo mine >ownm/u.txt &&
	for f in export/1_fake/stale.png export-000000.tar export-index.json export.csv export.jsonl \
		task.ini MANIFEST.sha256 labels.json LICENSES.md; do echo stale >"ownm/$f"; done &&
	for f in export-notes.txt export-000000.tar.bak exports.csv trainer/x.png other/export.csv; do
		echo mine >"ownm/$f"; done &&
	printf "An export by gicat\nHere before it, and kept:\n  u.txt\n(end)\nIts sets:\n  export\n(end)\n" >ownm/.gicat-incomplete &&
	test_expect_code 2 gicat export --out ownm "label = fake" 2>err &&
	test_grep "and 5 files it did not write came there since (first: .export-000000.tar.bak.)" err &&
	gicat export --force --format manifest --out ownm "label = fake" 2>err &&
	test_grep "^export: removed 9 files that an export killed before it finished left in ownm$" err &&
	for f in u.txt export-notes.txt export-000000.tar.bak exports.csv trainer/x.png other/export.csv; do
		test "$(cat "ownm/$f")" = mine || return 1; done &&
	test ! -e ownm/export && test ! -e ownm/export-000000.tar && test ! -e ownm/.gicat-incomplete &&
	test "$(head -c 6 ownm/task.ini)" != stale
'

test_expect_success 'a mark names the earlier export its run was removing: a retry removes the rest of it' '
	mkdir -p gone/test/adm/0_real gone/old && echo mine >gone/u.txt &&
	echo old >gone/test/adm/0_real/a.jpg && echo old >gone/old/b.png && echo mine >gone/old/c.png &&
	printf "An export by gicat\nHere before it, and kept:\n  u.txt\n(end)\nIts sets:\n  export\n(end)\nOf an earlier export, to remove:\n  old/b.png\n  test/adm/0_real/a.jpg\n(end)\n" >gone/.gicat-incomplete &&
	test_expect_code 2 gicat export --out gone "label = fake" 2>err &&
	test_grep "and 1 file it did not write came there since (first: .old/c.png.)" err &&
	rm gone/old/c.png &&
	gicat export --out gone "label = fake" 2>err &&
	test_grep "^export: removed 2 files that an export killed before it finished left in gone$" err &&
	test ! -e gone/old && test ! -e gone/test && test "$(cat gone/u.txt)" = mine
'

test_expect_success 'a set named test/adm makes test/ and test/adm.csv the run'"'"'s, not test.csv' '
	mkdir -p slash/test/adm && echo stale >slash/test/adm.csv && echo stale >slash/test/adm/x.png &&
	echo mine >slash/test.csv && echo mine >slash/test-index.json &&
	printf "An export by gicat\nHere before it, and kept:\n(end)\nIts sets:\n  test/adm\n(end)\nOf an earlier export, to remove:\n(end)\n" >slash/.gicat-incomplete &&
	test_expect_code 2 gicat export --out slash "label = fake" 2>err &&
	test_grep "and 2 files it did not write came there since (first: .test-index.json.)" err &&
	gicat export --force --out slash "label = fake" 2>err &&
	test_grep "^export: removed 2 files that an export killed before it finished left in slash$" err &&
	test "$(cat slash/test.csv)" = mine && test ! -e slash/test
'

test_expect_success 'a mark whose list of kept files was cut short removes nothing of them' '
	mkdir -p cut/export && for i in 1 2 3; do echo mine >cut/u$i.txt; done &&
	echo stale >cut/export/stale.png &&
	printf "An export by gicat is writing into this directory\nHere before it, and kept:\n  u1.txt\n  u" >cut/.gicat-incomplete &&
	gicat export --out cut "label = fake" 2>err &&
	test -f cut/u1.txt && test -f cut/u2.txt && test -f cut/u3.txt &&
	! grep -q "killed before it finished left" err &&
	printf "An export by gicat\nHere before it, and kept:\n  u1.txt\n  u2.txt\n  u3.txt\n(end)\n" >cut/.gicat-incomplete &&
	gicat export --out cut "label = fake" 2>err &&
	test -f cut/u1.txt && test -f cut/u2.txt && test -f cut/u3.txt &&
	test ! -e cut/export/stale.png
'

test_expect_success 'a file of the user named (end) is listed as kept like any other, and kept' '
	mkdir -p endf/export && echo a >"endf/(end)" && echo b >endf/aa.txt && echo c >endf/zz.txt &&
	echo stale >endf/export/stale.png &&
	printf "An export by gicat\nHere before it, and kept:\n  (end)\n  aa.txt\n  zz.txt\n(end)\n" >endf/.gicat-incomplete &&
	gicat export --out endf "label = fake" 2>err &&
	test -f "endf/(end)" && test -f endf/aa.txt && test -f endf/zz.txt &&
	test ! -e endf/export/stale.png &&
	printf "An export by gicat\nHere before it, and kept:\naa.txt\n(end)\n" >endf/.gicat-incomplete &&
	echo stale >endf/export/stale2.png &&
	gicat export --out endf "label = fake" 2>err &&
	test -f "endf/(end)" && test -f endf/aa.txt && test -f endf/zz.txt &&
	! grep -q "killed before it finished left" err
'

test_expect_success 'an empty directory of the user'"'"'s that a killed run wrote into stays when its files go' '
	mkdir -p kd/export/1_fake kd/sub && echo mine >kd/sub/u.txt &&
	echo stale >kd/export/1_fake/stale.png &&
	printf "An export by gicat\nHere before it, and kept:\n  export/\n  sub/u.txt\n(end)\n" >kd/.gicat-incomplete &&
	gicat export --format manifest --out kd "label = fake" 2>err &&
	test_grep "^export: removed 1 file that an export killed before it finished left in kd$" err &&
	test -d kd/export && test ! -e kd/export/1_fake && test -f kd/sub/u.txt &&
	test -f kd/export.csv
'

test_expect_success 'a damaged object in a large set: the same error with threads, nothing left' '
	sha=$(sqlite3 cb/.gicat/catalog.db "SELECT image_sha256 FROM materialized_files WHERE path LIKE \"%/1_fake/%\" ORDER BY path DESC LIMIT 1") &&
	obj=cb/.gicat/objects/$(echo $sha | cut -c1-2)/$(echo $sha | cut -c3-) &&
	chmod u+w "$obj" && printf x >>"$obj" &&
	test_expect_code 3 gicat --catalog cb export --jobs 1 --out d1 2>err1 &&
	test_expect_code 3 gicat --catalog cb export --jobs 2 --out d2 2>err2 &&
	test_grep "object $sha is damaged" err2 &&
	sed "s/d1/dN/" err1 >want && sed "s/d2/dN/" err2 >got && test_cmp want got &&
	test "$(find d2 -type f -o -type l | wc -l)" -eq 0 &&
	truncate -s -1 "$obj"
'

# A full disk, where a small file system can be mounted (root, and a
# kernel that lets it): the file being copied when it filled up goes too.
if mkdir -p full && mount -t tmpfs -o size=1m tmpfs full 2>/dev/null; then
	test_expect_success 'an export that fills the disk leaves nothing, says why, and the retry needs no --force' '
		for f in imagefolder hf webdataset; do
			m="--mode copy" && test $f != webdataset || m= &&
			test_expect_code 3 gicat --catalog cb export --format $f $m --out full/$f 2>err &&
			test_grep "No space left on device" err && ! test_grep "(null)" err &&
			{ test $f != webdataset || test_grep "shard .[^ ]*\.tar.: No space left on device$" err; } &&
			test -z "$(find full/$f -type f 2>/dev/null)" || return 1
		done &&
		mount -o remount,size=64m full &&
		gicat --catalog cb export --mode copy --out full/imagefolder 2>err &&
		gicat --catalog cb split --check full/imagefolder >out && test_grep " 0 drifts" out
	'
	umount full
else
	echo "# SKIP: no tmpfs can be mounted here; a full disk is not tried"
fi

test_done
