#!/bin/sh
# split and export, the layouts: imagefolder, genimage, hf, webdataset and
# manifest, loadable by real clients (torchvision's ImageFolder, a
# WebDataset reader, HF metadata), placed in link, reflink, symlink or copy
# mode, with a MANIFEST.sha256 that sha256sum accepts; byte-identical output
# across runs and directories; split --check catching drift, in all its
# forms; and each export recorded in the catalog.  The safety of --out is
# tested in t0602-split-out; export of ad-hoc subsets, warnings and names
# in t0603-split-names.
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

test_expect_success 'symlink mode points at the objects; --names original keeps base names' '
	gicat split $TASK --mode symlink --names original --out sym 2>err &&
	l=$(find sym/train -type l | head -1) && test -n "$l" &&
	readlink "$l" | grep -q "/.gicat/objects/" &&
	ls sym/train/1_fake | grep -q "_sdv4_" &&
	(cd sym && sha256sum -c --quiet MANIFEST.sha256)
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

test_expect_success 'webdataset --shard-bytes: each shard'"'"'s members within N bytes, one sample over N alone; the same samples in the same order' '
	gicat split $TASK --format webdataset --shard-bytes 400K --out wds-b 2>err &&
	gicat split $TASK --format webdataset --shard-bytes 400K --shard-size 2 --out wds-b2 2>err &&
	$PY -c "
import json, os, tarfile
def pad(n): return 512 + (n + 511) // 512 * 512
for s in (\"train\", \"test/midjourney\", \"test/biggan\"):
    idx = json.load(open(\"wds-b/\" + s + \"-index.json\"))
    assert idx[\"shard_size\"] is None and idx[\"shard_bytes\"] == 409600, idx
    got, sizes = [], []
    for sh in idx[\"shards\"]:
        ms = tarfile.open(os.path.dirname(\"wds-b/\" + s) + \"/\" + sh[\"file\"]).getmembers()
        assert len(ms) == 2 * sh[\"samples\"], sh
        used = [pad(a.size) + pad(b.size) for a, b in zip(ms[0::2], ms[1::2])]
        assert sum(used) <= 409600 or len(used) == 1, (sh, used)
        sizes.append(used)
        got += [m.name for m in ms]
    # greedy: the next shard'"'"'s first sample would not have fitted
    for a, b in zip(sizes, sizes[1:]):
        assert sum(a) + b[0] > 409600, (a, b)
    whole = [m.name for f in sorted(os.listdir(os.path.dirname(\"wds/\" + s)))
             if f.startswith(os.path.basename(s) + \"-\") and f.endswith(\".tar\")
             for m in tarfile.open(os.path.dirname(\"wds/\" + s) + \"/\" + f)]
    assert got == whole, s
    idx2 = json.load(open(\"wds-b2/\" + s + \"-index.json\"))
    assert idx2[\"shard_size\"] == 2 and all(sh[\"samples\"] <= 2 for sh in idx2[\"shards\"]), idx2
" &&
	gicat split --check wds-b >out && test_grep " 0 drifts" out &&
	test_expect_code 2 gicat split $TASK --format hf --shard-bytes 1M --out x 2>err &&
	test_grep "^gicat: split: --shard-bytes is for --format webdataset, not hf$" err &&
	test_expect_code 2 gicat split $TASK --format webdataset --shard-bytes 0 --out x 2>err &&
	# the index holds it as a JSON integer: 2^63 would read -2^63
	test_expect_code 2 gicat split $TASK --format webdataset --shard-bytes 9223372036854775808 --out x 2>err &&
	test_grep "^gicat: split: --shard-bytes is at most 9223372036854775807, not .9223372036854775808.$" err &&
	gicat split $TASK --format webdataset --shard-bytes 9223372036854775807 --out wds-max 2>err &&
	test_grep "\"shard_bytes\": 9223372036854775807" wds-max/train-index.json &&
	# a format by another name, or misspelt, is named as gicat calls it
	test_expect_code 2 gicat split $TASK --format tar --out x 2>err &&
	test_grep "^gicat: split: unknown format .tar. (did you mean .webdataset.?)$" err &&
	test_expect_code 2 gicat export --format HuggingFace --out x 2>err &&
	test_grep "^gicat: export: unknown format .HuggingFace. (did you mean .hf.?)$" err &&
	test_expect_code 2 gicat export --format imagefoldr --out x 2>err &&
	test_grep "(did you mean .imagefolder.?)$" err &&
	test_expect_code 2 gicat export --format parquet --out x 2>err &&
	test_grep "unknown format .parquet. (imagefolder, genimage, hf, webdataset, manifest)$" err &&
	test_expect_code 2 gicat split $TASK --mode symlnk --out x 2>err &&
	test_grep "^gicat: split: unknown mode .symlnk. (did you mean .symlink.?)$" err &&
	test_expect_code 2 gicat export --mode move --out x 2>err &&
	test_grep "^gicat: export: unknown mode .move. (link, symlink, copy, reflink)$" err &&
	! test -e x
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

test_expect_success 'split --check of an export whose label directory became a symbolic link says so' '
	cp -r if ifl && mv ifl/train/0_real elsewhere-real && ln -s ../../elsewhere-real ifl/train/0_real &&
	test_expect_code 1 gicat split --check ifl 2>err >out &&
	test_grep "^gicat: split --check: .ifl/train/0_real.: a symbolic link to .\.\./\.\./elsewhere-real., not part of the export$" err &&
	test_grep "ifl/train/0_real/[^ ]*: missing$" err
'

test_expect_success 'split --check of an export with a directory it may not read: one drift for it, the rest still checked' '
	other_user_dir unr &&
	cp -r if "$w/o" && chmod -R a+rX "$w/o" && echo hi >"$w/o/train/extra.txt" &&
	chmod 000 "$w/o/train/0_real" &&
	(cd / && test_expect_code 1 $run "$TOP/gicat" split --check "$w/o" >"$TRASH/out" 2>"$TRASH/err") &&
	chmod 755 "$w/o/train/0_real" &&
	test_grep "^gicat: split --check: .$w/o/train/0_real/.: cannot be read: Permission denied (what the export has in it is not checked)$" err &&
	test_grep "^gicat: split --check: .$w/o/train/extra.txt.: not part of the export$" err &&
	! grep -q "missing" err && test "$(wc -l <err)" -eq 2 &&
	rm -rf "$w"
'

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
	test_grep "^gicat: split --check: .if2/train/0_real/$h.: not a regular file (a FIFO)$" err &&
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
	test_grep "\.\./etc/hostname.: a path outside the export: not read$" err &&
	echo "$(sha256sum /etc/hostname | cut -c1-64)  /etc/hostname" >>planted/MANIFEST.sha256 &&
	test_expect_code 1 gicat split --check planted 2>err >out &&
	test_grep "^gicat: split --check: ${SQ}/etc/hostname${SQ}: a path outside the export: not read$" err
'

test_expect_success 'split --check with a catalog named (--catalog, $GICAT_DIR) that is not there fails, not a weaker check without it' '
	test_expect_code 2 gicat --catalog nosuchcat split --check copied 2>err >out &&
	test_grep "^gicat: split --check: .nosuchcat. (--catalog): No such file or directory" err &&
	test ! -s out &&
	test_expect_code 2 env GICAT_DIR="$TRASH/nosuchcat" gicat split --check copied 2>err &&
	test_grep "(from \$GICAT_DIR): No such file or directory" err &&
	(unset GICAT_DIR && cd / && gicat split --check "$TRASH/copied" >"$TRASH/out") &&
	test_grep " 0 drifts" out &&
	mkdir -p bare && (unset GICAT_DIR && cd / && test_expect_code 2 gicat split --check "$TRASH/bare" 2>"$TRASH/err") &&
	test_grep "bare.: no catalog was found to have recorded it, and no MANIFEST.sha256 in it says what it holds$" err
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
	test_grep "^gicat: split --check: .if.: written by another task (genimage/cross-sd14, hash [0-9a-f]\{16\}), not genimage/cross-adm (hash [0-9a-f]\{16\})$" err &&
	test_grep " 1 drift$" out &&
	test_expect_code 1 gicat split genimage/cross-adm --out copied --check >out 2>err &&
	test_grep "written by another task (genimage/cross-sd14, hash " err &&
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
	test_expect_code 2 gicat split $TASK --check 2>err &&
	test "$(head -1 err)" = "gicat: split: --check: ${SQ}$TASK${SQ} is a task, and its output is checked with --out DIR: gicat split $TASK --out DIR --check" &&
	test_expect_code 2 gicat split $TASK --check if 2>err &&
	test "$(head -1 err)" = "gicat: split: --check: a task${SQ}s export is named with --out: gicat split $TASK --out if --check" &&
	echo "[task" >broken.ini && test_expect_code 2 gicat split broken.ini --check 2>err &&
	test_grep "^gicat: split: --check: .broken.ini. is a task," err &&
	for o in "format webdataset" "mode copy" "names original" "force" "shard-size 5"; do
		test_expect_code 2 gicat split $TASK --out if --check --$o 2>err &&
		test "$(head -1 err)" = "gicat: split: --${o%% *} is for a split, not --check" || return 1
	done
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

test_done
