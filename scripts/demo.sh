#!/bin/sh
# demo.sh - `make demo`: a small GenImage-like tree, a catalog, an ingest,
# stats and two queries, all under ./demo (removed and remade each run).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/demo
gicat=$top/gicat
rm -rf "$out"
mkdir -p "$out"
say() { printf '\n== %s\n' "$*"; }

say "generating a mini-GenImage tree in demo/data (8 generators, a few hundred real and fake images, 3 corrupt files)"
"$top/build/fixtures/mkgenimage" --scale 2 "$out/data"

say "gicat init demo/catalog"
"$gicat" init "$out/catalog"
export GICAT_DIR="$out/catalog"

say "gicat ingest --val-labels LOC_val_solution.csv genimage   (exit 1: three files are corrupt on purpose)"
(cd "$out/data" && "$gicat" ingest --val-labels LOC_val_solution.csv genimage) || true

say "gicat stats"
"$gicat" stats

say "gicat query --group-by generator,label,split \"label = fake and class in 0..499\""
"$gicat" query --group-by generator,label,split "label = fake and class in 0..499"

say "gicat query --limit 5 \"generator = adm and format = png\""
"$gicat" query --limit 5 "generator = adm and format = png"

say "gicat verify --full"
"$gicat" verify --full

printf '\nThe tree is in %s/data, the catalog in %s/catalog/.gicat.\n' "$out" "$out"
printf 'Try: GICAT_DIR=%s/catalog %s query --format jsonl --limit 2\n' "$out" "$gicat"
