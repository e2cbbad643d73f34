#!/bin/sh
# The fuzz targets (fuzz/fuzz-*.c) replayed over files, without libFuzzer:
# the inputs `make fuzz` found (fuzz/corpus/) and the conformance images.
# Under SANITIZE=address,undefined a read out of bounds, a leak or
# undefined behaviour on any of them fails here.
. "$(dirname "$0")/lib.sh"

FUZZ=$TOP/build/fuzz

test_expect_success 'the probe and the RGB decoder survive the PNG suite, the JPEG samples and the probe corpus' '
	"$FUZZ/fuzz-probe" "$SHARED/data/pngsuite" "$SHARED/data/jpeg" \
		"$TOP/fuzz/corpus/fuzz-probe" >out &&
	test "$(cut -d" " -f1 out)" -gt 300
'

test_expect_success 'degradation chains give the same bytes twice on every image of the degrade corpus' '
	"$FUZZ/fuzz-degrade" "$TOP/fuzz/corpus/fuzz-degrade" >out &&
	test "$(cut -d" " -f1 out)" -gt 200
'

test_expect_success 'the query, task, degradation, CSV, URL list and predictions parsers survive the text corpus' '
	"$FUZZ/fuzz-text" "$TOP/fuzz/corpus/fuzz-text" >out &&
	test "$(cut -d" " -f1 out)" -gt 1000
'

test_done
