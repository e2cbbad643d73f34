#!/bin/sh
# make demo's script, end to end, in a directory of its own: every step
# it shows still works and says what the README promises.
. "$(dirname "$0")/lib.sh"

test_expect_success 'the demo runs through and exits 0' '
	GICAT_DEMO_OUT="$TRASH/demo" "$TOP/scripts/demo.sh" >out 2>&1 ||
	{ tail -20 out; exit 1; }
'

test_expect_success 'its ingest rejects the three corrupt files, each with a reason' '
	test_grep "^genimage/.*115_adm_141.PNG  *empty file: 0 bytes" out &&
	test_grep "^genimage/.*033_sdv4_00152.png  *truncated PNG" out &&
	test_grep "^genimage/.*n02391049_735.JPEG  *truncated or corrupt JPEG" out &&
	test_grep "^verify: .* 0 problems$" out
'

test_expect_success 'its fetch stores the good URLs, lists the broken ones, then retries only those' '
	test_grep "^fetch: 10 URLs: 5 fetched, 5 failed, 0 done before" out &&
	test_grep "^gicat: fetch: .*/html/page.png.: not a PNG or JPEG file" out &&
	test_grep "^gicat: fetch: .*/img/truncated.png.: truncated PNG" out &&
	test_grep "^gicat: fetch: .*/loop.: more than 5 redirects (a loop?)" out &&
	test_grep "^fetch: 10 URLs: 1 fetched, 4 failed, 5 done before" out &&
	test "$(GICAT_DIR=demo/catalog gicat query --count "dataset = web")" = 6
'

test_expect_success 'its split, audits and eval print what the README shows' '
	test_grep "^split: degraded images: 0 computed, 96 reused$" out &&
	test_grep "^leakcheck: 0 train/test pairs" out &&
	test_grep "^audit license: 148 images for commercial: 148 forbidden" out &&
	test_grep "^audit bias: best trivial rule: format = png => fake scores 100.0%" out &&
	test_grep "^Acc  *100.0  *100.0" out
'

test_expect_success 'its unbiased task takes the format shortcut away: the format-only detector drops to 50%' '
	test_grep "^split: 74 images in 9 sets" out &&
	test_grep "^(all)  *format = png => fake  *50.0%" out &&
	test_grep "^(all)  *jpeg_quality <= 96 => fake  *50.0%" out &&
	test "$(grep -c "^Acc  *100.0  *100.0" out)" = 1 &&
	test_grep "^Acc  *50.0  *50.0  *50.0  *50.0  *50.0  *50.0  *50.0  *50.0  *50.0$" out
'

test_done
