#!/bin/sh
# Ingesting a mini-GenImage tree (tests/fixtures/mkgenimage.c): every entry
# gets the generator, label, split and class its path says; corrupt files
# are rejected and nothing of them is stored; a second run adds nothing.
. "$(dirname "$0")/lib.sh"

genimage_tree data
gicat init cat 2>/dev/null
export GICAT_DIR="$TRASH/cat"
FIELDS=path,generator,label,split,class,wnid

test_expect_success 'ingest rejects the three corrupt files and exits 1' '
	(cd data && test_expect_code 1 gicat ingest --jobs 2 \
		--val-labels LOC_val_solution.csv genimage 2>../err) &&
	test "$(grep -c "^gicat: rejected: " err)" -eq 3 &&
	test_grep "rejected: .genimage/ADM/imagenet_ai_0508_adm/train/ai/115_adm_141.PNG.: empty file" err &&
	test_grep "rejected: .*/train/ai/033_sdv4_00152.png.: .*PNG" err &&
	test_grep "rejected: .*/train/nature/.*JPEG.: .*JPEG" err &&
	test_grep "3 rejected" err
'

test_expect_success 'every entry has the generator, label, split and class of its path' '
	gicat query --format csv --fields $FIELDS | tail -n +2 | tr , "\t" | sort >got &&
	awk -F "\t" "NR > 1 && \$7 == \"ok\" {print \$1 \"\t\" \$2 \"\t\" \$3 \"\t\" \$4 \"\t\" \$5 \"\t\" \$6}" \
		data/expected.tsv | sort >want &&
	test_cmp want got
'

test_expect_success 'rejected files are in rejects, with their reasons, and not stored' '
	sqlite3 cat/.gicat/catalog.db "SELECT path FROM rejects ORDER BY path" >got &&
	awk -F "\t" "\$7 == \"corrupt\" {print \$1}" data/expected.tsv | sort >want &&
	test_cmp want got &&
	test "$(gicat query --count "path ~ \"*115_adm_141*\"")" -eq 0 &&
	gicat stats --rejects --format csv | tail -n +2 | cut -d, -f1 >listed &&
	test_cmp want listed &&
	gicat stats --rejects --format jsonl | grep -q "\"reason\":\"empty file: 0 bytes\"" &&
	gicat stats | test_grep "rejected files: 3 (listed by: gicat stats --rejects)" - &&
	test_expect_code 2 gicat stats --rejects label = fake 2>err &&
	test_grep "takes no EXPR" err
'

test_expect_success 'the real photo found in three subsets is one image and three entries' '
	gicat query --format csv --fields sha256 | tail -n +2 | sort | uniq -c |
		awk "\$1 > 1" >dups &&
	test "$(wc -l <dups)" -eq 1 && test "$(awk "{print \$1}" dups)" -eq 3 &&
	gicat show "$(awk "{print substr(\$2, 1, 12)}" dups)" >show &&
	test "$(grep -c "^genimage .*/train/nature/" show)" -eq 3 &&
	p=$(grep "^genimage .*/train/nature/" show | head -1 | awk "{print \$NF}") &&
	gicat show "$p" >show2 && test_cmp show show2 &&
	test_grep " LicenseRef-GenImage LicenseRef-ImageNet  $p$" show &&
	test_expect_code 2 gicat show "$p.nope" 2>err &&
	test_grep "neither a hash (a prefix of at least 4 hex digits), an entry.s path nor a file here$" err &&
	gicat show "$(awk "{print toupper(substr(\$2, 1, 12))}" dups)" >show3 &&
	test_cmp show show3
'

test_expect_success 'fake classes come from file names, real ones from wnids and val labels' '
	test "$(gicat query --count "class_source = filename and label = real")" -eq 0 &&
	test "$(gicat query --count "class_source = wnid and label = fake")" -eq 0 &&
	test "$(gicat query --count "class_source = val_labels")" -gt 0 &&
	test "$(gicat query --count "label = real and split = val and class = null")" -eq 1
'

test_expect_success 'reals have no generator but keep their subset' '
	test "$(gicat query --count "label = real and generator != null")" -eq 0 &&
	test "$(gicat query --count "label = real and subset = null")" -eq 0
'

test_expect_success 'formats come from the bytes: fakes png, reals jpeg' '
	test "$(gicat query --count "label = fake and format != png")" -eq 0 &&
	test "$(gicat query --count "label = real and format != jpeg")" -eq 0 &&
	test "$(gicat query --count "mode = cmyk")" -eq 1
'

test_expect_success 'objects are stored read-only under objects/ab/cdef...' '
	n=$(find cat/.gicat/objects -type f | wc -l) &&
	test "$n" -eq "$(sqlite3 cat/.gicat/catalog.db "SELECT count(*) FROM images")" &&
	test -z "$(find cat/.gicat/objects -type f -perm /222)" &&
	find cat/.gicat/objects -type f | head -1 | grep -E "objects/[0-9a-f]{2}/[0-9a-f]{62}$"
'

test_expect_success 'ingesting the same tree again adds nothing' '
	sqlite3 cat/.gicat/catalog.db "SELECT * FROM entries ORDER BY id" >before &&
	(cd data && test_expect_code 1 gicat ingest \
		--val-labels LOC_val_solution.csv genimage 2>../err2) &&
	test_grep " 0 new images, 0 new entries" err2 &&
	sqlite3 cat/.gicat/catalog.db "SELECT * FROM entries ORDER BY id" >after &&
	test_cmp before after
'

test_expect_success 'a --val-labels file with a BOM and lone-CR line ends gives the same classes' '
	sqlite3 cat/.gicat/catalog.db "SELECT path, class FROM entries ORDER BY path" >before &&
	{ printf "\357\273\277"; tr "\n" "\r" <data/LOC_val_solution.csv; } >data/val-cr.csv &&
	(cd data && test_expect_code 1 gicat ingest \
		--val-labels val-cr.csv genimage 2>../err3) &&
	test_grep " 0 new images, 0 new entries" err3 &&
	! test_grep -i "class" err3 &&
	sqlite3 cat/.gicat/catalog.db "SELECT path, class FROM entries ORDER BY path" >after &&
	test_cmp before after
'

test_expect_success 'a --val-labels forgotten at first is applied by ingesting again with it' '
	gicat init vl 2>/dev/null &&
	(cd data && gicat --catalog ../vl ingest genimage 2>/dev/null; :) &&
	n=$(gicat --catalog vl query --count "class_source = val_labels") &&
	test "$n" -eq 0 &&
	(cd data && test_expect_code 1 gicat --catalog ../vl ingest \
		--val-labels LOC_val_solution.csv genimage 2>../err4) &&
	want=$(gicat query --count "class_source = val_labels") &&
	test "$want" -gt 0 &&
	test_grep "($want updated from the options)" err4 &&
	gicat --catalog vl query --format csv --fields path,class,wnid,class_source "class_source = val_labels" >got &&
	gicat query --format csv --fields path,class,wnid,class_source "class_source = val_labels" >want &&
	test_cmp want got
'

test_expect_success 'val photos left without a class are counted; ImageIds may carry the file extension' '
	n=$(gicat query --count "class_source = val_labels") && test "$n" -gt 0 &&
	m=$(gicat query --count "path ~ ${SQ}*/ILSVRC2012_val_*${SQ}") && test "$m" -gt "$n" &&
	gicat init nv 2>/dev/null &&
	(cd data && { gicat --catalog ../nv ingest genimage 2>../nverr || test $? = 1; }) &&
	test_grep "^  $m ImageNet val photos have no class (first: .*ILSVRC2012_val_.*): --val-labels LOC_val_solution.csv (ImageNet.s) gives them one, now or in a later ingest$" nverr &&
	sed "1!s/^\([^,]*\),/\1.JPEG,/" data/LOC_val_solution.csv >withext.csv &&
	gicat init ve 2>/dev/null &&
	(cd data && { gicat --catalog ../ve ingest --val-labels ../withext.csv genimage 2>../veerr || test $? = 1; }) &&
	# the fixture has one photo the file lacks
	test_grep "^  $((m - n)) ImageNet val photo has no class (first: .*): not in the --val-labels file$" veerr &&
	test "$(gicat --catalog ve query --count "class_source = val_labels")" -eq "$n"
'

test_expect_success 'a bad --val-labels file is named once with its option, its row by line' '
	printf "ImageId,PredictionString\nILSVRC2012_val_00000001,dog 1 2\n" >badval.csv &&
	test_expect_code 2 gicat ingest --val-labels badval.csv data/genimage 2>err &&
	echo "gicat: ingest: --val-labels: ${SQ}badval.csv${SQ}: line 2: PredictionString does not start with a wnid like n01440764" >want &&
	test_cmp want err &&
	printf "ImageId,PredictionString\n" >noval.csv &&
	test_expect_code 2 gicat fetch --layout genimage --val-labels noval.csv x.csv 2>err &&
	echo "gicat: fetch: --val-labels: ${SQ}noval.csv${SQ}: no labels found" >want &&
	test_cmp want err &&
	printf "ImageId,PredictionString\n\"ILSVRC2012_val_00000001,n01751748 1 2\n" >openq.csv &&
	test_expect_code 2 gicat ingest --val-labels openq.csv data/genimage 2>err &&
	echo "gicat: ingest: --val-labels: ${SQ}openq.csv${SQ}: line 2: a quote is not closed where its field ends" >want &&
	test_cmp want err
'

test_expect_success 'a --val-labels file written with quotes gives the same classes' '
	sed "1!s/^\([^,]*\),\(.*\)$/\"\1\", \"\2\"/" data/LOC_val_solution.csv >quoted.csv &&
	grep -q "^\"ILSVRC" quoted.csv &&
	gicat query --format csv --fields path,class,wnid,class_source "class_source = val_labels" >want &&
	test -s want &&
	# every field quoted, the header too (R'"'"'s write.csv, csv.QUOTE_ALL)
	sed "s/^\([^,]*\),\(.*\)$/\"\1\",\"\2\"/" data/LOC_val_solution.csv >allquoted.csv &&
	grep -q "^\"ImageId\",\"PredictionString\"" allquoted.csv &&
	for f in quoted allquoted; do
		rm -rf vq && gicat init vq 2>/dev/null &&
		(cd data && test_expect_code 1 gicat --catalog ../vq ingest --val-labels ../$f.csv genimage 2>/dev/null) &&
		gicat --catalog vq query --format csv --fields path,class,wnid,class_source "class_source = val_labels" >got &&
		test_cmp want got || return 1
	done
'

test_expect_success 'the generator is never read from folders above the PATH argument' '
	gicat init gen 2>/dev/null &&
	mkdir -p glide_project/sdxl/train/ai glide_project/ADM/val/ai &&
	cp data/genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG glide_project/sdxl/train/ai/ &&
	cp data/genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG glide_project/ADM/val/ai/ &&
	gicat --catalog gen ingest --dataset abs "$TRASH/glide_project/sdxl" 2>err &&
	test_grep "1 fake entry has no generator: .*(first: .*/sdxl/train/ai/0_adm_174.PNG.); --generator G" err &&
	(cd glide_project && gicat --catalog ../gen ingest --dataset rel sdxl 2>/dev/null) &&
	gicat --catalog gen ingest --dataset file "$TRASH/glide_project/sdxl/train/ai/0_adm_174.PNG" 2>/dev/null &&
	gicat --catalog gen ingest --dataset sub "$TRASH/glide_project/ADM/val" 2>/dev/null &&
	gicat --catalog gen query --format csv --fields dataset,generator,label >got &&
	printf "%s\n" dataset,generator,label abs,,fake file,,fake rel,,fake sub,adm,fake >want &&
	sort got >got.s && sort want | test_cmp - got.s
'

test_expect_success 'ingest from inside a subset folder (., .., train, ai) gets its generator; a relative path reads as its full spelling' '
	gicat init inside 2>/dev/null && I=$TRASH/inside &&
	(cd data/genimage/ADM/imagenet_ai_0508_adm &&
	 { gicat --catalog $I ingest --dataset dot . 2>/dev/null || test $? = 1; } &&
	 { gicat --catalog $I ingest --dataset tr train 2>/dev/null || test $? = 1; } &&
	 cd train && { gicat --catalog $I ingest --dataset up .. 2>/dev/null || test $? = 1; } &&
	 { gicat --catalog $I ingest --dataset ai ai 2>/dev/null || test $? = 1; }) &&
	for d in dot up; do
		test "$(gicat --catalog inside query --count "dataset = $d")" -eq \
			"$(gicat query --count "subset = adm")" &&
		test "$(gicat --catalog inside query --count "dataset = $d and subset = adm")" -eq \
			"$(gicat query --count "subset = adm")" || return 1
	done &&
	test "$(gicat --catalog inside query --count "dataset = tr and label = fake and generator = adm and split = train")" -gt 0 &&
	# ai given inside train: train/ai, as its full path says
	test "$(gicat --catalog inside query --count "dataset = ai and label = fake and split = train and generator = adm")" -eq \
		"$(gicat query --count "subset = adm and split = train and label = fake")" &&
	(cd data/genimage/ADM/imagenet_ai_0508_adm/train/ai &&
	 gicat --catalog $I ingest --dataset one 0_adm_174.PNG 2>/dev/null) &&
	test "$(gicat --catalog inside query --format csv --fields generator,split,label "dataset = one" | tail -1)" = "adm,train,fake" &&
	# a folder above train that merely holds a generator name is the user'"'"'s
	mkdir -p glide_work/train/ai && cp data/genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG glide_work/train/ai/ &&
	(cd glide_work && gicat --catalog $I ingest --dataset gw train 2>/dev/null) &&
	test "$(gicat --catalog inside query --format csv --fields generator,split "dataset = gw" | tail -1)" = ",train" &&
	gicat --catalog $I ingest --dataset gwfull "$TRASH/glide_work/train" 2>/dev/null &&
	test "$(gicat --catalog inside query --format csv --fields generator,split "dataset = gwfull" | tail -1)" = ",train"
'

test_expect_success 'files in folders of their own inside a GenImage tree: the summary counts the entries left without a label' '
	mkdir -p mp/wukong/imagenet_ai_0424_wukong/train/ai/extra mp/wukong/imagenet_ai_0424_wukong/train/other &&
	cp data/genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG mp/wukong/imagenet_ai_0424_wukong/train/ai/1_wukong_1.png &&
	cp data/genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG mp/wukong/imagenet_ai_0424_wukong/train/ai/extra/ &&
	cp data/genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG mp/wukong/imagenet_ai_0424_wukong/train/other/ &&
	gicat init mpcat 2>/dev/null && gicat --catalog mpcat ingest mp 2>err &&
	test_grep "^  2 entries have no label (first: .mp/wukong/imagenet_ai_0424_wukong/train/[aio][a-z]*/.*0_adm_174.PNG.): no folder of the path says real or fake" err &&
	test "$(gicat --catalog mpcat query --count "label = null")" -eq 2 &&
	gicat init mpcat2 2>/dev/null && gicat --catalog mpcat2 ingest --label fake mp 2>err &&
	! grep -q "no label" err &&
	gicat init mpcat3 2>/dev/null && gicat --catalog mpcat3 ingest --layout flat mp 2>err &&
	! grep -q "no label" err
'

test_expect_success 'a tree laid out like GenImage but not GenImage: its own dataset, no GenImage terms' '
	mkdir -p mydata/train/ai mydata/val/nature &&
	cp data/genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG mydata/train/ai/ &&
	cp data/genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG mydata/val/nature/x.png &&
	gicat init mine 2>/dev/null && gicat --catalog mine ingest mydata 2>/dev/null &&
	gicat --catalog mine query --format csv --fields dataset,license,label,split >got &&
	printf "%s\n" dataset,license,label,split mydata,,fake,train mydata,,real,val >want &&
	test_cmp want got &&
	test "$(gicat --catalog mine task show --items genimage/all 2>/dev/null | wc -l)" -le 1
'

test_expect_success '--generator takes a known generator by its id or title, another name as given, not an empty one' '
	mkdir -p gt && cp data/genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG gt/ &&
	gicat init gens 2>/dev/null &&
	gicat --catalog gens ingest --label fake --generator SD14 --dataset a gt 2>/dev/null &&
	gicat --catalog gens ingest --label fake --generator imagenet_ai_0419_sdv4 --dataset b gt 2>/dev/null &&
	gicat --catalog gens ingest --label fake --generator MyGen --dataset c gt 2>/dev/null &&
	gicat --catalog gens ingest --label fake --generator midjourney_v6 --dataset e gt 2>/dev/null &&
	gicat --catalog gens ingest --label fake --generator "SD V1.4" --dataset f gt 2>/dev/null &&
	test_expect_code 2 gicat --catalog gens ingest --label fake --generator "" --dataset d gt 2>err &&
	test_grep "^gicat: ingest: --generator needs a name$" err &&
	gicat --catalog gens query --format csv --fields dataset,generator >got &&
	printf "%s\n" dataset,generator a,sd14 b,sd14 c,MyGen e,midjourney_v6 f,sd14 >want && test_cmp want got
'

test_expect_success 'a file name that says another generator, label or class than its folders is noted' '
	gicat init fx 2>/dev/null &&
	(cd data && gicat --catalog ../fx ingest --val-labels LOC_val_solution.csv genimage 2>../fxerr; :) &&
	test_grep " new entries" fxerr && ! test_grep "says otherwise" fxerr &&
	S=data/genimage/stable_diffusion_v_1_4/imagenet_ai_0419_sdv4/train/ai &&
	mkdir -p odd/imagenet_ai_0508_adm/val/ai odd/imagenet_ai_0508_adm/val/nature odd/if/1_fake/n01440764 &&
	cp $S/281_sdv4_00174.png odd/imagenet_ai_0508_adm/val/ai/ &&
	cp $S/281_sdv4_00174.png odd/imagenet_ai_0508_adm/val/nature/x_281_sdv4_1.png &&
	cp $S/281_sdv4_00174.png odd/imagenet_ai_0508_adm/val/nature/ &&
	cp $S/281_sdv4_00174.png odd/if/1_fake/n01440764/ &&
	gicat init oddc 2>/dev/null &&
	gicat --catalog oddc ingest odd/imagenet_ai_0508_adm/val/ai 2>err &&
	test_grep "^  1 entry has a file name that says otherwise than its folders (first: .odd/imagenet_ai_0508_adm/val/ai/281_sdv4_00174.png.: its name says sd14, its folder adm): the folders are taken, the name only for a class they do not give$" err &&
	gicat --catalog oddc ingest odd/imagenet_ai_0508_adm/val/nature 2>err &&
	test_grep "(first: .*/nature/281_sdv4_00174.png.: its name is a sd14 fake.s, its folder a real one.s)" err &&
	test_grep "^  1 entry has" err &&
	gicat --catalog oddc ingest odd/if 2>err &&
	test_grep "its name says class 281, its folder 0)" err &&
	test "$(gicat --catalog oddc query --format csv --fields generator,class "path ~ ${SQ}*if*${SQ}" | tail -1)" = ",0"
'

test_expect_success 'the note on a name that disagrees with its folders says the name still gives a class no folder gives' '
	gicat init oddn 2>/dev/null &&
	gicat --catalog oddn ingest odd/imagenet_ai_0508_adm/val/ai 2>err &&
	test_grep "its name says sd14, its folder adm): the folders are taken, the name only for a class they do not give$" err &&
	test "$(gicat --catalog oddn query --format csv --fields generator,class,class_source | tail -1)" = "adm,281,filename"
'

test_expect_success '--label real leaves no generator, even in a generator folder' '
	gicat --catalog gen ingest --dataset r --label real glide_project/ADM 2>/dev/null &&
	test "$(gicat --catalog gen query --format csv --fields generator,label "dataset = r" | tail -1)" = ",real" &&
	gicat --catalog gen ingest --dataset sub --label real "$TRASH/glide_project/ADM/val" 2>err &&
	test_grep "1 updated from the options" err &&
	test "$(gicat --catalog gen query --count "dataset = sub and generator = adm")" -eq 0 &&
	test_expect_code 2 gicat --catalog gen ingest --label real --generator adm glide_project 2>err &&
	test_grep "real image has no generator" err
'

test_expect_success 'a real photo of two subsets ingested from inside each: the clash is said, not passed over' '
	mkdir -p two/BigGAN/imagenet_ai_0419_biggan/train/nature two/ADM/imagenet_ai_0508_adm/train/nature &&
	cp "$SHARED/data/pngsuite/basn2c08.png" two/BigGAN/imagenet_ai_0419_biggan/train/nature/n01440764_9.JPEG &&
	cp "$SHARED/data/pngsuite/basn2c08.png" two/ADM/imagenet_ai_0508_adm/train/nature/n01440764_9.JPEG &&
	gicat init twocat 2>/dev/null &&
	(cd two/BigGAN/imagenet_ai_0419_biggan && gicat --catalog "$TRASH/twocat" ingest train 2>/dev/null) &&
	(cd two/ADM/imagenet_ai_0508_adm && gicat --catalog "$TRASH/twocat" ingest train 2>"$TRASH/err") &&
	test_grep "^  1 file is another subset.s at the path of an entry (first: .train/nature/n01440764_9.JPEG.: biggan there, adm here): not added; paths are kept as given, so ingest the subsets from one directory (the one above them), or each with a --dataset of its own$" err &&
	test "$(gicat --catalog twocat query --format csv --fields subset | tail -n +2)" = biggan &&
	(cd two && gicat --catalog "$TRASH/twocat" ingest --dataset whole BigGAN ADM 2>/dev/null) &&
	test "$(gicat --catalog twocat query --count "dataset = whole and label = real")" -eq 2
'

test_expect_success 'verify --full is clean after ingest' '
	gicat verify --full >out && test_grep " 0 problems" out
'

test_expect_success 'entries whose files are gone from a tree ingested again are said, and kept' '
	cp -r data gone && n=$(gicat query --count "dataset = genimage") &&
	gicat init gonecat 2>/dev/null &&
	(cd gone && test_expect_code 1 gicat --catalog ../gonecat ingest genimage 2>/dev/null) &&
	rm gone/genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG gone/genimage/ADM/imagenet_ai_0508_adm/train/nature/*.JPEG &&
	(cd gone && test_expect_code 1 gicat --catalog ../gonecat ingest genimage 2>../err) &&
	test_grep "^  5 entries name a file gone from the directories read (first: .genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG.): kept, with the images in the store; .gicat rm. takes out what should go$" err &&
	test "$(gicat --catalog gonecat query --count "dataset = genimage")" -eq "$n" &&
	(cd gone && gicat --catalog ../gonecat ingest genimage/BigGAN 2>../err) &&
	! grep -q "gone from" err
'

test_expect_success 'subsets ingested each from its own folder keep their rejects and are not gone' '
	cp -r data own && gicat init owncat 2>/dev/null &&
	adm=own/genimage/ADM/imagenet_ai_0508_adm &&
	(cd $adm && test_expect_code 1 gicat --catalog "$TRASH/owncat" ingest . 2>/dev/null) &&
	gicat --catalog owncat stats --rejects --format csv | test_grep "^./train/ai/115_adm_141.PNG," - &&
	(cd own/genimage/BigGAN/imagenet_ai_0419_biggan &&
		gicat --catalog "$TRASH/owncat" ingest . 2>"$TRASH/err") &&
	! grep "gone from" err &&
	gicat --catalog owncat stats --rejects --format csv | test_grep "^./train/ai/115_adm_141.PNG," - &&
	test "$(sqlite3 owncat/.gicat/catalog.db "SELECT count(DISTINCT base) FROM entries")" -eq 2 &&
	rm $adm/train/ai/115_adm_141.PNG $adm/train/ai/0_adm_174.PNG &&
	(cd $adm && gicat --catalog "$TRASH/owncat" ingest . 2>"$TRASH/err") &&
	test_grep "^  1 file rejected before is gone from the directories read" err &&
	test_grep "^  1 entry names a file gone from the directories read (first: .\./train/ai/0_adm_174.PNG.)" err &&
	test "$(gicat --catalog owncat stats --rejects --format csv | wc -l)" -eq 1
'

test_done
