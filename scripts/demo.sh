#!/bin/sh
# demo.sh - `make demo`: a small GenImage-like tree, a catalog, an ingest,
# stats, the rejected files and two queries, a URL list fetched (twice), a
# task materialized and checked for leaks, the degraded task (twice: the
# second run reuses every derivation), license and bias audits, sample
# predictions scored, and the bias-controlled task that takes the
# shortcuts away (its audit and the same predictions); all under ./demo
# (removed and remade each run; GICAT_DEMO_OUT names another directory,
# as the tests do).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${GICAT_DEMO_OUT:-$top/demo}
gicat=$top/gicat
rm -rf "$out"
mkdir -p "$out"
say() { printf '\n== %s\n' "$*"; }
server=""
trap '[ -z "$server" ] || kill "$server" 2>/dev/null' EXIT

# fetch_demo: a URL list of good and broken URLs, served on 127.0.0.1 by
# the tests' fault-injecting server, fetched twice: the second run takes
# only what failed (one URL answered 404 only the first time).
fetch_demo() {
	web=$out/web
	mkdir -p "$web"
	g=$out/data/genimage
	cp "$g/stable_diffusion_v_1_4/imagenet_ai_0419_sdv4/train/ai/033_sdv4_00152.png" "$web/truncated.png"
	find "$g/Midjourney" -name '*.png' | sort | head -3 | while read -r f; do cp "$f" "$web/"; done
	find "$g/ADM" -name '*.JPEG' | sort | head -3 | while read -r f; do cp "$f" "$web/"; done
	python3 "$top/tests/fetch/server.py" --root "$web" --port-file "$web/.port" \
		--log /dev/null --lifetime 120 &
	server=$!
	while [ ! -s "$web/.port" ]; do sleep 0.05; done
	base=http://127.0.0.1:$(cat "$web/.port")
	say "a URL list for a local server, demo/urls.csv (some URLs broken on purpose)"
	{
		echo "url,label,generator"
		n=0
		for f in $(cd "$web" && ls | grep -v truncated); do
			case "$f" in *.png) lab=fake gen=midjourney ;; *) lab=real gen= ;; esac
			route=img
			case $n in 1) route=flaky ;; 2) route=redirect ;; 4) route=once404 ;; esac
			echo "$base/$route/$f,$lab,$gen"
			n=$((n + 1))
		done
		echo "$base/img/truncated.png,fake,midjourney"
		echo "$base/html/page.png,fake,midjourney"
		echo "$base/status/404,real,"
		echo "$base/loop,real,"
	} >"$out/urls.csv"
	sed 's|^|  |' "$out/urls.csv"

	say "gicat fetch --dataset web --retries 2 demo/urls.csv   (exit 1: some URLs are broken on purpose)"
	"$gicat" fetch --dataset web --retries 2 "$out/urls.csv" || true

	say "gicat fetch --status --dataset web demo/urls.csv"
	"$gicat" fetch --status --dataset web "$out/urls.csv" || true

	say "gicat fetch --dataset web --retries 2 demo/urls.csv   (again: only the failures are tried; one now answers)"
	"$gicat" fetch --dataset web --retries 2 "$out/urls.csv" || true
	kill "$server" 2>/dev/null
	server=""
}

say "generating a mini-GenImage tree in demo/data (8 generators, a few hundred real and fake images, 3 corrupt files)"
"$top/build/fixtures/mkgenimage" --scale 2 --matched-reals 4 "$out/data"

say "gicat init demo/catalog"
"$gicat" init "$out/catalog"
export GICAT_DIR="$out/catalog"

say "gicat ingest --val-labels LOC_val_solution.csv genimage   (exit 1: three files are corrupt on purpose; one val photo is missing from the labels file on purpose)"
(cd "$out/data" && "$gicat" ingest --val-labels LOC_val_solution.csv genimage) || true

say "gicat stats"
"$gicat" stats

say "gicat stats --rejects   (the files ingest refused, and why)"
"$gicat" stats --rejects

say "gicat query --group-by generator,label,split \"label = fake and class in 0..499\""
"$gicat" query --group-by generator,label,split "label = fake and class in 0..499"

say "gicat query --limit 5 \"generator = adm and format = png\""
"$gicat" query --limit 5 "generator = adm and format = png"

say "gicat verify --full"
"$gicat" verify --full

fetch_demo

say "gicat split genimage/cross-sd14 --out demo/sd14   (train on SD V1.4, test on all eight)"
"$gicat" split genimage/cross-sd14 --out "$out/sd14"
ls "$out/sd14" "$out/sd14/train"

say "gicat leakcheck genimage/cross-sd14"
"$gicat" leakcheck genimage/cross-sd14 || true

say "gicat split genimage/degraded --out demo/degraded   (six degraded test sets), then again with --force (the derived images are reused)"
"$gicat" split genimage/degraded --out "$out/degraded"
"$gicat" split genimage/degraded --out "$out/degraded" --force
ls "$out/degraded/test"

say "gicat audit license --use commercial --task genimage/cross-sd14   (exit 1: GenImage forbids it)"
"$gicat" audit license --use commercial --task genimage/cross-sd14 \
	--html "$out/license.html" >"$out/license.txt" || true
head -7 "$out/license.txt"
echo "... $(grep -c '^forbidden' "$out/license.txt") forbidden images listed in demo/license.txt; page: demo/license.html"

say "gicat audit bias --task genimage/cross-sd14   (trivial rules that need no pixels)"
"$gicat" audit bias --task genimage/cross-sd14 --html "$out/bias.html" >"$out/bias.txt"
grep -E '^(set|test/sd14) ' "$out/bias.txt" | head -6
echo "... every set in demo/bias.txt; charts in demo/bias.html"

# format_detector DIR: the scores of a 'detector' that only looks at the
# file format (PNG => fake) for the test images under DIR, as path,score
format_detector() {
	find "$1/test" -type f \( -name '*.png' -o -name '*.jpg' \) | sort | while read -r f; do
		case "$f" in *.png) echo "$f,0.9" ;; *) echo "$f,0.1" ;; esac
	done | sed '1i path,score'
}

say "sample predictions from a 'detector' that only looks at the file format (PNG => fake)"
format_detector "$out/sd14" >"$out/predictions.csv"
head -3 "$out/predictions.csv"

say "gicat eval genimage/cross-sd14 --predictions demo/predictions.csv"
"$gicat" eval genimage/cross-sd14 --predictions "$out/predictions.csv"
echo "(100%: GenImage's format bias -- every fake is PNG, every real JPEG.)"

say "gicat split genimage/unbiased-sd14 --out demo/unbiased   (reals: JPEG q96 near 512 px; fakes re-encoded at q96; all cropped to 448)"
"$gicat" split genimage/unbiased-sd14 --out "$out/unbiased"

say "gicat audit bias --task genimage/unbiased-sd14   (the same rules, over all its sets)"
"$gicat" audit bias --task genimage/unbiased-sd14 >"$out/bias-unbiased.txt"
grep -E '^(set|\(all\)) ' "$out/bias-unbiased.txt" | head -6
echo "(over all its sets no rule that needs no pixels does much better than chance; a"
echo " threshold fitted to one set of 8 images may still split most of them; every set"
echo " in demo/bias-unbiased.txt)"

say "gicat eval genimage/unbiased-sd14 --predictions demo/predictions-unbiased.csv   (the same format-only detector)"
format_detector "$out/unbiased" >"$out/predictions-unbiased.csv"
"$gicat" eval genimage/unbiased-sd14 --predictions "$out/predictions-unbiased.csv"
echo "(50%: with the format, quality and size shortcuts gone, the format-only detector is guessing.)"

printf '\nThe tree is in %s/data, the catalog in %s/catalog/.gicat,\n' "$out" "$out"
printf 'the cross-sd14 split in %s/sd14, the degraded one in %s/degraded,\n' \
	"$out" "$out"
printf 'the unbiased one in %s/unbiased.\n' "$out"
printf 'Try: GICAT_DIR=%s/catalog %s query --format jsonl --limit 2\n' "$out" "$gicat"
