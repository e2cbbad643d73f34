#!/bin/sh
# exports read back by independent readers: Python's tarfile for the
# WebDataset shards (pairs adjacent, fixed headers, counts as the index
# says), metadata.jsonl, sha256sum -c; and ImageFolder's numbering of a
# set's directories against labels.json, a set of unlabelled images too.
. "$(dirname "$0")/lib.sh"

fixture_catalog
TASK=genimage/cross-sd14

test_expect_success 'webdataset shards read by tarfile: pairs, headers, exact counts' '
	gicat split $TASK --out wds --format webdataset --shard-size 3 2>/dev/null &&
	(cd wds && sha256sum -c --quiet MANIFEST.sha256) &&
	$PY -c "
import glob, json, os, tarfile, hashlib
for idx in glob.glob(\"wds/**/*-index.json\", recursive=True):
    ix = json.load(open(idx)); d = os.path.dirname(idx); total = 0
    for s in ix[\"shards\"]:
        p = os.path.join(d, s[\"file\"])
        assert hashlib.sha256(open(p, \"rb\").read()).hexdigest() == s[\"sha256\"], p
        assert 0 < s[\"samples\"] <= ix[\"shard_size\"], p
        ms = tarfile.open(p).getmembers()
        assert len(ms) == 2 * s[\"samples\"], p
        for m in ms:
            assert (m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) == (0, 0, 0, \"\", \"\", 0o644), m.name
        for a, b in zip(ms[::2], ms[1::2]):
            ka, ea = a.name.split(\".\", 1); kb, eb = b.name.split(\".\", 1)
            assert ka == kb and eb == \"json\" and ea in (\"png\", \"jpg\"), (a.name, b.name)
        total += s[\"samples\"]
    assert total == ix[\"samples\"], idx
"
'

test_expect_success 'two runs, two directories, --jobs 1 and 2: the same bytes' '
	gicat split $TASK --out wds1 --format webdataset --shard-size 3 --jobs 1 2>/dev/null &&
	gicat split $TASK --out wds2 --format webdataset --shard-size 3 --jobs 2 2>/dev/null &&
	for t in $(cd wds && find . -name "*.tar"); do
		cmp wds/$t wds1/$t && cmp wds/$t wds2/$t || return 1
	done &&
	cmp wds/MANIFEST.sha256 wds2/MANIFEST.sha256
'

test_expect_success 'a set of unlabelled images alone: ImageFolder numbers it 2, as labels.json says' '
	mkdir -p nolabel && cp "$SHARED/data/pngsuite/basn2c08.png" nolabel/a.png &&
	gicat ingest --dataset nolabel nolabel 2>/dev/null &&
	for f in imagefolder genimage; do
		gicat export "dataset = nolabel" --format $f --out ul-$f 2>/dev/null &&
		$PY -c "
import json, os
labels = json.load(open(\"ul-$f/labels.json\"))
found = sorted(e.name for e in os.scandir(\"ul-$f/export\") if e.is_dir())
assert labels[str(found.index(\"unlabelled\"))] == \"unlabelled\", found
" &&
		gicat split --check ul-$f >out && test_grep " 0 drifts" out &&
		rmdir ul-$f/export/$(test $f = imagefolder && echo 0_real || echo ai) &&
		test_expect_code 1 gicat split --check ul-$f >out 2>err &&
		test_grep "missing: the empty directory" err &&
		gicat export "dataset = nolabel" --format $f --out ul-$f --force 2>err &&
		! grep "keeps" err &&
		gicat export "dataset = nolabel" --format hf --out ul-$f --force 2>err &&
		! grep "keeps" err && test -z "$(find ul-$f -type d -empty)" || return 1
	done
'

test_expect_success 'an --out below a file is a usage error, as one below nothing is' '
	echo x >afile &&
	test_expect_code 2 gicat split $TASK --out afile/out 2>err &&
	test "$(cat err)" = "gicat: split: ${SQ}afile/out${SQ}: cannot be created: its parent is not a directory" &&
	test_expect_code 2 gicat export "generator = adm" --out afile/a/b 2>err &&
	test_grep "its parent is not a directory" err && test "$(cat afile)" = x
'

test_expect_success 'task.ini counts one image as one image; LICENSES.md says how many files in all' '
	gicat export "sha256 = $(gicat query --format csv --fields sha256 --limit 1 | sed -n 2p)" --out one 2>/dev/null &&
	test_grep "^; export: 1 image (" one/task.ini &&
	test_grep "^1 file in all.$" one/LICENSES.md &&
	gicat export "label = real" --out reals 2>/dev/null &&
	n=$(find reals/export -type f | wc -l) &&
	test_grep "^$n files in all; a file under several licenses is counted under each.$" reals/LICENSES.md
'

test_done
