#!/bin/sh
# The query command: the expression language, output formats, --count,
# --group-by, --limit, and errors that point at the offending column.
. "$(dirname "$0")/lib.sh"

fixture_catalog
exp() { awk -F "\t" "NR > 1 && \$7 == \"ok\" && ($1)" data/expected.tsv | wc -l; }

test_expect_success 'counts agree with the fixture for =, !=, and, or, not, parentheses' '
	test "$(gicat query --count "generator = sd14")" -eq "$(exp "\$2 == \"sd14\"")" &&
	test "$(gicat query --count "label = fake and split != train")" -eq "$(exp "\$3 == \"fake\" && \$4 != \"train\"")" &&
	test "$(gicat query --count "generator = adm or generator = glide")" -eq "$(exp "\$2 == \"adm\" || \$2 == \"glide\"")" &&
	test "$(gicat query --count "not (label = real or split = val)")" -eq "$(exp "\$3 != \"real\" && \$4 != \"val\"")"
'

test_expect_success 'in lists, numeric ranges, comparisons and globs' '
	test "$(gicat query --count "generator in (adm, '"'"'vqdm'"'"')")" -eq "$(exp "\$2 == \"adm\" || \$2 == \"vqdm\"")" &&
	test "$(gicat query --count "class in 0..99")" -eq "$(exp "\$5 != \"\" && \$5 <= 99")" &&
	test "$(gicat query --count "width >= 512 and label = fake")" -eq "$(exp "\$2 ~ /sd1|wukong|midjourney/")" &&
	test "$(gicat query --count "path ~ \"*.PNG\"")" -eq "$(exp "\$1 ~ /\\.PNG\$/")"
'

test_expect_success 'csv has a header of field names; jsonl one object per line' '
	gicat query --format csv --limit 3 >out.csv &&
	head -1 out.csv | grep "^sha256,dataset,generator,subset,label,split,class," &&
	test "$(wc -l <out.csv)" -eq 4 &&
	gicat query --format jsonl "generator = biggan" >out.jsonl &&
	test "$(wc -l <out.jsonl)" -eq "$(exp "\$2 == \"biggan\"")" &&
	python3 -c "
import json, sys
for l in open(\"out.jsonl\"):
    o = json.loads(l)
    assert o[\"generator\"] == \"biggan\" and isinstance(o[\"class\"], int), o
    assert len(o[\"phash\"]) == 16 and len(o[\"sha256\"]) == 64, o
"
'

test_expect_success 'paths format prints original paths, one per line' '
	gicat query --format paths "generator = midjourney" >paths &&
	while read p; do test -f "data/$p"; done <paths &&
	test "$(wc -l <paths)" -eq "$(exp "\$2 == \"midjourney\"")"
'

test_expect_success '--group-by counts per group' '
	gicat query --format csv --group-by generator,label "label = fake" >g &&
	head -1 g | grep "^generator,label,count$" &&
	grep "^sd14,fake,$(exp "\$2 == \"sd14\"")$" g
'

test_expect_success 'an EXPR the shell cut at an unquoted > gets a note saying to quote it; a file named by the rest is what the shell made' '
	test_expect_code 2 gicat query --count width > 300 2>err &&
	test -f 300 && rm 300 &&
	test_grep "^gicat: query: expected an operator after .width., got end of expression (operators: = != < <= > >= ~ in)$" err &&
	test_grep "^gicat: query: note: EXPR is field op value, and the shell takes an unquoted > or >= for itself (the output goes to a file named by what follows): gicat query .width > 300.$" err &&
	test_expect_code 2 gicat stats "width 300" 2>err &&
	test_grep "^gicat: stats: note: EXPR is field op value.*gicat stats .width > 300.$" err &&
	test_expect_code 2 gicat query "width >" 2>err && ! grep "note:" err
'

test_expect_success 'SQL words where an operator goes get the operator gicat spells them with, and no note about the shell' '
	for q in "class is null:is.: a missing value is class = null (or != null)" \
		"class_name LIKE tench:LIKE.: a pattern is class_name ~ .GLOB. (.tench\*.)" \
		"width between 1 and 2:between.: a range is width in LOW..HIGH"; do
		test_expect_code 2 gicat query "${q%%:*}" 2>err &&
		test_grep "^gicat: query: expected an operator after .${q%% *}., got .${q#*:}$" err &&
		! grep "note:" err || return 1
	done
'

test_expect_success 'a path where EXPR goes: the error says how to select entries by path' '
	test_expect_code 2 gicat query data/genimage/ADM/x.png 2>err &&
	test_grep "^gicat: query: note: EXPR is field op value; entries by path: gicat query \"path = .data/genimage/ADM/x.png.\" (a tree: \"path ~ .dir/\*.\")$" err &&
	test_expect_code 2 gicat rm x.png 2>err && test_grep "gicat rm \"path = .x.png.\"" err &&
	test_expect_code 2 gicat query genrator = adm 2>err && ! grep "entries by path" err &&
	touch "my photo.png" && test_expect_code 2 gicat rm "my photo.png" 2>err &&
	test_grep "^gicat: rm: note: .*gicat rm \"path = .my photo.png.\"" err &&
	test_expect_code 2 gicat rm 602a7f 2>err &&
	test_grep "^gicat: rm: note: EXPR is field op value; an image by hash: gicat rm \"sha256 ~ .602a7f\*.\"$" err &&
	h=$(printf "%064d" 7) &&
	test_expect_code 2 gicat query $h 2>err &&
	test_grep "an image by hash: gicat query \"sha256 = .$h.\"$" err &&
	test_expect_code 2 gicat query face 2>err && ! grep "by hash" err &&
	touch ./-x.png && test_expect_code 2 gicat query path = -x.png 2>err &&
	test "$(head -1 err)" = "gicat: query: ${SQ}-x.png${SQ}: unknown option; a value starting with ${SQ}-${SQ} is quoted, and the quotes too: gicat query \"path = ${SQ}-x.png${SQ}\"" &&
	test_expect_code 2 gicat rm class_name != --y 2>err &&
	test_grep "gicat rm \"class_name != .--y.\"$" err
'

test_expect_success 'rm with a blank EXPR (a script'"'"'s empty variables) is refused, nothing removed' '
	n=$(gicat query --count) &&
	E= &&
	for args in "\"\"" "\" \"" "\"\" \"\"" "\"\$E\" \"\$E\"" "\"	\""; do
		eval "test_expect_code 2 gicat rm $args" 2>err &&
		test_grep "^gicat: rm: EXPR is blank: say which entries to remove$" err || return 1
	done &&
	test "$(gicat query --count)" -eq "$n"
'

test_expect_success 'an unknown field is a usage error pointing at its column' '
	test_expect_code 2 gicat query "label = fake and genrator = sd14" 2>err &&
	test_grep "unknown field .genrator." err &&
	sed -n 3p err >caret && test "$(cut -d^ -f1 caret | wc -c)" -eq 20 &&
	test_expect_code 2 gicat query --group-by genrator 2>err &&
	test_grep "group-by: unknown field .genrator. (did you mean .generator.?)" err &&
	test_expect_code 2 gicat query --fields path,witdh 2>err &&
	test_grep "fields: unknown field .witdh. (did you mean .width.?)" err &&
	test_expect_code 2 gicat query --fields path,quality 2>err &&
	test_grep "fields: unknown field .quality. (did you mean .jpeg_quality.?)" err &&
	test_expect_code 2 gicat query "path ~ *adm*" 2>err &&
	test_grep "unexpected character .\*. (a glob is a string: path ~ .\*adm\*.)" err
'

test_expect_success 'a field named as other tools name it, or by its start, gets the field; one close to none the list' '
	for c in "sha ~ 602a|(did you mean .sha256.?)" "size > 100|(did you mean .bytes.?)" \
		"bogus = 1|(.gicat help query. lists the fields)"; do
		test_expect_code 2 gicat query "${c%%|*}" 2>err &&
		test_grep "unknown field .${c%% *}. ${c#*|}$" err || return 1
	done &&
	test_expect_code 2 gicat query --group-by bogus 2>err &&
	test_grep "group-by: unknown field .bogus. (.gicat help query. lists the fields)" err
'

test_expect_success 'a generator id no entry has is not taken for a misspelling of another' '
	gicat init onegen 2>/dev/null &&
	test_expect_code 1 gicat --catalog onegen ingest data/genimage/ADM 2>/dev/null &&
	test "$(gicat --catalog onegen query --count "generator = vqdm" 2>err)" -eq 0 &&
	test "$(cat err)" = "gicat: query: note: no entry has generator ${SQ}vqdm${SQ} (there are: adm)"
'

test_expect_success 'an unquoted ~ the shell made the home directory is named as such' '
	test_expect_code 2 env HOME=/home/ann gicat query --count class_name /home/ann tench 2>err &&
	test_grep "^gicat: query: unexpected character ./.$" err &&
	test_grep "^gicat: query: note: the shell made an unquoted ~ your home directory (/home/ann): quote the expression: gicat query \"class_name ~ ${SQ}tench\*${SQ}\"$" err &&
	test_expect_code 2 env HOME=/home/ann gicat query --count "path = /home/annex" 2>err &&
	! test_grep "home directory" err
'

test_expect_success 'an empty name in --fields or --group-by is an error, not skipped' '
	for l in "path,,sha256" "path," ",path" "path, ,sha256"; do
		test_expect_code 2 gicat query --fields "$l" >out 2>err && ! test -s out &&
		test_grep "^gicat: query: --fields: empty field name in .$l." err &&
		test_expect_code 2 gicat query --group-by "$l" >out 2>err && ! test -s out &&
		test_grep "^gicat: query: --group-by: empty field name" err || return 1
	done &&
	gicat query --limit 1 --fields "path, sha256" >out && test_grep "^path  *sha256" out
'

test_expect_success 'a long expression is echoed as a window around the error' '
	e=$(python3 -c "print(\"label = fake or \" * 400 + \"genrator = x\" + \" or label = real\" * 99)") &&
	test_expect_code 2 gicat query "$e" 2>err &&
	test "$(wc -l <err)" -eq 3 && test "$(wc -c <err)" -lt 400 &&
	sed -n 2p err >line && sed -n 3p err >caret &&
	test_grep "^  \.\.\..*\.\.\.$" line &&
	test "$(cut -d^ -f1 caret | wc -c)" -eq "$(sed "s/genrator.*//" line | wc -c)" &&
	test_expect_code 2 gicat query "label = fake and genrator = sd14" 2>err &&
	! grep -F ... err
'

test_expect_success 'options that would be ignored together are usage errors' '
	for o in "--group-by label --format paths" "--group-by label --fields sha256" \
		"--format paths --fields sha256" "--count --limit 3" "--count --format jsonl" \
		"--count --fields path" "--group-by label,label" "--fields path,Path"; do
		test_expect_code 2 gicat query $o >out 2>err && ! test -s out &&
		test_grep "^gicat: query: " err || return 1
	done &&
	test_grep "'"'"'path'"'"' twice" err &&
	gicat query --count --group-by label --format csv >out && test_grep "^label,count$" out &&
	test "$(gicat query --group-by label --limit 1 | wc -l)" -eq 2
'

test_expect_success 'bad tokens are usage errors, not crashes' '
	for e in "label =" "(label = fake" "label = fake)" "class = abc" "label == fake" "path ~" "class in 5..";
	do test_expect_code 2 gicat query "$e" 2>err || exit 1; done &&
	test_expect_code 2 gicat query "class = ${SQ}${SQ}" 2>err &&
	test "$(head -1 err)" = "gicat: query: ${SQ}class${SQ} takes an integer or a wnid, got an empty string" &&
	test_expect_code 2 gicat query "width = ${SQ}abc${SQ}" 2>err &&
	test "$(head -1 err)" = "gicat: query: ${SQ}width${SQ} takes an integer, got ${SQ}abc${SQ}"
'

test_expect_success 'a glob longer than SQLite takes is a usage error at its column, not a failed query' '
	long=$($PY -c "print(\"*\" + \"x\" * 50000)") &&
	test_expect_code 2 gicat query --count "label = fake or path ~ ${SQ}$long${SQ}" 2>err &&
	test_grep "^gicat: query: a glob is at most 50000 bytes, not 50001$" err &&
	test "$(sed -n 3p err)" = "  $(printf "%23s")^" &&
	test "$(gicat query --count "path ~ ${SQ}${long#?}${SQ}")" -eq 0
'

test_expect_success 'a value no image can have is a usage error naming the ones it can' '
	test_expect_code 2 gicat query "label = FAKE" 2>err &&
	test_grep "label is .real. or .fake., not .FAKE." err &&
	test_expect_code 2 gicat query "split = training" 2>err &&
	test_grep "split is .train., .val. or .test., not .training." err &&
	test "$(gicat query --count "split in (train, val, test)")" -eq "$(gicat query --count "split != null")" &&
	test_expect_code 2 gicat query "format in (png, gif)" 2>err &&
	test_grep "format is .png. or .jpeg., not .gif." err &&
	test_expect_code 2 gicat query "class in (3, crane)" 2>err &&
	test_grep "^gicat: query: .class. takes an integer or a wnid, got .crane., a name of classes 134 (n02012849) and 517 (n03126707)$" err &&
	test_expect_code 2 gicat query "class = dog" 2>err &&
	test_grep "got .dog. (class_name ~ .\*dog\*. finds the classes whose names hold it)$" err &&
	test "$(gicat query --count "class_name ~ ${SQ}*goldfish*${SQ}")" -eq "$(gicat query --count "class = 1")" &&
	test_expect_code 2 gicat query "class = n0144" 2>err &&
	test_grep "got .n0144. (a wnid is .n. and 8 digits)$" err &&
	test_expect_code 2 gicat query "class = n99999999" 2>err &&
	test_grep "no ImageNet class has wnid .n99999999." err &&
	test "$(gicat query --count "wnid = n99999999")" -eq 0 &&
	test_expect_code 2 gicat query "wnid in (n01440764, dog)" 2>err &&
	test_grep "a wnid is .n. and 8 digits, not .dog." err &&
	test_expect_code 2 gicat query "class != 1000" 2>err &&
	test_grep "class is 0..999, not 1000" err &&
	test "$(gicat query --count "label ~ \"f*\"")" -eq "$(gicat query --count "label = fake")" &&
	test "$(gicat query --count "class in 990..2000")" -eq "$(exp "\$5 != \"\" && \$5 >= 990")" &&
	test_expect_code 2 gicat query "class in 1000..2000" 2>err &&
	test_grep "class is 0..999: no class is in 1000..2000" err &&
	test_expect_code 2 gicat query "class in -5..-1" 2>err
'

test_expect_success '--count with --group-by counts per group' '
	gicat query --count --group-by label >a &&
	gicat query --group-by label >b &&
	test_cmp b a
'

test_expect_success 'quotes in values cannot inject SQL' '
	test "$(gicat query --count "generator = '"'"'x'"'"''"'"' or 1=1 --'"'"'")" -eq 0 &&
	test "$(gicat query --count "generator = \"x\"\" or \"\"1\"\"=\"\"1\"")" -eq 0 &&
	test "$(gicat query --count)" -gt 0
'

test_expect_success 'every command taking EXPR takes it unquoted, as several arguments' '
	test "$(gicat query --count label = fake)" = "$(gicat query --count "label = fake")" &&
	gicat stats "label = fake and subset = adm" >one &&
	gicat stats label = fake and subset = adm >several && test_cmp one several &&
	gicat dedup --format csv "label = real" >one 2>/dev/null &&
	gicat dedup --format csv label = real >several 2>/dev/null && test_cmp one several &&
	{ gicat audit bias "label = fake or subset = adm" >one 2>/dev/null || :; } &&
	{ gicat audit bias label = fake or subset = adm >several 2>/dev/null || :; } &&
	test -s one && test_cmp one several
'

test_expect_success 'an empty answer names the value no entry has, and what there is' '
	test "$(gicat query --count "generator = Midjourney" 2>err)" -eq 0 &&
	test "$(cat err)" = "gicat: query: note: no entry has generator '"'"'Midjourney'"'"'; did you mean '"'"'midjourney'"'"'?" &&
	gicat query "label = fake and split = test" >out 2>err &&
	test_grep "^gicat: query: note: no entry has split .test. (there are: train, val)$" err &&
	mkdir -p many && for i in $(seq -w 1 80); do
		mkdir -p many/set0$i && cp "$SHARED/data/pngsuite/basn0g08.png" many/set0$i/ || return 1
	done &&
	(cd many && gicat --catalog "$GICAT_DIR" ingest set0* 2>/dev/null) &&
	gicat query --count "dataset = SET079" >out 2>err &&
	test_grep "did you mean .set079.?$" err &&
	gicat rm "dataset ~ ${SQ}set0*${SQ}" 2>/dev/null &&
	gicat query --count "subset = admm" >out 2>err &&
	test_grep "^gicat: query: note: no entry has subset .admm.; did you mean .adm.?$" err &&
	gicat query --count "generator = stable_diffusion_v_1_4" >out 2>err &&
	test_grep "^gicat: query: note: no entry has generator .stable_diffusion_v_1_4.; did you mean .sd14.?$" err &&
	gicat query --count "subset = ${SQ}SD V1.5${SQ}" >out 2>err &&
	test_grep "^gicat: query: note: no entry has subset .SD V1.5.; did you mean .sd15.?$" err &&
	gicat query --count "generator = adm and class = 999" >out 2>err &&
	! test -s err &&
	for e in "generator != zzz and label = real and label = fake" \
		"not generator = zzz and split = val and split = train" \
		"license = LicenseRef-ImageNet"; do
		gicat query --count "$e" >out 2>err && ! test -s err || return 1
	done &&
	gicat query --count "generator in (adm, nope) and subset = nope2" >out 2>err &&
	test_grep "no entry has subset .nope2." err &&
	gicat query --count "generator = zzz" >out 2>err &&
	test_grep "(there are: adm, biggan, glide, midjourney, sd14, sd15, vqdm, \.\.\.)$" err &&
	gicat query --limit 0 "generator in (adm, zzz)" >out 2>err && ! test -s err &&
	test "$(gicat query --count "generator = adm" 2>err)" -gt 0 && ! test -s err
'

test_expect_success 'the note for an empty answer looks each value of a long list up once' '
	# 2,000 values, one of which an entry has: asking, for each of
	# them, whether any value of the list is there took minutes
	many=$($PY -c "print(\", \".join(\"x%d\" % i for i in range(2000)))") &&
	test "$(timeout 20 gicat query --count "generator in ($many, adm) and dataset = zzz" 2>err)" -eq 0 &&
	test_grep "^gicat: query: note: no entry has dataset .zzz." err &&
	test "$(timeout 20 gicat query --count "generator in ($many) and label = fake" 2>err)" -eq 0 &&
	test_grep "^gicat: query: note: no entry has generator .x0., .x1., .x2., .x3., .x4., .x5., .x6., .x7. or 1992 more (there are: adm, " err &&
	test "$(gicat query --count "generator in (foo, bar)" 2>err)" -eq 0 &&
	test "$(cat err)" = "gicat: query: note: no entry has generator ${SQ}foo${SQ} or ${SQ}bar${SQ} (there are: adm, biggan, glide, midjourney, sd14, sd15, vqdm, ...)"
'

test_expect_success 'class_name = one of a class'"'"'s names: the note gives its whole name, and quotes names with commas' '
	n=$(gicat query --count "class = 0") && test "$n" -gt 0 &&
	test "$(gicat query --count "class_name = ${SQ}tench, Tinca tinca${SQ}" 2>err)" -eq "$n" &&
	! test -s err &&
	for v in tench "${SQ}Tinca tinca${SQ}" Tench; do
		test "$(gicat query --count "class_name = $v" 2>err)" -eq 0 &&
		test_grep "^gicat: query: note: no entry has class_name .[A-Za-z ]*.; did you mean .tench, Tinca tinca.?$" err || return 1
	done &&
	# the values there are: a name holding commas is quoted, as one
	gicat query --count "class_name = crampfish" >out 2>err &&
	test_grep "(there are: .*, ${SQ}chiton, coat-of-mail shell, sea cradle, polyplacophore${SQ}, " err
'

test_expect_success 'a glob that matches nothing: the note says a glob takes the whole value and its case, with what would match' '
	n=$(gicat query --count "class = 0") && test "$n" -gt 0 &&
	test "$(gicat query --count "class_name ~ tench" 2>err)" -eq 0 &&
	test_grep "^gicat: query: note: no entry${SQ}s class_name matches ${SQ}tench${SQ}: a glob matches the whole value, and ${SQ}\*tench\*${SQ} matches ${SQ}tench, Tinca tinca${SQ}$" err &&
	test "$(gicat query --count "class_name ~ ${SQ}*tench*${SQ}")" -eq "$n" &&
	test "$(gicat query --count "class_name ~ ${SQ}*TINCA*${SQ}" 2>err)" -eq 0 &&
	test_grep "^gicat: query: note: no entry${SQ}s class_name matches ${SQ}\*TINCA\*${SQ}: a glob minds case, and ${SQ}tench, Tinca tinca${SQ} matches it ignoring case$" err &&
	test "$(gicat query --count "class_name ~ TINCA" 2>err)" -eq 0 &&
	test_grep "a glob matches the whole value and minds case, and ${SQ}tench, Tinca tinca${SQ} matches ${SQ}\*TINCA\*${SQ} ignoring case$" err &&
	test "$(gicat query --count "path ~ ${SQ}*/nothing-like-this/*${SQ}" 2>err)" -eq 0 &&
	test_grep "^gicat: query: note: no entry${SQ}s path matches ${SQ}\*/nothing-like-this/\*${SQ}$" err &&
	# a glob that matches, in a query that finds nothing, gets no note
	test "$(gicat query --count "class_name ~ ${SQ}*tench*${SQ} and class = 1" 2>err)" -eq 0 &&
	! test -s err &&
	# nor one under not: it excludes, it does not ask
	test "$(gicat query --count "not class_name ~ zzz and width < 0" 2>err)" -eq 0 &&
	! test -s err
'

test_expect_success 'license = ID asks whether an entry has ID among its licenses; in and != too' '
	n=$(gicat query --count) && real=$(gicat query --count "label = real") &&
	test "$(gicat query --count "license = LicenseRef-ImageNet")" -eq "$real" &&
	test "$(gicat query --count "license = LicenseRef-GenImage")" -eq "$n" &&
	test "$(gicat query --count "license != LicenseRef-ImageNet")" -eq $((n - real)) &&
	test "$(gicat query --count "not license = LicenseRef-ImageNet")" -eq $((n - real)) &&
	mj=$(gicat query --count "license = LicenseRef-Midjourney") && test "$mj" -gt 0 &&
	test "$(gicat query --count "license in (LicenseRef-ImageNet, LicenseRef-Midjourney)")" -eq $((real + mj)) &&
	test "$(gicat query --count "license ~ \"*ImageNet\"")" -eq "$real" &&
	test "$(gicat query --count "license = LicenseRef-Gen" 2>err)" -eq 0 &&
	test_grep "^gicat: query: note: no entry has license .LicenseRef-Gen." err &&
	gicat query --count "license = CC-BY-4.0" >out 2>err &&
	test_grep "^gicat: query: note: no entry has license .CC-BY-4.0. (there are: LicenseRef-GenImage, LicenseRef-ImageNet, LicenseRef-Midjourney)$" err &&
	# several ids are that run of them, in the order stored: the hint asks for each
	test "$(gicat query --count "license = ${SQ}LicenseRef-GenImage LicenseRef-ImageNet${SQ}")" -eq "$real" &&
	test "$(gicat query --count "license = ${SQ}LicenseRef-ImageNet LicenseRef-GenImage${SQ}" 2>err)" -eq 0 &&
	test "$(cat err)" = "gicat: query: note: no entry has license ${SQ}LicenseRef-ImageNet LicenseRef-GenImage${SQ}: several ids are that run of them; for each in any order: license = LicenseRef-ImageNet and license = LicenseRef-GenImage" &&
	test "$(gicat query --count "license = LicenseRef-ImageNet and license = LicenseRef-GenImage")" -eq "$real"
'

test_expect_success 'a bound past any 64-bit value is that end of the range; an exact value past it is an error' '
	all=$(gicat query --count) &&
	test "$(gicat query --count "bytes < 99999999999999999999")" = "$all" &&
	test "$(gicat query --count "bytes > -99999999999999999999")" = "$all" &&
	test "$(gicat query --count "class in 0..99999999999999999999")" = "$(gicat query --count "class != null")" &&
	test_expect_code 2 gicat query --count "class = 99999999999999999999" 2>err &&
	test_grep "is out of range" err
'

test_expect_success 'expressions at the nesting and and/or limits run; one past them is a usage error' '
	nots=$($PY -c "print(\"not \" * 24 + \"label = fake\")") &&
	test "$(gicat query --count "$nots")" -eq "$(gicat query --count "label = fake")" &&
	deep=$($PY -c "print(\"not (\" * 12 + \" or \".join([\"label = fake\"] * 301) + \")\" * 12 + \" and label = fake\" * 199)") &&
	gicat query --count "$deep" >/dev/null &&
	test_expect_code 2 gicat query --count "not $nots" 2>err &&
	test_grep "expression nested too deeply (limit 24 levels)" err &&
	# the shapes that cost SQLite most, at the limit: they run
	for shape in "(license = CC0-1.0 or |label = fake|)|24" \
		"(label = real and (label = fake or |label = fake|))|12" \
		"not (class != 3 and not (license in (CC0-1.0, MIT) or |label = fake|))|6" \
		"not (label = real and not (label = fake or |label = fake|))|6"; do
		e=$($PY -c "import sys; a, m, b, n = sys.argv[1].split(\"|\"); n = int(n); print(a * n + m + b * n)" "$shape") &&
		gicat query --count "$e" >/dev/null || return 1
	done &&
	many=$($PY -c "print(\", \".join(\"L%d\" % i for i in range(5000)))") &&
	test "$(gicat query --count "license in ($many, LicenseRef-Midjourney)" 2>/dev/null)" -eq "$(gicat query --count "license = LicenseRef-Midjourney")" &&
	test_expect_code 2 gicat query --count "$deep and label = fake and label = fake" 2>err &&
	test_grep "too many .and./.or. (limit 500); for many values of one field use .in (a, b, ...)." err
'

test_expect_success 'stats prints totals and per-subset counts' '
	gicat stats >out &&
	test_grep "per dataset, subset, generator, label and split" out &&
	test_grep "^genimage  *sd14  *sd14  *fake  *train" out &&
	gicat stats "generator = sd14" >out2 && ! grep biggan out2
'

test_expect_success 'stats shows subset and generator as the query fields name them' '
	gicat stats >out &&
	test_grep "^dataset  *subset  *generator  *label  *split  *entries$" out &&
	test_grep "^genimage  *adm  *-  *real  *train  *4$" out &&
	test_grep "^genimage  *adm  *adm  *fake  *train  *4$" out &&
	test "$(gicat query --count "subset = adm and generator = null and label = real and split = train")" -eq 4
'

test_expect_success 'stats counts images, bytes and short sides as query sees them, with and without EXPR' '
	for e in "" "label = real" "generator = sd14 or class in 0..9"; do
		gicat stats --format json $e >js &&
		gicat query --format csv --fields sha256,bytes,format,mode,short_side $e >rows.csv &&
		"$PY" -c "
import csv, json
d = json.load(open(\"js\"))
rows = list(csv.DictReader(open(\"rows.csv\")))
assert d[\"entries\"] == len(rows), (d, len(rows))
assert d[\"images\"] == len({r[\"sha256\"] for r in rows}) < len(rows), d
assert d[\"entry_bytes\"] == sum(int(r[\"bytes\"]) for r in rows), d
for f in d[\"formats\"]:
    s = [int(r[\"short_side\"]) for r in rows if (r[\"format\"], r[\"mode\"]) == (f[\"format\"], f[\"mode\"])]
    assert (f[\"min_short\"], f[\"max_short\"]) == (min(s), max(s)), f
" || return 1
	done
'

test_expect_success 'stats --format json is one document with the same counts as the table' '
	gicat stats --format json >js &&
	test "$(head -1 js)" = "{" &&
	"$PY" -c "
import json, sys
d = json.load(open(\"js\"))
assert list(d)[:3] == [\"entries\", \"images\", \"entry_bytes\"], list(d)
assert d[\"entries\"] == sum(g[\"entries\"] for g in d[\"groups\"]) == sum(f[\"entries\"] for f in d[\"formats\"])
assert d[\"rejected\"] == 3, d[\"rejected\"]
(g,) = [g for g in d[\"groups\"] if g[\"subset\"] == \"adm\" and g[\"label\"] == \"real\" and g[\"split\"] == \"train\"]
assert g[\"generator\"] is None and g[\"entries\"] == 4, g
" &&
	gicat stats --format json "generator = sd14" >js2 &&
	"$PY" -c "
import json
d = json.load(open(\"js2\"))
assert \"rejected\" not in d and {g[\"generator\"] for g in d[\"groups\"]} == {\"sd14\"}, d
" &&
	gicat stats "generator = Midjourney" >/dev/null 2>err &&
	test_grep "note: no entry has generator .Midjourney.; did you mean .midjourney.?" err &&
	gicat stats --format json "generator = nothing_such" >js3 &&
	"$PY" -c "
import json
d = json.load(open(\"js3\"))
assert (d[\"entries\"], d[\"images\"], d[\"entry_bytes\"], d[\"groups\"]) == (0, 0, 0, []), d
" &&
	test_expect_code 2 gicat stats --format csv 2>err &&
	test_grep "stats: unknown format .csv. (table or json; the rejected files also as csv or jsonl)" err &&
	test_expect_code 2 gicat stats --format json --rejects 2>err &&
	test_grep "JSON lines are jsonl" err
'

test_expect_success 'a path that is not UTF-8 is still a jsonl row (bad bytes as U+FFFD)' '
	mkdir -p nonutf && cp "$SHARED/data/pngsuite/basn0g08.png" "nonutf/bad$(printf "\377\376")utf.png" &&
	gicat ingest --dataset nonutf nonutf 2>/dev/null &&
	gicat query --format jsonl "dataset = nonutf" >rows &&
	test "$(wc -l <rows)" -eq "$(gicat query --count "dataset = nonutf")" &&
	"$PY" -c "
import json
(row,) = [json.loads(l) for l in open(\"rows\", encoding=\"utf-8\")]
assert row[\"path\"].endswith(\"bad\ufffd\ufffdutf.png\"), row[\"path\"]
" &&
	gicat dedup --format jsonl "dataset = nonutf" >/dev/null
'

test_expect_success 'jsonl rows escape what JSON must and keep UTF-8 as it is; json documents agree' '
	mkdir -p odd && i=0 &&
	for name in "q\"uote" "back\\slash" "$(printf "tab\tnl\ncr\rbs\bff\fx\001y\037z\177")" \
		"caf$(printf "\303\251")-$(printf "\360\237\230\200")" "over$(printf "\300\257")long" \
		"sur$(printf "\355\240\200")rogate" "cut$(printf "\342\202")"; do
		i=$((i + 1)) &&
		cp "$SHARED/data/pngsuite/basn0g08.png" "odd/$i-$name.png" || exit 1
	done &&
	gicat ingest --dataset odd odd 2>/dev/null &&
	gicat query --format jsonl --fields path,width "dataset = odd" >rows &&
	"$PY" -c "
import json, os
got = sorted(json.loads(l)[\"path\"] for l in open(\"rows\", \"rb\"))
# each byte that is not UTF-8 becomes one U+FFFD
fix = lambda n: \"\".join(\"\\ufffd\" if 0xdc80 <= ord(c) <= 0xdcff else c for c in n.decode(\"utf-8\", \"surrogateescape\"))
want = sorted(\"odd/\" + fix(n) for n in os.listdir(b\"odd\"))
assert got == want, (got, want)
" &&
	h=$(gicat query --format csv --fields sha256 "dataset = odd" | sed -n 2p) &&
	gicat show --format json $h >doc.json &&
	"$PY" -c "
import json
d = json.load(open(\"doc.json\", \"rb\"))
rows = sorted(json.loads(l)[\"path\"] for l in open(\"rows\", \"rb\"))
assert sorted(e[\"path\"] for e in d[\"entries\"] if e[\"dataset\"] == \"odd\") == rows, d[\"entries\"]
"
'

test_expect_success 'csv quotes what RFC 4180 needs: a csv reader gets every path back' '
	mkdir -p "\"csvq" && i=0 &&
	for name in "com,ma" "q\"uote" "$(printf "nl\nx")" "$(printf "cr\rx")" "plain" " spaced "; do
		i=$((i + 1)) &&
		cp "$SHARED/data/pngsuite/basn0g08.png" "\"csvq/$i-$name.png" || exit 1
	done &&
	gicat ingest --dataset csvq "\"csvq" 2>/dev/null &&
	gicat query --format csv --fields path,dataset "dataset = csvq" >rows.csv &&
	"$PY" -c "
import csv, os
rows = list(csv.reader(open(\"rows.csv\", newline=\"\"), strict=True))
assert rows[0] == [\"path\", \"dataset\"], rows[0]
assert all(len(r) == 2 and r[1] == \"csvq\" for r in rows[1:]), rows
assert sorted(r[0] for r in rows[1:]) == sorted(\"\\\"csvq/\" + n for n in os.listdir(\"\\\"csvq\")), rows
"
'

test_expect_success 'tables show control characters of a path as \xNN: a file name cannot drive the terminal' '
	mkdir -p esc && cp "$SHARED/data/pngsuite/basn0g08.png" "esc/$(printf "a\033[31mred")" &&
	printf junk >"esc/$(printf "b\033]0;title\007.png")" &&
	test_expect_code 1 gicat ingest --dataset esc esc 2>/dev/null &&
	gicat query --fields path "dataset = esc" >out &&
	! grep -q "$(printf "\033")" out && grep -qF "esc/a\\x1b[31mred" out &&
	gicat stats --rejects >out &&
	! grep -q "$(printf "\033")" out && ! grep -q "$(printf "\007")" out &&
	grep -qF "esc/b\\x1b]0;title\\x07" out &&
	gicat query --format paths "dataset = esc" | grep -q "$(printf "\033")" &&
	mkdir -p c1 && cp "$SHARED/data/pngsuite/basn2c08.png" "c1/$(printf "c\2332J\235x")" &&
	gicat ingest --dataset c1 c1 2>/dev/null &&
	gicat query --fields path "dataset = c1" >out &&
	grep -qF "c1/c\x9b2J\x9dx" out &&
	printf "[task]\nname = a\033]0;pwned\007\n[train]\nselect = dataset = c1\n" >te.ini &&
	gicat task show te.ini >out && ! grep -q "$(printf "\033")" out &&
	grep -qF "task a\x1b]0;pwned\x07 (seed" out &&
	gicat task show --items --format jsonl te.ini >items.jsonl &&
	test "$(wc -l <items.jsonl)" -eq 1 && "$PY" -c "import json; json.loads(open(\"items.jsonl\").read())"
'

test_expect_success 'show writes the bytes of a name that are not UTF-8 as \xNN, as tables do, not as U+FFFD' '
	mkdir -p latin && cp "$SHARED/data/pngsuite/basn2c08.png" "latin/$(printf "caf\351 \033.png")" &&
	gicat ingest --dataset latin latin 2>/dev/null &&
	gicat query --fields path "dataset = latin" >out && grep -qF "latin/caf\xe9 \x1b.png" out &&
	gicat show "$(printf "latin/caf\351 \033.png")" >out &&
	grep -qF "latin/caf\xe9 \x1b.png" out && ! grep -q "$(printf "\357\277\275")" out &&
	! grep -q "$(printf "\033")" out &&
	gicat show --format json "$(printf "latin/caf\351 \033.png")" >js &&
	"$PY" -c "
import json
d = json.load(open(\"js\", \"rb\"))
assert \"latin/caf\\ufffd \\x1b.png\" in [e[\"path\"] for e in d[\"entries\"]], d[\"entries\"]
"
'

test_expect_success 'table columns line up in terminal columns for UTF-8 names (wide ones count two)' '
	mkdir -p wide && cp "$SHARED/data/pngsuite/basn2c08.png" "wide/héllo_日本.png" &&
	cp "$SHARED/data/pngsuite/basn0g08.png" wide/plain.png &&
	cp "$SHARED/data/pngsuite/basn0g08.png" "wide/$(printf "\360\237\230\200\360\237\230\200").png" &&
	cp "$SHARED/data/pngsuite/basn0g08.png" "wide/$(printf "e\314\201x").png" &&
	gicat ingest --dataset wide --label real wide 2>/dev/null &&
	gicat query --fields path,dataset "dataset = wide" >out &&
	"$PY" -c "
import unicodedata
cols = set()
for line in open(\"out\", encoding=\"utf-8\"):
    head = line[:line.rindex(\"  \") + 2]
    cols.add(sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in \"WF\" else 1 for c in head))
assert len(cols) == 1, cols
" &&
	test_expect_code 2 gicat query "path = ${SQ}日本${SQ} andd label = real" 2>err &&
	test "$(sed -n 3p err)" = "                ^"
'

test_expect_success 'messages show control characters of names, values and commands as \xNN' '
	E=$(printf "\033") &&
	mkdir -p "d${E}[2Jd" && cp "$SHARED/data/pngsuite/basn0g08.png" "d${E}[2Jd/" &&
	gicat ingest --dataset esc "d${E}[2Jd" 2>/dev/null &&
	# such a dataset name is refused now: an older catalog may hold one
	sqlite3 "$GICAT_DIR/.gicat/catalog.db" "UPDATE entries SET dataset = ${SQ}d${E}[2Jd${SQ} WHERE dataset = ${SQ}esc${SQ}" &&
	gicat query "dataset = dx" >/dev/null 2>err &&
	test_grep "note: no entry has dataset" err && grep -qF "d\\x1b[2Jd" err &&
	gicat mv --dry-run "d${E}[2Jd" "n${E}[2Jx" 2>>err &&
	test_expect_code 2 gicat export "path = ${SQ}zz${E}[2J${SQ}" --out escx 2>>err &&
	test_expect_code 2 gicat "q${E}[2J" 2>>err &&
	test_expect_code 2 gicat query --format "t${E}[2J" 2>>err &&
	test_expect_code 2 gicat query "genrator${E}[2J = sd14" 2>>err &&
	! grep -q "$E" err &&
	grep -qF "n\\x1b[2Jx" err && grep -qF "zz\\x1b[2J" err &&
	test_grep "is not a command" err && grep -qF "unknown format ${SQ}t\\x1b[2J${SQ}" err &&
	test_expect_code 2 gicat query "path = ${SQ}a${E}b${SQ} or gen = 1" 2>err &&
	test "$(sed -n 2p err)" = "  path = ${SQ}a\\x1bb${SQ} or gen = 1" &&
	test "$(sed -n 3p err)" = "                     ^"
'

test_expect_success 'a message of many escaped bytes comes out whole, however long' '
	E=$(printf "\033") &&
	many=$("$PY" -c "print(\"x\" + \"\\x1b\" * 700 + \"y\")") &&
	gicat query --count "dataset = ${SQ}$many${SQ}" >/dev/null 2>err &&
	# the note holds a few hundred of them (its text has a bound):
	# escaped, over 1,000 characters, written out in pieces
	test "$(grep -o "x1b" err | wc -l)" -ge 400 &&
	test "$(grep -o "x1b" err | wc -l)" -eq "$(grep -o "\\\\x1b" err | wc -l)" &&
	grep -q "^gicat: query: note: no entry has dataset .x\\\\x1b\\\\x1b" err &&
	! grep -q "$E" err
'

test_expect_success 'a hash prefix or upper-case hex is refused with the glob that finds it; a reversed text range, a --limit past 2^63' '
	h=$(gicat query --format csv --fields sha256 --limit 1 | tail -1) &&
	p=$(echo $h | cut -c1-12) &&
	test_expect_code 2 gicat query "sha256 = $p" 2>err &&
	test_grep "sha256 is 64 hex digits, not 12: for those starting so, sha256 ~ ${SQ}$p\*${SQ}" err &&
	test "$(gicat query --count "sha256 ~ ${SQ}$p*${SQ}")" -eq 1 &&
	H=$(echo $h | tr a-f A-F) &&
	test_expect_code 2 gicat query "sha256 = $H" 2>err &&
	test_grep "sha256 is 64 lower-case hex digits: write it in lower case" err &&
	test_expect_code 2 gicat query "phash in (abc)" 2>err &&
	test_grep "phash is 16 hex digits" err &&
	test "$(gicat query --count "sha256 = $h")" -eq "$(gicat query --count "sha256 ~ ${SQ}$h${SQ}")" &&
	test_expect_code 2 gicat query "generator in m..a" 2>err &&
	test_grep "empty range: .m. sorts after .a." err &&
	test_expect_code 2 gicat query --limit 18446744073709551615 2>err &&
	test_grep "^gicat: query: --limit takes at most 9223372036854775807, not .18446744073709551615.$" err
'

test_expect_success '--fields and --group-by read a long list whole: a name past 511 bytes is not cut short' '
	pad=$(printf "%500s" "") &&
	gicat query --limit 1 --format csv --fields "label,${pad}class_name" >out &&
	test "$(head -1 out)" = "label,class_name" &&
	gicat query --limit 1 --format csv --group-by "label,${pad}class_name" >out &&
	test "$(head -1 out)" = "label,class_name,count"
'

test_expect_success 'a misspelt --format gets the word meant, in every command that takes one' '
	t=$TOP/tasks/genimage/cross-sd14.ini &&
	while read -r meant cmd; do
		test_expect_code 2 gicat $cmd 2>err &&
		test_grep "did you mean .$meant.?" err || return 1
	done <<-EOF
	jsonl query --format jsnl
	paths query --format pahts
	jsonl dedup --near --format jsnl
	json audit bias --format jsn
	table task show $t --format tabel
	json eval $t --predictions p.csv --format jsno
	EOF
'

test_done
