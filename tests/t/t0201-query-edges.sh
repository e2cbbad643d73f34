#!/bin/sh
# The query language against a hostile user: quotes and SQL in every
# value position, globs, limits, numbers at their ends, and the output
# formats of file names holding commas, quotes and control characters.
. "$(dirname "$0")/lib.sh"

fixture_catalog
P=$(gicat query --format paths --limit 1 "format = png")
mkdir h && for n in 'a,b.png' 'q"uote.png' "new
line.png" "esc$(printf '\033')[31m.png" "it's.png" 'x;DROP TABLE entries;--.png' \
	'[br]*?.png'; do cp "data/$P" "h/$n"; done
gicat ingest --layout flat --dataset hostile h 2>/dev/null
ALL=$(gicat query --count)

test_expect_success 'SQL in values is a value: quotes doubled, backslash ordinary' '
	test "$(gicat query --count "path = '"'"'h/it'"''"'s.png'"'"'")" -eq 1 &&
	test "$(gicat query --count "path = \"h/q\"\"uote.png\"")" -eq 1 &&
	test "$(gicat query --count "path = '"'"'h/x;DROP TABLE entries;--.png'"'"'")" -eq 1 &&
	test "$(gicat query --count "path = '"'"'x'"''"'; DROP TABLE entries; --'"'"'")" -eq 0 &&
	test_expect_code 2 gicat query --count "generator = '"'"'a\\'"'"' or 1=1 --" &&
	test "$(gicat query --count)" -eq "$ALL"
'

test_expect_success 'globs: brackets match themselves inside a class' '
	test "$(gicat query --count "path ~ '"'"'h/[[]br]*'"'"'")" -eq 1 &&
	test "$(gicat query --count "path ~ '"'"'*[*]*'"'"'")" -eq 1 &&
	test "$(gicat query --count "dataset = hostile and path ~ '"'"'h/[^a]*'"'"'")" -eq 6
'

test_expect_success 'limits are usage errors, not crashes' '
	"$PY" -c "print(\"(\" * 10000 + \"class = 1\" + \")\" * 10000)" >deep &&
	test_expect_code 2 gicat query --count "$(cat deep)" &&
	"$PY" -c "print(\"not \" * 10000 + \"class = 1\")" >nots &&
	test_expect_code 2 gicat query --count "$(cat nots)" &&
	"$PY" -c "print(\" or \".join(\"class = 1\" for _ in range(502)))" >ors &&
	test_expect_code 2 gicat query --count "$(cat ors)" &&
	"$PY" -c "print(\"class in (\" + \",\".join(\"1\" for _ in range(10000)) + \")\")" >in10k &&
	gicat query --count "$(cat in10k)" &&
	"$PY" -c "print(\"license in (\" + \",\".join(\"a\" for _ in range(10000)) + \")\")" >lic &&
	test "$(gicat query --count "$(cat lic)" 2>/dev/null)" -eq 0 &&
	"$PY" -c "print(\"path = '"'"'\" + \"a\" * 70000 + \"'"'"'\")" >big &&
	test_expect_code 2 gicat query --count "$(cat big)"
'

test_expect_success 'a keyword as a bare value: the error says to quote it' '
	for e in "dataset = or" "generator = in" "label = not" \
		"subset in (adm, AND)"; do
		test_expect_code 2 gicat query --count "$e" 2>err &&
		kw=${e##* } && kw=${kw%)} &&
		test_grep "expected a value after .*: .$kw. is a keyword here: quote a value that is spelled like one (.$kw.)$" err ||
		return 1
	done &&
	test "$(gicat query --count "dataset = '"'"'or'"'"'")" -eq 0
'

test_expect_success 'numbers at their ends' '
	test_expect_code 2 gicat query --count "class = 99999999999999999999" &&
	test "$(gicat query --count "class < 99999999999999999999")" -eq "$(gicat query --count "class != null")" &&
	test_expect_code 2 gicat query --count "width > 1e3" &&
	test_expect_code 2 gicat query --count "class = 0x10" &&
	test_expect_code 2 gicat query --count "class in 99..0"
'

test_expect_success 'hostile file names: csv quoted, jsonl escaped, table shows control bytes' '
	gicat query --fields path,dataset --format csv "dataset = hostile" >out.csv &&
	gicat query --fields path --format jsonl "dataset = hostile" >out.jsonl &&
	"$PY" -c "
import csv, json
rows = list(csv.reader(open(\"out.csv\", newline=\"\")))
assert len(rows) == 8 and all(len(r) == 2 for r in rows), rows
got = sorted(json.loads(l)[\"path\"] for l in open(\"out.jsonl\"))
assert \"h/new\nline.png\" in got and \"h/q\\\"uote.png\" in got, got
" &&
	gicat query --fields path "dataset = hostile" >out.table &&
	! grep -q "$(printf "\033")" out.table &&
	grep -F "h/esc\\x1b[31m.png" out.table
'

test_done
