#!/bin/sh
# split and export: every layout, loadable by real clients (torchvision's
# ImageFolder, a WebDataset reader, HF metadata), MANIFEST.sha256 that
# sha256sum accepts, byte-identical output across runs and directories,
# split --check catching drift, and nothing written outside --out.
. "$(dirname "$0")/lib.sh"

fixture_catalog
TASK=genimage/cross-sd14
count() { gicat task show $TASK | awk -v s="$1" "\$1 == s {print \$$2}"; }

test_expect_success 'imagefolder: set/0_real and set/1_fake, a manifest sha256sum accepts' '
	gicat split $TASK --out if 2>err &&
	test "$(ls if/train/0_real | wc -l)" -eq "$(count train 3)" &&
	test "$(ls if/train/1_fake | wc -l)" -eq "$(count train 4)" &&
	test -d if/test/midjourney/0_real && test -f if/labels.json && test -f if/task.ini &&
	test_grep "\"0\":\"real\",\"1\":\"fake\"" if/labels.json &&
	(cd if && sha256sum -c --quiet MANIFEST.sha256) &&
	ls if/train/1_fake | grep -qE "^[0-9a-f]{16}\\.png$"
'

test_expect_success 'link mode hard-links the objects' '
	f=$(ls if/train/1_fake | head -1) &&
	test "$(stat -c %h if/train/1_fake/$f)" -ge 2
'

# A writable directory on another file system than the catalog, if any.
other_fs=
for d in /dev/shm /run/shm /var/tmp /tmp; do
	if test -d "$d" && test -w "$d" &&
		test "$(stat -c %d "$d")" != "$(stat -c %d cat/.gicat/objects)"; then
		other_fs=$d; break
	fi
done
# exported_copies DIR: its images are intact copies (one link each).
exported_copies() {
	(cd "$1" && sha256sum -c --quiet MANIFEST.sha256) &&
	test -n "$(find "$1/train" -type f)" &&
	test -z "$(find "$1/train" -type f -links +1)"
}

if test -n "$other_fs"; then
	test_expect_success "link mode across file systems ($other_fs) copies, and says why, once" '
		far=$(mktemp -d "$other_fs/gicat-t0601.XXXXXX") &&
		if gicat split $TASK --out "$far/x" 2>err && exported_copies "$far/x"; then
			ok=1; else ok=0; fi
		rm -rf "$far" &&
		test $ok = 1 &&
		test "$(grep -c "files were copied" err)" -eq 1 &&
		grep "files were copied" err | sed "s|$far|FAR|" >got &&
		test_grep "^gicat: split: warning: .FAR/x.: [0-9]* files were copied, not hard-linked: it is on another file system than the catalog$" got
	'
else
	echo "# SKIP: no writable directory on another file system than the catalog"
	echo "SKIP: link across file systems not tested: no other file system found" >&2
fi

test_expect_success 'reflink mode copies where the file system cannot clone, and says why, once' '
	o=$(find cat/.gicat/objects -type f | head -1) &&
	gicat split $TASK --mode reflink --out rl 2>err &&
	(cd rl && sha256sum -c --quiet MANIFEST.sha256) &&
	if cp --reflink=always "$o" probe 2>/dev/null; then
		! grep "copied" err
	else
		exported_copies rl &&
		test "$(grep -c "files were copied" err)" -eq 1 &&
		test_grep "^gicat: split: warning: .rl.: [0-9]* files were copied, not reflinked: the file system does not support cloning$" err
	fi
'

test_expect_success 'torchvision ImageFolder loads every set with two classes' '
	$PY -c "import torchvision" 2>/dev/null || { echo "SKIP: no torchvision"; exit 1; }
	$PY -c "
from torchvision.datasets import ImageFolder
for s, n in ((\"if/train\", $(count train 2)), (\"if/test/adm\", $(count test/adm 2))):
    d = ImageFolder(s)
    assert d.classes == [\"0_real\", \"1_fake\"], d.classes
    assert len(d) == n, (s, len(d), n)
    img, label = d[0]
    assert img.size[0] > 0 and label in (0, 1)
"
'

test_expect_success 'genimage layout: set/nature and set/ai, labels.json says ai = 0' '
	gicat split $TASK --format genimage --out gi 2>err &&
	test "$(ls gi/train/ai | wc -l)" -eq "$(count train 4)" &&
	test "$(ls gi/train/nature | wc -l)" -eq "$(count train 3)" &&
	test_grep "\"1\":\"real\",\"0\":\"fake\"" gi/labels.json
'

test_expect_success 'hf layout: metadata.jsonl with file_name first, every file present' '
	gicat split $TASK --format hf --out hf 2>err &&
	$PY -c "
import json, os
for s in (\"hf/train\", \"hf/test/glide\"):
    rows = [json.loads(l) for l in open(s + \"/metadata.jsonl\")]
    assert rows and all(list(r)[0] == \"file_name\" for r in rows)
    assert all(list(r)[1:] == [\"label\", \"generator\", \"class\", \"sha256\"] for r in rows)
    assert all(os.path.isfile(os.path.join(s, r[\"file_name\"])) for r in rows)
    assert len(rows) == len(os.listdir(s)) - 1
"
'

test_expect_success 'webdataset: adjacent samples, counts equal to the index' '
	gicat split $TASK --format webdataset --shard-size 7 --out wds 2>err &&
	$PY -c "
import json, os, tarfile
for s in (\"wds/train\", \"wds/test/biggan\"):
    idx = json.load(open(s + \"-index.json\"))
    total = 0
    for sh in idx[\"shards\"]:
        names = tarfile.open(s.rsplit(\"/\", 1)[0] + \"/\" + sh[\"file\"]).getnames()
        keys = [n.split(\".\")[0] for n in names]
        assert keys[0::2] == keys[1::2], names
        assert all(n.endswith(\".json\") for n in names[1::2])
        assert len(names) // 2 == sh[\"samples\"] <= 7
        for m in tarfile.open(s.rsplit(\"/\", 1)[0] + \"/\" + sh[\"file\"]):
            # fixed, so that the shards are the same bytes on any day
            assert (m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) == (0, 0, 0, \"\", \"\", 0o644), m
        total += sh[\"samples\"]
    assert total == idx[\"samples\"]
    # every shard full but the last, named in sequence, and no other
    base, n = s.rsplit(\"/\", 1)[1], idx[\"samples\"]
    assert (idx[\"set\"], idx[\"shard_size\"]) == (s[4:], 7), idx
    assert [sh[\"samples\"] for sh in idx[\"shards\"]] == [min(7, n - k) for k in range(0, n, 7)], idx
    assert [sh[\"file\"] for sh in idx[\"shards\"]] == [\"%s-%06d.tar\" % (base, k) for k in range(len(idx[\"shards\"]))], idx
    on_disk = [f for f in os.listdir(os.path.dirname(s)) if f.startswith(base + \"-\") and f.endswith(\".tar\")]
    assert sorted(on_disk) == [sh[\"file\"] for sh in idx[\"shards\"]], on_disk
" &&
	(cd wds && sha256sum -c --quiet MANIFEST.sha256)
'

test_expect_success 'webdataset: each sample is its image and what the catalog says of it; --shard-size 1 and 10000000 split the same samples' '
	gicat query --format jsonl --fields sha256,label,generator,class,wnid "dataset = genimage" >entries.jsonl &&
	gicat split $TASK --format webdataset --shard-size 1 --out wds-1 2>err &&
	gicat split $TASK --format webdataset --shard-size 10000000 --out wds-all 2>err &&
	$PY -c "
import hashlib, json, os, tarfile
entries = {}
for l in open(\"entries.jsonl\"):
    e = json.loads(l)
    entries.setdefault(e[\"sha256\"], []).append(e)
labels = json.load(open(\"wds/labels.json\"))
def samples(out, s):
    idx, got = json.load(open(out + \"/\" + s + \"-index.json\")), []
    for sh in idx[\"shards\"]:
        t = tarfile.open(os.path.dirname(out + \"/\" + s) + \"/\" + sh[\"file\"])
        ms = t.getmembers()
        assert len(ms) == 2 * sh[\"samples\"], sh
        for img, meta in zip(ms[0::2], ms[1::2]):
            got.append((img.name, t.extractfile(img).read(), meta.name, t.extractfile(meta).read()))
    assert len(got) == idx[\"samples\"]
    return idx, got
for s in (\"train\", \"test/midjourney\", \"test/biggan\"):
    idx, got = samples(\"wds\", s)
    for img, data, meta, text in got:
        m = json.loads(text)
        assert list(m) == [\"sha256\", \"label\", \"label_name\", \"generator\", \"class\", \"wnid\"], m
        assert hashlib.sha256(data).hexdigest() == m[\"sha256\"], img
        assert img.split(\".\")[0] == meta[:-5] == m[\"sha256\"][:16], (img, meta)
        assert labels[str(m[\"label\"])] == m[\"label_name\"], m
        assert {k: m[k] for k in (\"generator\", \"class\", \"wnid\")} | {\"sha256\": m[\"sha256\"], \"label\": m[\"label_name\"]} in entries[m[\"sha256\"]], m
    keys = [g[0] for g in got]
    assert keys == sorted(keys, key=lambda k: k.split(\".\")[0]), keys
    one, all_ = samples(\"wds-1\", s), samples(\"wds-all\", s)
    assert [sh[\"samples\"] for sh in one[0][\"shards\"]] == [1] * idx[\"samples\"], one[0]
    assert len(all_[0][\"shards\"]) == 1 and all_[0][\"shard_size\"] == 10000000, all_[0]
    assert one[1] == all_[1] == got, s
" &&
	(cd wds-1 && sha256sum -c --quiet MANIFEST.sha256) &&
	gicat split --check wds-1 >out && test_grep " 0 drifts" out
'

test_expect_success 'labels.json names only what the layout has, and what it names is each image'"'"'s label: directories, hf metadata rows' '
	$PY -c "
import json, os
entries = {}
for l in open(\"entries.jsonl\"):
    e = json.loads(l)
    entries.setdefault(e[\"sha256\"][:16], []).append(e)
for out, dirs in ((\"if\", 1), (\"gi\", 1), (\"hf\", 0), (\"wds\", 0)):
    lab = json.load(open(out + \"/labels.json\"))
    assert sorted(lab[k] for k in (\"0\", \"1\")) == [\"fake\", \"real\"], (out, lab)
    named = [v for k, v in lab.items() if k.endswith(\"_dir\")]
    assert len(named) == 2 * dirs, (out, lab)
    for d in named:
        assert os.path.isdir(out + \"/train/\" + d), (out, d)
    assert set(lab) - {\"0\", \"1\", \"real_dir\", \"fake_dir\"} == set(), (out, lab)
    for label in (\"real\", \"fake\"):  # the files of each label directory
        for f in os.listdir(out + \"/train/\" + lab[label + \"_dir\"]) if dirs else ():
            assert {e[\"label\"] for e in entries[f[:16]]} == {label}, (out, f, label)
    for s in (\"train\", \"test/glide\", \"test/midjourney\") if out == \"hf\" else ():
        for l in open(out + \"/\" + s + \"/metadata.jsonl\"):
            r = json.loads(l)
            want = [{\"label\": e[\"label\"], \"generator\": e[\"generator\"], \"class\": e[\"class\"]} for e in entries[r[\"sha256\"][:16]]]
            assert {\"label\": lab[str(r[\"label\"])], \"generator\": r[\"generator\"], \"class\": r[\"class\"]} in want, (r, want)
"
'

test_expect_success 'manifest layout lists objects without copying' '
	gicat split $TASK --format manifest --out man 2>err &&
	test_grep "files written to man (manifest; materialization" err &&
	test "$(tail -n +2 man/train.csv | wc -l)" -eq "$(count train 2)" &&
	test "$(wc -l <man/test/vqdm.jsonl)" -eq "$(count test/vqdm 2)" &&
	test "$(head -1 man/train.csv)" = "sha256,path,label,generator,class,object" &&
	head -1 man/train.jsonl | grep -q "^{\"sha256\":\"[0-9a-f]*\",\"path\":\"[^\"]*\",\"label\":\"[a-z]*\",\"generator\":[^,]*,\"class\":[^,]*,\"object\":\"/" &&
	! ls man/train 2>/dev/null &&
	gicat query --format jsonl --fields sha256,path,label,generator,class "dataset = genimage" >man-entries.jsonl &&
	$PY -c "
import csv, json
entries = [json.loads(l) for l in open(\"man-entries.jsonl\")]
classes = set()
for s in (\"train\", \"test/adm\", \"test/midjourney\"):
    rows = [json.loads(l) for l in open(\"man/\" + s + \".jsonl\")]
    # the CSV says what the JSONL says (no class, no generator: empty)
    text = [{k: \"\" if v is None else str(v) for k, v in r.items()} for r in rows]
    assert list(csv.DictReader(open(\"man/\" + s + \".csv\"))) == text, s
    for r in rows:
        assert {k: r[k] for k in (\"sha256\", \"path\", \"label\", \"generator\", \"class\")} in entries, r
        assert r[\"object\"].endswith(\"/objects/\" + r[\"sha256\"][:2] + \"/\" + r[\"sha256\"][2:]), r
        classes.add(r[\"class\"])
assert 0 in classes, classes  # a class 0, which is no empty field
"
'

test_expect_success 'manifest: every object it names is there; a ref image is named by its own file, checked' '
	python3 -c "import csv, os, sys; rows = list(csv.DictReader(open(\"man/train.csv\"))); sys.exit(not rows or not all(os.path.isfile(r[\"object\"]) for r in rows))" &&
	gicat init refcat 2>/dev/null && mkdir -p refsrc/0_real &&
	cp "$SHARED/data/pngsuite/basn2c08.png" "refsrc/0_real/a,b.png" &&
	cp "$SHARED/data/pngsuite/basn0g08.png" refsrc/0_real/c.png &&
	gicat --catalog refcat ingest --mode ref refsrc 2>/dev/null &&
	gicat --catalog refcat export --format manifest --out refman 2>/dev/null &&
	python3 -c "import csv, sys; rows = list(csv.DictReader(open(\"refman/export.csv\"))); sys.exit(sorted(r[\"object\"] for r in rows) != sorted([sys.argv[1] + \"/refsrc/0_real/a,b.png\", sys.argv[1] + \"/refsrc/0_real/c.png\"]))" "$(pwd -P)" &&
	touch -d "2001-01-01" refsrc/0_real/c.png &&
	gicat --catalog refcat export --format manifest --out refman2 2>err &&
	printf "\\377" | dd of=refsrc/0_real/c.png bs=1 seek=100 conv=notrunc 2>/dev/null &&
	test_expect_code 3 gicat --catalog refcat export --format manifest --out refman3 2>err &&
	test_grep "c.png.*changed since ingest: its hash is [0-9a-f]*, not [0-9a-f]*: .gicat verify --full. lists each image so damaged, with what to do$" err &&
	! test -e refman3/export.csv
'

test_expect_success 'the same task gives byte-identical output in another directory' '
	gicat split $TASK --format webdataset --shard-size 7 --out wds2 2>err &&
	test_cmp wds/MANIFEST.sha256 wds2/MANIFEST.sha256 &&
	cmp wds/train-000000.tar wds2/train-000000.tar &&
	gicat split $TASK --mode copy --out if2 2>err &&
	test_cmp if/MANIFEST.sha256 if2/MANIFEST.sha256 &&
	diff -r if if2
'

reader_catalog
test_expect_success 'split --check of a directory it may enter but not read says so' '
	gicat init "$roc" 2>/dev/null && cp "$SHARED/data/pngsuite/basn0g08.png" "$roc/" &&
	gicat --catalog "$roc" ingest --label fake "$roc" 2>/dev/null &&
	gicat --catalog "$roc" export --out "$roc/out" 2>/dev/null &&
	gicat init "$roc/other" 2>/dev/null &&
	chmod -R a+rX "$roc" && chmod 311 "$roc/out" &&
	for cat in "$roc" "$roc/other"; do
		test_expect_code 3 as_reader --catalog "$cat" split --check "$roc/out" 2>err &&
		test_grep "Permission denied" err || return 1
	done &&
	chmod 755 "$roc/out"
'
reader_done

test_expect_success 'split --check is clean, then lists a changed, a missing, an unreadable and an extra file, alike with any --jobs' '
	gicat split --check if >out && test_grep " 0 drifts" out &&
	f=$(ls if2/train/1_fake | head -1) && g=$(ls if2/train/0_real | head -1) &&
	h=$(ls if2/train/0_real | tail -1) &&
	chmod u+w if2/train/1_fake/$f && printf x >>if2/train/1_fake/$f &&
	rm if2/train/0_real/$g && echo hi >if2/train/extra.txt &&
	rm if2/train/0_real/$h && mkfifo if2/train/0_real/$h &&
	echo hi >"if2/train/x$(printf "\033")[2Jy" &&
	test_expect_code 1 gicat split --check if2 2>err >out &&
	test_grep "train/1_fake/$f.: changed" err &&
	test_grep "train/0_real/$g.: missing" err &&
	test_grep "train/0_real/$h.: .*not a regular file" err &&
	test_grep "train/extra.txt.: not part of the export" err &&
	test_grep "train/x\\\\x1b\[2Jy.: not part of the export" err &&
	! grep -q "$(printf "\033")" err &&
	test_grep " 5 drifts" out &&
	for j in 1 3 64; do
		test_expect_code 1 gicat split --check if2 --jobs $j 2>err$j >out$j &&
		test_cmp err err$j && test_cmp out out$j || return 1
	done &&
	test_expect_code 2 gicat split --check if2 --jobs 0 2>err &&
	test_grep "^gicat: split: --jobs" err &&
	rm "if2/train/x$(printf "\033")[2Jy" if2/train/0_real/$h
'

test_expect_success 'split --check on a terminal shows the files read, and clears that line for a drift' '
	test_expect_code 1 on_tty gicat split --check if2 >tty &&
	test_grep "split --check: files read 0/[1-9]" tty &&
	test_grep "x1b\\[Kgicat: split --check: .if2/train/0_real/[^ ]*: missing" tty &&
	test_expect_code 1 gicat split --check if2 >out 2>err &&
	! grep "files read" out err
'

test_expect_success 'split --check: a file made a link to a copy outside (named like its object too), an empty directory are drift; store links are not' '
	cp -r if if3 &&
	f=$(ls if3/train/1_fake | head -1) &&
	cp if3/train/1_fake/$f outside.png && rm -f if3/train/1_fake/$f &&
	ln -s "$PWD/outside.png" if3/train/1_fake/$f &&
	mkdir if3/train/2_other &&
	test_expect_code 1 gicat split --check if3 2>err >out &&
	test_grep "train/1_fake/$f.: a symbolic link to .*outside.png., neither a file of the export nor its object in the store$" err &&
	test_grep "train/2_other/.: an empty directory, not part of the export" err &&
	test_grep " 2 drifts" out &&
	gicat split $TASK --mode symlink --out sym-ok 2>/dev/null &&
	gicat split --check sym-ok >out && test_grep " 0 drifts" out &&
	cp -a sym-ok sym-copy && gicat split --check sym-copy >out && test_grep " 0 drifts" out &&
	l=$(find sym-ok/train -type l | head -1) && o=$(readlink "$l") &&
	far=not-the-store/objects/$(basename "$(dirname "$o")") && mkdir -p $far &&
	cp "$o" $far/ && rm "$l" && ln -s "$PWD/$far/$(basename "$o")" "$l" &&
	test_expect_code 1 gicat split --check sym-ok 2>err >out &&
	test_grep "${l#sym-ok/}.: a symbolic link to .*/not-the-store/objects/.*, neither a file of the export nor its object in the store$" err &&
	test_grep " 1 drift$" out
'

test_expect_success 'split --check works from MANIFEST.sha256 where the catalog has no record' '
	cp -r wds copied &&
	gicat split --check copied >out && test_grep " 0 drifts" out &&
	cp -r wds planted && chmod u+w planted/MANIFEST.sha256 &&
	echo "$(sha256sum /etc/hostname | cut -c1-64)  ../../../../etc/hostname" >>planted/MANIFEST.sha256 &&
	test_expect_code 1 gicat split --check planted 2>err >out &&
	test_grep "\.\./etc/hostname.: a path outside the export: not read$" err
'

test_expect_success 'split TASK --out DIR --check: a set the task now resolves otherwise is a drift' '
	cp -r cat chgcat &&
	gicat --catalog chgcat split $TASK --out chg 2>/dev/null &&
	gicat --catalog chgcat split $TASK --out chg --check >out && test_grep " 0 drifts" out &&
	gicat --catalog chgcat rm "subset = adm and split = val" 2>/dev/null &&
	test_expect_code 1 gicat --catalog chgcat split $TASK --out chg --check >out 2>err &&
	test_grep " 1 drift$" out &&
	test_grep "^gicat: split --check: .chg.: set .test/adm.: the task takes 0 images now, the export has [1-9][0-9]* (0 only the task, [1-9][0-9]* only the export): the catalog changed since" err &&
	gicat --catalog chgcat split --check chg >out && test_grep " 0 drifts" out
'

test_expect_success 'split TASK --out DIR --check (SPEC form) checks DIR and that TASK wrote it' '
	gicat split $TASK --out if --check >out && test_grep " 0 drifts" out &&
	gicat split --out if --check >out && test_grep " 0 drifts" out &&
	gicat split --check if --out if >out && test_grep " 0 drifts" out &&
	test_expect_code 1 gicat split genimage/cross-adm --out if --check >out 2>err &&
	test_grep "^gicat: split --check: .if.: written by another task" err &&
	test_grep " 1 drift$" out &&
	test_expect_code 1 gicat split genimage/cross-adm --out copied --check >out 2>err &&
	test_grep "written by another task" err &&
	gicat split $TASK --out copied --check >out
'

test_expect_success 'split --check DIR --out OTHER is a usage error, not a silent choice' '
	test_expect_code 2 gicat split --check if --out if2 2>err &&
	test_grep "^gicat: split: " err &&
	test_expect_code 2 gicat split --check 2>err &&
	mkdir plain && test_expect_code 2 gicat split --check plain 2>err &&
	test "$(cat err)" = "gicat: split --check: '"'"'plain'"'"': not exported by this catalog, and no MANIFEST.sha256 in it says what it holds" &&
	test_expect_code 2 gicat split --check nosuchdir 2>err &&
	test_grep "^gicat: split --check: .nosuchdir.: No such file or directory$" err &&
	echo x >plainfile && test_expect_code 2 gicat split --check plainfile 2>err &&
	test "$(cat err)" = "gicat: split --check: ${SQ}plainfile${SQ}: not a directory" &&
	for o in "format webdataset" "mode copy" "names original" "force" "shard-size 5"; do
		test_expect_code 2 gicat split $TASK --out if --check --$o 2>err &&
		test "$(head -1 err)" = "gicat: split: --${o%% *} is for a split, not --check" || return 1
	done
'

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
	test "$(wc -l <err)" -eq 2 && test_grep "train/2_other/" err
'

test_expect_success '--force over a set directory that is a symbolic link: named, nothing written through it' '
	mkdir -p symset elsewhere && ln -s "$TRASH/elsewhere" symset/train &&
	test_expect_code 3 gicat split $TASK --out symset --force 2>err &&
	test "$(cat err)" = "gicat: split: ${SQ}symset${SQ}: its ${SQ}train${SQ} is a symbolic link: an export writes into directories only (remove it)" &&
	test -z "$(ls -A elsewhere)" &&
	rm symset/train && gicat split $TASK --out symset 2>err &&
	gicat split --check symset >out && test_grep " 0 drifts" out
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

test_expect_success 'an --out that holds the catalog is refused, --force or not; the catalog stays' '
	cp cat/.gicat/catalog.db db.before &&
	printf "%064d  .gicat/catalog.db\n" 0 >cat/MANIFEST.sha256 &&
	test_expect_code 2 gicat split $TASK --out cat --force 2>err &&
	test_grep "^gicat: split: .cat.: holds the catalog (.*/cat/.gicat): write exports elsewhere$" err &&
	test_expect_code 2 gicat export --out "$TRASH" --force 2>err &&
	test_grep "holds the catalog" err &&
	rm cat/MANIFEST.sha256 && cmp db.before cat/.gicat/catalog.db &&
	gicat verify >/dev/null
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
	test_grep "fifo/labels.json.: .labels.json.: not a regular file" err &&
	rm fifo/MANIFEST.sha256 fifo/task.ini && mkfifo fifo/MANIFEST.sha256 fifo/task.ini &&
	test_expect_code 1 timeout 20 gicat --catalog far-cat split $TASK --out fifo --check 2>err &&
	test_grep "neither the catalog nor its task.ini says which task wrote it" err
'

test_expect_success 'nothing is written through a symlink planted in --out' '
	mkdir trap outside && ln -s "$TRASH/outside" trap/train &&
	test_must_fail gicat split $TASK --out trap --force 2>err &&
	test -z "$(ls outside)"
'

test_expect_success 'export writes an ad-hoc subset as one set' '
	gicat export "generator = adm and class in 0..499" --out ex 2>err &&
	test "$(find ex/export -type f | wc -l)" -eq "$(gicat query --count "generator = adm and class in 0..499")" &&
	test_grep "^\\[set export\\]" ex/task.ini &&
	test_grep "^select = generator = adm and class in 0..499" ex/task.ini
'

test_expect_success 'a set of one label keeps the other label directory, empty: ImageFolder numbers labels as labels.json does' '
	gicat export "generator = adm" --out one-fk 2>err &&
	test -d one-fk/export/0_real && test -z "$(ls one-fk/export/0_real)" &&
	test "$(ls one-fk/export/1_fake | wc -l)" -eq "$(gicat query --count "generator = adm")" &&
	test_grep "^; export: $(gicat query --count "generator = adm") images (0 real, $(gicat query --count "generator = adm") fake)$" one-fk/task.ini &&
	gicat export "label = real and subset = adm" --format genimage --out one-rl 2>err &&
	test -d one-rl/export/ai && test -z "$(ls one-rl/export/ai)" && test -n "$(ls one-rl/export/nature)" &&
	gicat split --check one-fk >out && gicat split --check one-rl >out &&
	$PY -c "
import os
for out, want in ((\"one-fk\", [\"0_real\", \"1_fake\"]), (\"one-rl\", [\"ai\", \"nature\"])):
    found = sorted(e.name for e in os.scandir(out + \"/export\") if e.is_dir())
    assert found == want, (out, found)  # what ImageFolder numbers 0 and 1
" &&
	gicat export "generator = adm" --format hf --out one-fk-hf 2>err &&
	test -z "$(find one-fk-hf -mindepth 2 -type d)" &&
	rmdir one-rl/export/ai && test_expect_code 1 gicat split --check one-rl >out 2>err &&
	test "$(cat err)" = "gicat: split --check: ${SQ}one-rl/export/ai/${SQ}: missing: the empty directory of the other label (without it ImageFolder numbers this set${SQ}s one label 0; make it, or split --force again)" &&
	mkdir one-rl/export/ai && gicat split --check one-rl >out &&
	printf "[task]\n[test ai]\nselect = generator = adm\n" >setai.ini &&
	gicat split setai.ini --format hf --out one-ai-hf 2>/dev/null &&
	gicat split --check one-ai-hf >out && test_grep " 0 drifts" out &&
	gicat export "subset = biggan" --out one-fk --force 2>err &&
	! grep "empty director" err && gicat split --check one-fk >out &&
	gicat export "generator = adm" --out one-fk/inner 2>err &&
	gicat export "label = fake and subset = sd14" --out one-fk/inner --force --format genimage 2>err &&
	! grep "empty director" err && test ! -e one-fk/inner/export/0_real &&
	test -d one-fk/inner/export/nature
'

test_expect_success 'an image without a label is exported as unlabelled in every layout, never as real' '
	mkdir -p nolabel && cp "$SHARED/data/pngsuite/basn2c08.png" "nolabel/a b.png" &&
	gicat ingest --dataset nolabel nolabel 2>/dev/null &&
	for f in imagefolder genimage; do
		gicat export "dataset = nolabel" --format $f --out nl-$f 2>/dev/null &&
		test "$(cd nl-$f/export && find . -type f)" = "./unlabelled/$(ls nl-$f/export/unlabelled)" || return 1
	done &&
	gicat export "dataset = nolabel" --format hf --out nl-hf 2>/dev/null &&
	test_grep "\"label\": *-1" nl-hf/export/metadata.jsonl
'

test_expect_success 'export samples as a task set does: --fraction, --max-per-class, --balance, --seed' '
	all=$(gicat query --count "subset = sd14") &&
	gicat export "subset = sd14" --fraction 0.5 --out smp-half 2>/dev/null &&
	n=$(find smp-half/export -type f | wc -l) &&
	test "$n" -ge $((all / 2 - 1)) && test "$n" -le $((all / 2 + 1)) &&
	test_grep "^fraction = 0.5$" smp-half/task.ini && test_grep "^seed = 0$" smp-half/task.ini &&
	gicat export "subset = sd14" --fraction 0.5 --out smp-half2 2>/dev/null &&
	cmp smp-half/MANIFEST.sha256 smp-half2/MANIFEST.sha256 &&
	gicat export "subset = sd14" --fraction 0.5 --seed 7 --out smp-half7 2>/dev/null &&
	test_grep "^seed = 7$" smp-half7/task.ini &&
	! cmp -s smp-half/MANIFEST.sha256 smp-half7/MANIFEST.sha256 &&
	gicat export "subset = sd14" --max-per-class 1 --balance label --out smp-one 2>/dev/null &&
	test "$(find smp-one/export/0_real -type f | wc -l)" -eq "$(find smp-one/export/1_fake -type f | wc -l)" &&
	test_grep "^balance = label$" smp-one/task.ini &&
	test_expect_code 2 gicat export --fraction 0 --out x 2>err && test_grep "fraction" err &&
	test_expect_code 2 gicat export --fraction 1.5 --out x 2>err &&
	test_expect_code 2 gicat export --max-per-class 0 --out x 2>err &&
	test_expect_code 2 gicat export --balance class --out x 2>err && test_grep "balance" err &&
	test_expect_code 2 gicat export --seed x --out x 2>err && ! test -e x &&
	gicat export "subset = sd14" --fraction 0.5 --seed -3 --out smp-neg 2>/dev/null &&
	test_grep "^seed = -3$" smp-neg/task.ini &&
	test_expect_code 2 gicat export --shard-size 5 --out x 2>err &&
	test_grep "^gicat: export: --shard-size is for --format webdataset, not imagefolder$" err &&
	test_expect_code 2 gicat split $TASK --format hf --shard-size 5 --out x 2>err &&
	test_grep "not hf" err && ! test -e x &&
	for n in 0 -1 10000001 1x "" 1k; do  # 0 is no size (it was taken as the default, 1000)
		test_expect_code 2 gicat split $TASK --format webdataset --shard-size "$n" --out x 2>err &&
		test_grep "^gicat: split: --shard-size takes 1..10000000, not .$n.$" err || return 1
	done &&
	test_expect_code 2 gicat export --max-per-class 1k --out x 2>err &&
	test_grep "^gicat: export: --max-per-class takes 1..1000000000, not .1k.$" err &&
	test_expect_code 2 gicat split $TASK --jobs 1k --out x 2>err &&
	test_grep "^gicat: split: --jobs takes 1..64, not .1k.$" err && ! test -e x &&
	test_expect_code 2 gicat split $TASK --format webdataset --names original --out x 2>err &&
	test_grep "^gicat: split: --names is for the formats that place image files (imagefolder, genimage, hf), not webdataset$" err &&
	test_expect_code 2 gicat export --format manifest --mode symlink --out x 2>err &&
	test_grep "^gicat: export: --mode is for the formats that place image files (imagefolder, genimage, hf), not manifest$" err &&
	! test -e x
'

test_expect_success 'export of an empty selection warns, as split does, and writes nothing (exit 2)' '
	test_expect_code 2 gicat export "generator = adm and class in 990..999" --out none 2>err &&
	test_grep "^gicat: export: warning: .generator = adm and class in 990..999.: no image matches: set .export. is empty$" err &&
	test_grep "^gicat: export: .none.: every set is empty: nothing to write$" err &&
	! test -e none &&
	gicat export "generator = adm" --out some 2>err &&
	! grep warning err &&
	n=$(gicat query --format csv --fields sha256 "label = fake" | tail -n +2 | sort -u | wc -l) &&
	test_expect_code 2 gicat export --balance label "label = fake" --out onelabel 2>err &&
	test_grep "^gicat: export: warning: .label = fake.: $n images match, none is left after sampling (--balance label needs both labels): set .export. is empty$" err &&
	all=$(gicat query --format csv --fields sha256 | tail -n +2 | sort -u | wc -l) &&
	test_expect_code 2 gicat export --fraction 0.000001 --out tiny 2>err &&
	test_grep "^gicat: export: warning: $all images match, none is left after sampling: set .export. is empty$" err
'

test_expect_success 'a bad EXPR of export is shown with a caret, like query shows it' '
	test_expect_code 2 gicat export "generator = adm and genrator = x" --out bad 2>err &&
	test_grep "^gicat: export: unknown field .genrator." err &&
	test_grep "^  generator = adm and genrator = x$" err &&
	test_grep "^                      ^$" err &&
	! grep "export:[0-9]" err && ! test -e bad
'

test_expect_success 'split warns about empty sets like task check, and still exits 0' '
	gicat split genimage/unbiased-sd14 --out ub 2>err &&
	test_grep "^gicat: split: warning: genimage/unbiased-sd14:[0-9]*: set .train. is empty$" err &&
	gicat task check genimage/unbiased-sd14 2>&1 >/dev/null | grep "is empty" |
		sed "s/^gicat: task: /gicat: split: /" >want &&
	grep "is empty" err >got && test_cmp want got
'

test_expect_success 'an empty set writes nothing in any layout (hf: no metadata.jsonl alone; no empty shard index or manifest)' '
	for f in imagefolder genimage hf; do
		gicat split genimage/unbiased-sd14 --format $f --out ub-$f 2>/dev/null &&
		test "$(ls ub-$f/test)" = sd14 && test ! -e ub-$f/train &&
		gicat split --check ub-$f >out && test_grep " 0 drifts" out || return 1
	done &&
	gicat split genimage/unbiased-sd14 --format webdataset --out ub-webdataset 2>/dev/null &&
	test "$(ls ub-webdataset/test | paste -sd" ")" = "sd14-000000.tar sd14-index.json" &&
	test ! -e ub-webdataset/train-index.json &&
	gicat split genimage/unbiased-sd14 --format manifest --out ub-manifest 2>/dev/null &&
	test "$(ls ub-manifest/test | paste -sd" ")" = "sd14.csv sd14.jsonl" &&
	test ! -e ub-manifest/train.csv &&
	for f in webdataset manifest; do
		gicat split --check ub-$f >out && test_grep " 0 drifts" out || return 1
	done
'

# Warnings of every kind; the unknown keys are found first, whatever
# their lines.
cat >leaky.ini <<'INI'
[task]
name = leaky
[train]
select = split = train
fractoin = 0.5
[test leak]
select = subset = sd14
[test empty]
select = generator = nonesuch
colour = blue
seed = 3
INI

test_expect_success 'split warns as task check does: one prefixed line each, in line order, leakage too' '
	gicat split leaky.ini --out leaky 2>err &&
	grep "^gicat: split: warning: " err >got &&
	gicat task check leaky.ini 2>&1 >/dev/null | sed "s/^gicat: task: /gicat: split: /" >want &&
	test_cmp want got &&
	sed "s/^gicat: split: warning: leaky.ini:\([0-9]*\): .*/\1/" got >lines &&
	printf "5\n6\n8\n10\n11\n" >want && test_cmp want lines &&
	test_grep "^gicat: split: warning: leaky.ini:6: set .test/leak. shares [0-9]* image pairs\{0,1\} with train (same or near duplicates: see .gicat leakcheck.)$" got &&
	test_grep "^gicat: split: warning: leaky.ini:5: unknown key .fractoin. ignored (did you mean .fraction.?)$" got &&
	! grep -v "^gicat: split: warning: \|^split: " err &&
	test -d leaky/train
'

test_expect_success 'split --strict: a warning refuses the task (exit 2), nothing written' '
	test_expect_code 2 gicat split --strict leaky.ini --out strict 2>err &&
	test "$(grep -c "^gicat: split: warning: leaky.ini:" err)" -eq 5 &&
	test_grep "^gicat: split: --strict: 5 warnings, nothing written$" err &&
	test ! -e strict &&
	printf "[task]\n[train]\nselect = subset = adm and split = train\n" >clean.ini &&
	gicat split --strict clean.ini --out clean 2>err &&
	! grep warning err && test -d clean/train &&
	test_expect_code 2 gicat split --strict --check clean 2>err &&
	test_grep "strict" err
'

test_expect_success 'symlink mode points at the objects; --names original keeps base names' '
	gicat split $TASK --mode symlink --names original --out sym 2>err &&
	l=$(find sym/train -type l | head -1) && test -n "$l" &&
	readlink "$l" | grep -q "/.gicat/objects/" &&
	ls sym/train/1_fake | grep -q "_sdv4_" &&
	(cd sym && sha256sum -c --quiet MANIFEST.sha256)
'

test_expect_success '--names original: unsafe original names become safe names inside --out' '
	cp -a cat names-cat &&
	db=names-cat/.gicat/catalog.db &&
	set -- $(gicat --catalog names-cat query --format csv --fields sha256 --limit 4 \
		"subset = sd14 and split = train and label = fake" | tail -n +2) &&
	sqlite3 $db "UPDATE entries SET path = '\''genimage/x/ai/..'\'' WHERE sha256 = '\''$1'\'';
		UPDATE entries SET path = '\''genimage/x/ai/two'\'' || char(10) || '\''lines.png'\''
			WHERE sha256 = '\''$2'\'';
		UPDATE entries SET path = '\''genimage/x/ai/.hidden.png'\'' WHERE sha256 = '\''$4'\''" &&
	set -- "$@" $(gicat --catalog names-cat query --format csv --fields sha256 --limit 1 \
		"subset = vqdm and split = train and label = fake" | tail -n +2) &&
	sqlite3 $db "UPDATE entries SET path = '\''genimage/x/ai/back\\slash.png'\'' WHERE sha256 = '\''$5'\''" &&
	plain=$(sqlite3 $db "SELECT path FROM entries WHERE sha256 = '\''$3'\'' LIMIT 1") &&
	mkdir jail &&
	gicat --catalog names-cat export "sha256 in ($1, $2, $3, $4, $5)" --names original \
		--out jail/out 2>err &&
	{ for h in $1 $2 $4 $5; do echo "$(echo $h | cut -c1-16).png"; done
	  basename "$plain"; } | sort >want &&
	ls -A jail/out/export/1_fake >got && test_cmp want got &&
	test "$(ls jail)" = out &&
	test "$(find jail -type f ! -name MANIFEST.sha256 | wc -l)" -eq "$(wc -l <jail/out/MANIFEST.sha256)" &&
	! grep "\\\\" jail/out/MANIFEST.sha256 &&
	(cd jail/out && sha256sum -c --quiet MANIFEST.sha256)
'

test_expect_success '--names original: a name taken by a prefixed one makes both the full hash' '
	db=names-cat/.gicat/catalog.db &&
	set -- $(gicat --catalog names-cat query --format csv --fields sha256 --limit 3 \
		"subset = sd15 and split = train and label = fake" | tail -n +2) &&
	a=$(echo $1 | cut -c1-16) && b=$(echo $2 | cut -c1-16) &&
	sqlite3 $db "UPDATE entries SET path = '\''a/x.png'\'' WHERE sha256 = '\''$1'\'';
		UPDATE entries SET path = '\''b/x.png'\'' WHERE sha256 = '\''$2'\'';
		UPDATE entries SET path = '\''c/${a}_x.png'\'' WHERE sha256 = '\''$3'\''" &&
	gicat --catalog names-cat export "sha256 in ($1, $2, $3)" --names original \
		--out clash 2>err &&
	printf "%s\n" "$1.png" "${b}_x.png" "$3.png" | sort >want &&
	ls clash/export/1_fake >got && test_cmp want got &&
	(cd clash && sha256sum -c --quiet MANIFEST.sha256)
'

test_expect_success '--names original --format hf: a real and a fake of one name share the directory, so both are prefixed' '
	db=names-cat/.gicat/catalog.db &&
	set -- $(gicat --catalog names-cat query --format csv --fields sha256 --limit 2 \
		"subset = glide and split = train and label = fake" | tail -n +2) &&
	f=$1 r=$2 &&
	sqlite3 $db "UPDATE entries SET path = '\''f/0001.png'\'' WHERE sha256 = '\''$f'\'';
		UPDATE entries SET path = '\''r/0001.png'\'', label = '\''real'\'' WHERE sha256 = '\''$r'\''" &&
	gicat --catalog names-cat export "sha256 in ($f, $r)" --names original --format hf --out hfclash 2>err &&
	printf "%s\n" "$(echo $f | cut -c1-16)_0001.png" "$(echo $r | cut -c1-16)_0001.png" \
		metadata.jsonl | sort >want &&
	ls hfclash/export >got && test_cmp want got &&
	(cd hfclash && sha256sum -c --quiet MANIFEST.sha256)
'

# named_export OUT PATH...: the first val fakes of names-cat, as many as
# PATHs, take those paths (in order; $hashes lists them) and are exported
# with --names original into OUT.
named_export() {
	out=$1 && shift &&
	hashes=$(gicat --catalog names-cat query --format csv --fields sha256 \
		--limit $# "split = val and label = fake" | tail -n +2) &&
	sql= &&
	for h in $hashes; do
		sql="$sql UPDATE entries SET path = '$1' WHERE sha256 = '$h';" &&
		shift || return 1
	done &&
	sqlite3 names-cat/.gicat/catalog.db "$sql" &&
	gicat --catalog names-cat export "sha256 in ($(echo $hashes | tr " " ,))" \
		--names original --out "$out" 2>err
}
p() { echo $1 | cut -c1-16; }

test_expect_success '--names original: names alike but for case are prefixed; names Windows refuses become hashes' '
	named_export casefold a/Photo.png b/photo.PNG "c/what?.png" d/CON.png e/dot.png. f/Lpt9.x.png &&
	set -- $hashes &&
	printf "%s\n" "$(p $1)_Photo.png" "$(p $2)_photo.PNG" "$(p $3).png" "$(p $4).png" \
		"$(p $5).png" "$(p $6).png" | sort >want &&
	ls casefold/export/1_fake | sort >got && test_cmp want got
'

test_expect_success '--names original: names alike but for the case of a letter beyond ASCII are prefixed too' '
	named_export casefold8 "a/$(printf "\303\204")rger.png" "b/$(printf "\303\244")rger.png" \
		"c/$(printf "\320\226").png" "d/$(printf "\320\266").png" \
		"e/$(printf "\316\243").png" "f/$(printf "\317\203").png" \
		"g/$(printf "\317\202")x.png" "h/$(printf "\316\243")X.png" \
		"i/$(printf "\317\230").png" "j/$(printf "\317\231").png" &&
	ls casefold8/export/1_fake >got &&
	test "$(grep -c "^[0-9a-f]\{16\}_" got)" = 10 &&
	(cd casefold8 && sha256sum -c --quiet MANIFEST.sha256)
'

test_expect_success '--names original: the Cyrillic capitals between U+04C0 and U+04CE fold too' '
	db=names-cat/.gicat/catalog.db &&
	set -- $(gicat --catalog names-cat query --format csv --fields sha256 --limit 4 \
		"split = val and label = fake" | tail -n +2) &&
	sqlite3 $db "UPDATE entries SET path = '\''a/'\'' || CAST(x'\''d381'\'' AS TEXT) || '\''.png'\'' WHERE sha256 = '\''$1'\'';
		UPDATE entries SET path = '\''b/'\'' || CAST(x'\''d382'\'' AS TEXT) || '\''.png'\'' WHERE sha256 = '\''$2'\'';
		UPDATE entries SET path = '\''c/'\'' || CAST(x'\''d380'\'' AS TEXT) || '\''.png'\'' WHERE sha256 = '\''$3'\'';
		UPDATE entries SET path = '\''d/'\'' || CAST(x'\''d38f'\'' AS TEXT) || '\''.png'\'' WHERE sha256 = '\''$4'\''" &&
	gicat --catalog names-cat export "sha256 in ($1, $2, $3, $4)" --names original \
		--out casefold9 2>err &&
	ls casefold9/export/1_fake >got &&
	test "$(grep -c "^[0-9a-f]\{16\}_" got)" = 4
'

test_expect_success '--names original: device names with spaces before the dot, superscript digits or CONIN$ become hashes' '
	named_export devnames "a/CON .png" "b/nul  .x.png" "c/COM$(printf "\302\271").png" \
		"d/conin\$.png" e/CONSOLE.png &&
	set -- $hashes &&
	printf "%s\n" "$(p $1).png" "$(p $2).png" "$(p $3).png" "$(p $4).png" CONSOLE.png | sort >want &&
	ls devnames/export/1_fake | sort >got && test_cmp want got
'

test_expect_success 'unlabelled images beside labelled ones: export and task check warn of the third class' '
	gicat init ul 2>/dev/null && mkdir -p ulsrc &&
	cp "$SHARED/data/pngsuite/basn0g08.png" "$SHARED/data/pngsuite/basn2c08.png" ulsrc/ &&
	gicat --catalog ul ingest --layout flat ulsrc 2>/dev/null &&
	gicat --catalog ul ingest --label fake --dataset f "$SHARED/data/pngsuite/basn3p08.png" 2>/dev/null &&
	gicat --catalog ul export "" --out ul-out 2>err &&
	test_grep "^gicat: export: warning: 2 of the 3 images have no label (real or fake): written to export/unlabelled/, which ImageFolder reads as a third class$" err &&
	test "$(ls ul-out/export/unlabelled | wc -l)" = 2 &&
	gicat --catalog ul export "" --format hf --out ul-hf 2>err &&
	! grep -q "third class" err &&
	printf "[task]\nname = u\n[test x]\nselect = path ~ ${SQ}*${SQ}\n" >ul.ini &&
	gicat --catalog ul task check ul.ini 2>err &&
	test_grep "set .test/x.: 2 images have no label (real or fake): written to unlabelled/, which ImageFolder reads as a third class; eval scores none of them" err
'

test_expect_success 'sets whose names differ only in case are an error: one directory on macOS and Windows' '
	printf "[task]\nname = c\n[test Adm]\nselect = subset = adm\n[test adm]\nselect = subset = adm\n" >case.ini &&
	test_expect_code 1 gicat task check case.ini 2>err &&
	test_grep "set .test/adm. differs from set .test/Adm. only in case" err
'

test_expect_success '--names original: the extension is the written format (degraded images, a JPEG named .png)' '
	gicat split genimage/degraded --names original --out deg-names 2>err &&
	"$PY" -c "
import os, sys
bad = []
for d, _, fs in os.walk(\"deg-names\"):
    for f in fs:
        ext = f.rsplit(\".\", 1)[-1].lower()
        if ext not in (\"png\", \"jpg\", \"jpeg\"):
            continue
        head = open(os.path.join(d, f), \"rb\").read(4)
        png = head.startswith(b\"\\x89PNG\")
        if png != (ext == \"png\"):
            bad.append(os.path.join(d, f))
assert not bad, bad[:5]
" &&
	ls deg-names/test/jpeg30/1_fake | grep -q "_sdv4_.*\.jpg$" &&
	(cd deg-names && sha256sum -c --quiet MANIFEST.sha256)
'

test_expect_success '--names original: a name that is not UTF-8 becomes the hash; one without an image extension gets one' '
	db=names-cat/.gicat/catalog.db &&
	set -- $(gicat --catalog names-cat query --format csv --fields sha256 --limit 2 \
		"subset = adm and split = train and label = fake" | tail -n +2) &&
	sqlite3 $db "UPDATE entries SET path = '\''genimage/x/ai/bad'\'' || CAST(x'\''ff'\'' AS TEXT) || '\''.png'\'' WHERE sha256 = '\''$1'\'';
		UPDATE entries SET path = '\''genimage/x/ai/noext'\'' WHERE sha256 = '\''$2'\''" &&
	set -- "$@" $(gicat --catalog names-cat query --format csv --fields sha256 --limit 2 \
		"subset = sd14 and split = train and label = fake" | tail -n +2) &&
	sqlite3 $db "UPDATE entries SET path = '\''genimage/x/ai/c1'\'' || CAST(x'\''c29b'\'' AS TEXT) || '\''x.png'\'' WHERE sha256 = '\''$3'\'';
		UPDATE entries SET path = '\''genimage/x/ai/rlo'\'' || CAST(x'\''e280ae'\'' AS TEXT) || '\''gnp.exe.png'\'' WHERE sha256 = '\''$4'\''" &&
	gicat --catalog names-cat export "sha256 in ($1, $2, $3, $4)" --names original --format hf --out hfn 2>err &&
	{ for h in $1 $3 $4; do echo "$(echo $h | cut -c1-16).png"; done; echo noext.png; } | sort >want &&
	ls hfn/export >got.all && grep -v metadata.jsonl got.all >got && test_cmp want got &&
	$PY -c "
import json, os
for l in open(\"hfn/export/metadata.jsonl\", encoding=\"utf-8\"):
    assert os.path.exists(os.path.join(\"hfn/export\", json.loads(l)[\"file_name\"])), l
"
'

test_expect_success 'every split is recorded in the catalog with its files' '
	test "$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM materializations")" -ge 8 &&
	n=$(sqlite3 cat/.gicat/catalog.db "SELECT files FROM materializations WHERE out_dir LIKE '"'"'%/if2'"'"'") &&
	test "$n" -eq "$(wc -l <if/MANIFEST.sha256)" -o "$n" -eq $(($(wc -l <if/MANIFEST.sha256) + 1))
'

test_expect_success 'exporting again into a directory replaces its record: the catalog does not grow' '
	gicat export "subset = sd14" --out again 2>/dev/null &&
	rm -rf again && gicat export "subset = sd14" --out again 2>/dev/null &&
	gicat export "subset = sd14" --out again --force 2>/dev/null &&
	q="SELECT count(*), sum(files) FROM materializations WHERE out_dir LIKE '"'"'%/again'"'"'" &&
	test "$(sqlite3 cat/.gicat/catalog.db "$q")" = "1|$(find again -type f | wc -l)" &&
	q="SELECT count(*) FROM materialized_files f JOIN materializations m ON f.materialization_id = m.id WHERE m.out_dir LIKE '"'"'%/again'"'"'" &&
	test "$(sqlite3 cat/.gicat/catalog.db "$q")" = "$(find again -type f | wc -l)" &&
	gicat split --check again
'

test_expect_success 'a materialization number is never given twice, also after gc forgets the last one' '
	cp -r cat numcat &&
	gicat --catalog numcat export "subset = adm" --out num1 2>err1 &&
	n1=$(sed -n "s/.*materialization #\([0-9]*\) .*/\1/p" err1) &&
	rm -rf num1 && gicat --catalog numcat gc 2>/dev/null &&
	gicat --catalog numcat export "subset = adm" --out num2 2>err2 &&
	n2=$(sed -n "s/.*materialization #\([0-9]*\) .*/\1/p" err2) &&
	test -n "$n1" && test "$n2" -eq $((n1 + 1))
'

test_expect_success 'manifest CSV: a path with quotes and commas reads back whole' '
	mkdir -p quoted && cp "$SHARED/data/pngsuite/basn0g08.png" "quoted/say \"hi\", \"\"twice.png" &&
	gicat ingest --dataset quoted --label real quoted 2>/dev/null &&
	gicat export "dataset = quoted" --format manifest --out q-man 2>err &&
	"$PY" -c "
import csv
(r,) = csv.DictReader(open(\"q-man/export.csv\"))
assert r[\"path\"].endswith(\"/say \\\"hi\\\", \\\"\\\"twice.png\"), r
"
'

test_expect_success 'names and paths that are not UTF-8: manifest and hf metadata stay whole JSON' '
	mkdir -p nonutf && cp "$SHARED/data/pngsuite/basn0g08.png" "nonutf/bad$(printf "\377")name.png" &&
	gicat ingest --dataset nonutf --generator "g$(printf "\376")" --label fake nonutf 2>/dev/null &&
	gicat export "dataset = nonutf" --format manifest --out nu-man 2>err &&
	gicat export "dataset = nonutf" --format hf --names original --out nu-hf 2>err &&
	"$PY" -c "
import glob, json
(m,) = [json.loads(l) for f in glob.glob(\"nu-man/*.jsonl\") for l in open(f, encoding=\"utf-8\")]
assert m[\"path\"].endswith(\"bad\ufffdname.png\") and m[\"generator\"] == \"g\ufffd\", m
(h,) = [json.loads(l) for f in glob.glob(\"nu-hf/*/metadata.jsonl\") for l in open(f, encoding=\"utf-8\")]
assert h[\"file_name\"] and h[\"generator\"] == \"g\ufffd\", h
"
'

test_expect_success 'a split that fails half-way takes back what it wrote: no --force needed to retry' '
	cp -r cat badcat &&
	sha=$(gicat task show --format csv $TASK | grep "^test/wukong," | head -1 | cut -d, -f2) &&
	obj=badcat/.gicat/objects/$(echo $sha | cut -c1-2)/$(echo $sha | cut -c3-) &&
	chmod u+w "$obj" && printf x >>"$obj" &&
	test_expect_code 3 gicat --catalog badcat split $TASK --mode copy --out half 2>err &&
	test "$(find half -type f | wc -l)" -eq 0 &&
	test_expect_code 3 gicat --catalog badcat split $TASK --mode copy --out half 2>err &&
	! grep -q "not empty: refusing" err &&
	test_expect_code 3 gicat --catalog badcat split $TASK --format webdataset --out half-wds 2>err &&
	test "$(find half-wds -type f | wc -l)" -eq 0 &&
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

test_expect_success 'one export at a time into a directory: another is refused while it runs' '
	mkdir busy &&
	{ flock busy sleep 2 & } && sleep 0.3 &&
	test_expect_code 3 gicat split $TASK --out busy 2>err &&
	test "$(cat err)" = "gicat: split: '"'"'busy'"'"': another gicat is exporting into it: wait for it to finish" &&
	wait && test -z "$(ls -A busy)" &&
	gicat split $TASK --out busy 2>/dev/null
'

# A set large enough to be placed by threads (1,024 items or more): 1,300
# tiny PNGs in two label directories, 40 more kept only by reference.
test_expect_success 'split --check of a directory an export is writing into says so, not killed' '
	mkdir -p running && : >running/.gicat-incomplete &&
	{ flock running sleep 2 & } && sleep 0.3 &&
	test_expect_code 1 gicat split --check running 2>err &&
	test_grep "^gicat: split --check: .running/.gicat-incomplete.: an export is writing into it now: check it when that is done$" err &&
	wait && rm -rf running
'

test_expect_success 'a long --out that holds the catalog is still named, not taken for the catalog path' '
	mkdir -p a-long-outer-directory && gicat init a-long-outer-directory/in 2>/dev/null &&
	cp "$SHARED/data/pngsuite/basn0g08.png" a-long-outer-directory/ &&
	gicat --catalog a-long-outer-directory/in ingest a-long-outer-directory/basn0g08.png 2>/dev/null &&
	test_expect_code 2 gicat --catalog a-long-outer-directory/in export --force --out "$TRASH/a-long-outer-directory" 2>err &&
	test "$(cat err)" = "gicat: export: '"'"'$TRASH/a-long-outer-directory'"'"': holds the catalog ($TRASH/a-long-outer-directory/in/.gicat): write exports elsewhere" &&
	test -f a-long-outer-directory/basn0g08.png
'

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

# kill -9 as soon as the first image is in place (the run's mark is in
# --out), tried again should the run finish first: what it left needs no
# --force to replace.
test_expect_success 'an export killed half-way: split --check says so, the retry needs no --force' '
	for try in 1 2 3 4 5; do
		rm -rf kl &&
		{ gicat --catalog cb export --jobs 1 --mode copy --out kl 2>/dev/null & } &&
		pid=$! &&
		while kill -0 $pid 2>/dev/null && test -z "$(find kl -name "*.png" 2>/dev/null | head -1)"; do
			sleep 0.005
		done
		kill -9 $pid 2>/dev/null; wait
		test -e kl/.gicat-incomplete && test -n "$(find kl -name "*.png" | head -1)" && break
	done &&
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
	for try in 1 2 3 4 5; do
		rm -rf k2 && mkdir k2 && echo mine >k2/notes.txt &&
		{ gicat --catalog cb export --force --jobs 1 --mode copy --out k2 2>/dev/null & } &&
		pid=$! &&
		while kill -0 $pid 2>/dev/null && test "$(find k2 -name "*.png" 2>/dev/null | wc -l)" -lt 20; do
			sleep 0.005
		done
		kill -9 $pid 2>/dev/null; wait
		test -e k2/.gicat-incomplete && test "$(find k2 -name "*.png" | wc -l)" -ge 20 && break
	done &&
	test -e k2/.gicat-incomplete &&
	gicat --catalog cb export --jobs 1 --mode copy --out k2 "label = fake" 2>err &&
	test_grep "^export: removed [1-9][0-9]* files\{0,1\} that an export killed before it finished left in k2$" err &&
	test_grep "keeps 1 file that no export wrote (notes.txt)" err &&
	test "$(cat k2/notes.txt)" = mine && rm k2/notes.txt &&
	diff -r sub1 k2
'

test_expect_success 'a mark whose list of kept files was cut short removes nothing of them' '
	mkdir -p cut/export && for i in 1 2 3; do echo mine >cut/u$i.txt; done &&
	echo stale >cut/export/stale.png &&
	printf "An export by gicat is writing into this directory\nHere before it, and kept:\nu1.txt\nu" >cut/.gicat-incomplete &&
	gicat export --out cut "label = fake" 2>err &&
	test -f cut/u1.txt && test -f cut/u2.txt && test -f cut/u3.txt &&
	! grep -q "killed before it finished left" err &&
	printf "An export by gicat\nHere before it, and kept:\nu1.txt\nu2.txt\nu3.txt\n(end)\n" >cut/.gicat-incomplete &&
	gicat export --out cut "label = fake" 2>err &&
	test -f cut/u1.txt && test -f cut/u2.txt && test -f cut/u3.txt &&
	test ! -e cut/export/stale.png
'

test_expect_success 'an empty directory of the user'"'"'s that a killed run wrote into stays when its files go' '
	mkdir -p kd/export/1_fake kd/sub && echo mine >kd/sub/u.txt &&
	echo stale >kd/export/1_fake/stale.png &&
	printf "An export by gicat\nHere before it, and kept:\nexport/\nsub/u.txt\n(end)\n" >kd/.gicat-incomplete &&
	gicat export --format manifest --out kd "label = fake" 2>err &&
	test_grep "^export: removed 1 file that an export killed before it finished left in kd$" err &&
	test -d kd/export && test ! -e kd/export/1_fake && test -f kd/sub/u.txt &&
	test -f kd/export.csv
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
		test_grep "holds files the catalog uses by reference (ingest --mode ref), such as .*/refd/imgs/b.png" err || return 1
	done &&
	test -f refd/imgs/b.png && gicat --catalog refs verify >/dev/null
'

test_expect_success 'manifest CSV quotes a generator with a comma or a quote; an EXPR task.ini cannot record is refused' '
	gicat init gq 2>/dev/null && mkdir -p gqd &&
	cp data/genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG gqd/ &&
	gicat --catalog gq ingest --layout flat --dataset gq --label fake --generator "my,gen \"x\"" gqd 2>/dev/null &&
	gicat --catalog gq export --format manifest --out gqman 2>/dev/null &&
	$PY -c "
import csv, sys
rows = list(csv.DictReader(open(\"gqman/export.csv\")))
sys.exit(not (len(rows) == 1 and rows[0][\"generator\"] == \"my,gen \\\"x\\\"\" and rows[0][\"object\"].startswith(\"/\")))
" &&
	test_expect_code 2 gicat export "dataset = ${SQ}odd${SQ} or path = ${SQ}x ; y${SQ}" --out semi 2>err &&
	test_grep "EXPR holds a .;. after a space, which task.ini cannot record" err &&
	test_expect_code 2 gicat export "dataset = ${SQ}odd
[train]${SQ}" --out nl 2>err &&
	test_grep "EXPR holds a line break" err && test ! -e semi && test ! -e nl
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
