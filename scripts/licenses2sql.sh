#!/bin/sh
# licenses2sql.sh [TSV [MIGRATION]] - writes the rows of the license
# registry into its migration: everything after the marker line of
# MIGRATION (default migrations/0006-licenses.sql) is replaced by one INSERT
# of the rows of TSV (default schema/licenses.tsv).  Edit the TSV, then run
# this; tests/t/t0900-audit-license-bias.sh fails when the two disagree.
# TSV columns: id, name, url (may be empty), commercial, redistribution,
# attribution, share_alike (0 or 1 each), terms; a header line first.
set -eu
tsv=${1:-schema/licenses.tsv}
sql=${2:-migrations/0006-licenses.sql}
marker='-- rows of schema/licenses.tsv (scripts/licenses2sql.sh writes what follows: edit the TSV)'

grep -qxF -e "$marker" "$sql" || { echo "licenses2sql: no marker line in $sql" >&2; exit 1; }
tmp=$sql.tmp.$$
trap 'rm -f "$tmp"' EXIT
{
	awk -v m="$marker" '{ print } $0 == m { exit }' "$sql"
	awk -F '\t' '
	function q(s) { gsub(/'\''/, "'\'''\''", s); return "'\''" s "'\''" }
	NR == 1 { next }
	NF != 8 { printf "licenses2sql: line %d: %d fields, not 8\n", NR, NF > "/dev/stderr"; bad = 1; exit 1 }
	{
		for (i = 4; i <= 7; i++)
			if ($i != "0" && $i != "1") {
				printf "licenses2sql: line %d: field %d must be 0 or 1\n", NR, i > "/dev/stderr"
				bad = 1; exit 1
			}
		row[++n] = sprintf("(%s, %s, %s, %s, %s, %s, %s, %s)", q($1), q($2),
			$3 == "" ? "NULL" : q($3), q($8), $4, $5, $6, $7)
	}
	END {
		if (bad) exit 1
		print "INSERT INTO licenses (id, name, url, terms, commercial, redistribution, attribution, share_alike) VALUES"
		for (i = 1; i <= n; i++)
			print row[i] (i < n ? "," : ";")
	}' "$tsv"
} >"$tmp"
mv "$tmp" "$sql"
trap - EXIT
