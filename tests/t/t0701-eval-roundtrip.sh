#!/bin/sh
# The round trip: split a task in every format, let a trainer (the
# standard library only) read what was written and key its predictions
# each way README promises, and check that eval gives the numbers the
# trainer computes itself, the same for every kind of key.
. "$(dirname "$0")/lib.sh"

cat >trainer.py <<'PYEOF'
import csv, hashlib, json, os, sys, tarfile
LABELS = {'0_real': 0, '1_fake': 1, 'nature': 0, 'ai': 1}

def score(sha):  # deterministic, with ties
    return (int(sha[:4], 16) % 11) / 10

def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()

def samples(out, fmt):
    """(set, path relative to out or None, sha256, label, other key)"""
    res = []
    for root, _, files in os.walk(out):
        for f in sorted(files):
            p = os.path.join(root, f)
            rel = os.path.relpath(p, out)
            comps = rel.split('/')
            if fmt in ('imagefolder', 'genimage') and len(comps) > 2 \
                    and comps[-2] in LABELS:
                res.append(('/'.join(comps[:-2]), rel, digest(p),
                            LABELS[comps[-2]], None))
            elif fmt == 'hf' and f == 'metadata.jsonl':
                for line in open(p):
                    d = json.loads(line)
                    q = os.path.join(rel[:-len(f)], d['file_name'])
                    assert digest(os.path.join(out, q)) == d['sha256']
                    res.append(('/'.join(comps[:-1]), q, d['sha256'],
                                d['label'], None))
            elif fmt == 'webdataset' and f.endswith('.tar'):
                with tarfile.open(p) as t:
                    meta = {m.name[:-5]: json.load(t.extractfile(m))
                            for m in t.getmembers() if m.name.endswith('.json')}
                    for m in t.getmembers():
                        key = m.name.rsplit('.', 1)[0]
                        if m.name.endswith('.json'):
                            continue
                        sha = hashlib.sha256(t.extractfile(m).read()).hexdigest()
                        assert meta[key]['sha256'] == sha
                        res.append((rel.rsplit('-', 1)[0], None, sha,
                                    meta[key]['label'], key))
            elif fmt == 'manifest' and f.endswith('.csv'):
                for d in csv.DictReader(open(p, newline='')):
                    assert digest(d['object']) == d['sha256']
                    res.append((rel[:-4], None, d['sha256'],
                                int(d['label'] == 'fake'), d['path']))
    return [s for s in res if s[0].startswith('test')]

def ap(y, s):  # scikit-learn's average_precision_score
    o = sorted(range(len(s)), key=lambda i: s[i])[::-1]
    ys = [y[i] for i in o]; ss = [s[i] for i in o]
    idx = [i for i in range(len(ss) - 1) if ss[i] != ss[i + 1]] + [len(ss) - 1]
    tps = [sum(ys[:i + 1]) for i in idx]
    prec = [t / (i + 1) for t, i in zip(tps, idx)][::-1] + [1.0]
    rec = [t / tps[-1] for t in tps][::-1] + [0.0]
    return sum(-(rec[i + 1] - rec[i]) * prec[i] for i in range(len(rec) - 1))

def expected(smp):
    sets = {}
    for st, _, sha, label, _ in smp:
        sets.setdefault(st, []).append((label, score(sha)))
    for st, v in sorted(sets.items()):
        y = [l for l, _ in v]; p = [int(s >= 0.5) for _, s in v]
        ok = [a == b for a, b in zip(y, p)]
        nr, nf = y.count(0), y.count(1)
        print('%s,%d,%r,%r,%r,%r' % (st, len(v), sum(ok) / len(v),
              sum(o for o, l in zip(ok, y) if l == 0) / nr,
              sum(o for o, l in zip(ok, y) if l == 1) / nf,
              ap(y, [s for _, s in v])))

out, fmt, kind, dest, variant = sys.argv[1:6]
smp = samples(out, fmt)
keys = {'rel': lambda r: r[1], 'dot': lambda r: './' + r[1],
        'abs': lambda r: os.path.join(os.path.abspath(out), r[1]),
        'outrel': lambda r: os.path.join(out, r[1]),
        'sha': lambda r: r[2], 'sha16': lambda r: r[2][:16],
        'other': lambda r: r[4],
        # a trainer on Windows: backslashes, a drive
        'win': lambda r: r[1].replace('/', '\\'),
        'winabs': lambda r: 'D:\\runs\\' + r[1].replace('/', '\\')}
col = 'sha256' if kind.startswith('sha') or fmt == 'webdataset' else 'path'
nl, bom = ('\r\n' if variant == 'crlf' else '\n'), \
          ('\ufeff' if variant == 'bom' else '')
with open(dest, 'w', newline='') as f:
    f.write(bom + ('id,%s,label,score,logit' if variant == 'extra' else
                   '%s,score') % col + nl)
    for i, r in enumerate(smp):
        k = keys[kind](r)
        f.write(('%d,"%s",x,%r,0.5' % (i, k, score(r[2])) if variant ==
                 'extra' else '"%s",%r' % (k, score(r[2]))) + nl)
expected(smp)
PYEOF

# roundtrip TASK FORMAT NAMES KIND...: one export, eval of each key kind
# (the variants of the file -- CRLF, BOM, extra columns -- in turn).
roundtrip() {
	task=$1 fmt=$2 names=$3; shift 3
	out=out-$(echo "$task" | tr / _)-$fmt-$names
	opt=; [ "$names" = - ] || opt="--names $names"
	gicat split "$task" --out "$out" --format "$fmt" $opt >/dev/null 2>&1
	i=0
	for kind; do
		i=$((i + 1))
		# each kind's file plainly, then as CRLF, BOM or extra columns
		for v in plain $(echo crlf bom extra | cut -d" " -f$((i % 3 + 1))); do
			$PY trainer.py "$out" "$fmt" "$kind" p.csv "$v" >want
			test -s want
			gicat eval "$task" --predictions p.csv --format csv >got ||
				{ echo "$fmt $names $kind $v"; return 1; }
			grep -v '^set,\|^avg,' got | sort >got.sorted
			diff -u want got.sorted ||
				{ echo "$fmt $names $kind $v"; return 1; }
		done
	done
}

fixture_catalog

for fmt in imagefolder genimage hf; do
	for names in hash original; do
		test_expect_success "cross-adm, $fmt --names $names: every path key and hash" "
			roundtrip genimage/cross-adm $fmt $names rel abs dot outrel sha sha16 win winabs
		"
	done
done
test_expect_success 'cross-adm, webdataset: keys and hashes' '
	roundtrip genimage/cross-adm webdataset - other sha
'
test_expect_success 'cross-adm, manifest: original paths and hashes' '
	roundtrip genimage/cross-adm manifest - other sha16
'
test_expect_success 'degraded, imagefolder --names original: derived paths and hashes' '
	roundtrip genimage/degraded imagefolder original abs sha
'
test_expect_success 'degraded, hf and webdataset: paths and derived keys' '
	roundtrip genimage/degraded hf hash rel &&
	roundtrip genimage/degraded webdataset - other
'
test_expect_success 'degraded, manifest: the original path is not the scored image' '
	roundtrip genimage/degraded manifest - sha &&
	$PY trainer.py out-genimage_degraded-manifest-- manifest other p.csv plain >/dev/null &&
	test_expect_code 1 gicat eval genimage/degraded --predictions p.csv 2>err &&
	test_grep "names the original of a degraded image" err
'
# A manifest row of a degraded set has the derived image's sha256 and its
# original's path: the row as written, with a score added, is that image.
test_expect_success 'degraded, manifest: its own rows with a score are scored, a path of another original is not' '
	cat >rows.py <<-\PYEOF &&
	import csv, glob, sys
	out, swap = sys.argv[1], len(sys.argv) > 2
	print("sha256,path,score")
	rows = [r for f in sorted(glob.glob(out + "/test/*.csv"))
	        for r in csv.DictReader(open(f, newline=""))]
	for i, r in enumerate(rows):
	    # the path of the next row: most often another original
	    p = rows[(i + 1) % len(rows)]["path"] if swap else r["path"]
	    print("%s,\"%s\",%r" % (r["sha256"], p, (int(r["sha256"][:4], 16) % 11) / 10))
	PYEOF
	out=out-genimage_degraded-manifest-- &&
	$PY rows.py $out >rows.csv &&
	cut -d, -f1,3 rows.csv >sha.csv &&
	gicat eval genimage/degraded --predictions sha.csv --format csv >want &&
	gicat eval genimage/degraded --predictions rows.csv --format csv >got 2>err &&
	test_cmp want got && ! grep "line [0-9]*:" err &&
	$PY rows.py $out swap >swap.csv &&
	test_expect_code 1 gicat eval genimage/degraded --predictions swap.csv 2>err &&
	test_grep "swap.csv.: line 2: sha256 .* and path .* name different images" err
'

# One image in two test sets (and in train): an export path names its set,
# so each copy is scored by its own prediction.
test_expect_success 'an image in two sets: a path key counts for its set' '
	cat >ov.ini <<-EOF &&
	[task]
	name = ov
	[train]
	select = dataset = genimage and subset = sd14 and split = val and label = fake
	[test a]
	select = dataset = genimage and subset = sd14 and split = val
	[test b]
	select = dataset = genimage and subset = sd14 and split = val
	EOF
	gicat split ov.ini --out ov 2>/dev/null &&
	{
		echo path,score
		(cd ov && find test -type f) | sort |
		sed "s|^test/a/0_real/.*|&,0.2|; s|^test/a/1_fake/.*|&,0.8|
		     s|^test/b/0_real/.*|&,0.7|; s|^test/b/1_fake/.*|&,0.3|"
	} >ov.csv &&
	gicat eval ov.ini --predictions ov.csv --format csv >got &&
	test_grep "^test/a,8,1.0,1.0,1.0,1.0$" got &&
	test_grep "^test/b,8,0.0,0.0,0.0,0.5$" got &&
	sed "s|^test/a/[01]_[a-z]*/\([0-9a-f]*\)\.[a-z]*,|\1,|; /^test.b/d; s/^path/sha256/" ov.csv >bysha.csv &&
	gicat eval ov.ini --predictions bysha.csv --format csv >got2 &&
	test_grep "^test/a,8,1.0,1.0,1.0,1.0$" got2 &&
	test_grep "^test/b,8,1.0,1.0,1.0,1.0$" got2
'

test_expect_success 'paths relative to the test directory are said to be relative to --out' '
	{ echo path,score; (cd ov/test && find . -type f | sed "s|^\./||; s|\$|,0.5|"); } >rel.csv &&
	test_expect_code 1 gicat eval ov.ini --predictions rel.csv 2>err &&
	test_grep "line 2: path .[ab]/[01]_[a-z]*/[0-9a-f]*\.[a-z]*. is no file an export of this task wrote nor an entry.s path, though its name begins the sha256 of the task.s image [0-9a-f]\{16\}: an exported path is relative to --out (test/NAME/...), or absolute$" err &&
	test_grep "^gicat: eval: .rel.csv.: no prediction names an image of the task: 16 paths name no file, though the file name begins an image.s sha256: paths are relative to the export.s --out (.test/NAME/....) or absolute$" err
'

test_done
