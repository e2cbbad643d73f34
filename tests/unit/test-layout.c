/*
 * test-layout.c - what paths say: GenImage trees (every generator's real
 * folder and file-name pattern), flattened and renamed trees, ImageFolder
 * and flat layouts, the class table and the validation labels.
 *
 * Each path case renders the parsed metadata as one line,
 * "generator label split class wnid class_source layout" with "-" for
 * empty, so a failure shows expected against got.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "catalog.h"
#include "ingest-write.h"

static struct gic_classes *classes;     /* the built-in table */
static struct gic_val_labels *val;      /* from write_val_csv() */
static char val_path[64];

static const char val_csv[] =
	"ImageId,PredictionString\r\n"
	"ILSVRC2012_val_00000744,n01440764 10 20 30 40 n01440764 1 2 3 4 \r\n"
	"ILSVRC2012_val_00000001,n01751748 111 121 222 333\r\n";

/* Writes text to a new temporary file; its name goes into path[64]. */
static void write_temp(const char *text, char path[64])
{
	int fd;

	snprintf(path, 64, "/tmp/gicat-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int setup(void **state)
{
	(void)state;
	write_temp(val_csv, val_path);
	if (gic_classes_builtin(&classes) < 0 ||
	    gic_val_labels_load(val_path, &val) < 0) {
		fprintf(stderr, "setup: %s\n", gic_errmsg());
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	gic_classes_free(classes);
	gic_val_labels_free(val);
	unlink(val_path);
	return 0;
}

static const char *layout_name(enum gic_layout l)
{
	static const char *const names[] = { "auto", "genimage", "imagefolder",
					     "flat" };

	return names[l];
}

#define OR_DASH(s) ((s)[0] ? (s) : "-")

static void check_(enum gic_layout layout, const char *path,
		   const struct gic_classes *c, const struct gic_val_labels *v,
		   const char *want, const char *file, int line)
{
	struct gic_path_meta m;
	char got[256];

	gic_path_parse(layout, path, NULL, c, v, &m);
	snprintf(got, sizeof(got), "%s %s %s %d %s %s %s", OR_DASH(m.generator),
		 OR_DASH(m.label), OR_DASH(m.split), m.class_idx,
		 OR_DASH(m.wnid), OR_DASH(m.class_source),
		 layout_name(m.layout));
	if (strcmp(got, want) != 0)
		print_error("path: %s\n", path);
	_assert_string_equal(got, want, file, line);
}

/* auto layout with the built-in classes and the test's val labels */
#define check(path, want) \
	check_(GIC_LAYOUT_AUTO, path, classes, val, want, __FILE__, __LINE__)
#define check_as(layout, path, want) \
	check_(layout, path, classes, val, want, __FILE__, __LINE__)
#define check_bare(path, want) \
	check_(GIC_LAYOUT_AUTO, path, NULL, NULL, want, __FILE__, __LINE__)

static void genimage_fakes_of_every_generator(void **state)
{
	(void)state;
	check("genimage/stable_diffusion_v_1_4/imagenet_ai_0419_sdv4/train/ai/033_sdv4_00134.png",
	      "sd14 fake train 33 n01664065 filename genimage");
	check("genimage/stable_diffusion_v_1_4/imagenet_ai_0419_sdv4/train/ai/000_sdv4_00020.png",
	      "sd14 fake train 0 n01440764 filename genimage");
	check("stable_diffusion_v_1_5/imagenet_ai_0424_sdv5/val/ai/001_sdv5_00094.png",
	      "sd15 fake val 1 n01443537 filename genimage");
	check("BigGAN/imagenet_ai_0419_biggan/train/ai/116_biggan_00094.png",
	      "biggan fake train 116 n01955084 filename genimage");
	check("genimage/ADM/imagenet_ai_0508_adm/train/ai/0_adm_174.PNG",
	      "adm fake train 0 n01440764 filename genimage");
	check("ADM/imagenet_ai_0508_adm/val/ai/115_adm_141.PNG",
	      "adm fake val 115 n01950731 filename genimage");
	check("Midjourney/imagenet_midjourney/train/ai/208_midjourney_76.png",
	      "midjourney fake train 208 n02099712 filename genimage");
	check("wukong/imagenet_ai_0424_wukong/train/ai/729_wukong_image188.png",
	      "wukong fake train 729 n03961711 filename genimage");
	check("glide/imagenet_glide/train/ai/GLIDE_1000_200_08_808_glide_00033.png",
	      "glide fake train 808 n04259630 filename genimage");
	check("GLIDE/imagenet_glide/val/ai/GLIDE_1000_200_08_808_glide_00033.png",
	      "glide fake val 808 n04259630 filename genimage");
	check("VQDM/imagenet_ai_0419_vqdm/val/ai/VQDM_1000_200_00_017_vqdm_00020.png",
	      "vqdm fake val 17 n01580077 filename genimage");
}

/* Each subset's folders, both splits, real and fake, with and without the
 * inner imagenet_* folder, and the subset names of GenImage's tables. */
static void genimage_every_subset_and_split(void **state)
{
	static const char *const cases[][2] = {
		{ "Midjourney/imagenet_midjourney/val/ai/208_midjourney_76.png",
		  "midjourney fake val 208 n02099712 filename genimage" },
		{ "imagenet_midjourney/val/nature/ILSVRC2012_val_00000744.JPEG",
		  "- real val 0 n01440764 val_labels genimage" },
		{ "Midjourney/train/ai/5_midjourney_1234.png",
		  "midjourney fake train 5 n01496331 filename genimage" },
		{ "stable_diffusion_v_1_4/imagenet_ai_0419_sdv4/val/ai/033_sdv4_00152.png",
		  "sd14 fake val 33 n01664065 filename genimage" },
		{ "stable_diffusion_v_1_5/imagenet_ai_0424_sdv5/train/ai/001_sdv5_00094.png",
		  "sd15 fake train 1 n01443537 filename genimage" },
		{ "stable_diffusion_v_1_5/train/nature/n03495258_20762.JPEG",
		  "- real train 594 n03495258 wnid genimage" },
		{ "wukong/imagenet_ai_0424_wukong/val/ai/729_wukong_image188.png",
		  "wukong fake val 729 n03961711 filename genimage" },
		{ "wukong/val/nature/ILSVRC2012_val_00000001.JPEG",
		  "- real val 65 n01751748 val_labels genimage" },
		{ "imagenet_ai_0508_adm/train/ai/115_adm_141.PNG",
		  "adm fake train 115 n01950731 filename genimage" },
		{ "imagenet_glide/val/ai/GLIDE_1000_200_08_808_glide_00033.png",
		  "glide fake val 808 n04259630 filename genimage" },
		{ "VQDM/imagenet_ai_0419_vqdm/train/ai/VQDM_1000_200_00_017_vqdm_00020.png",
		  "vqdm fake train 17 n01580077 filename genimage" },
		{ "VQDM/val/ai/VQDM_1000_200_00_017_vqdm_00020.png",
		  "vqdm fake val 17 n01580077 filename genimage" },
		{ "BigGAN/imagenet_ai_0419_biggan/val/ai/116_biggan_00094.png",
		  "biggan fake val 116 n01955084 filename genimage" },
		{ "BigGAN/imagenet_ai_0419_biggan/val/nature/ILSVRC2012_val_00000744.JPEG",
		  "- real val 0 n01440764 val_labels genimage" },
		{ "SD V1.4/train/ai/033_sdv4_00134.png",
		  "sd14 fake train 33 n01664065 filename genimage" },
		{ "SD1.5/val/ai/001_sdv5_00094.png",
		  "sd15 fake val 1 n01443537 filename genimage" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(cases[i][0], cases[i][1]);
}

static void genimage_reals_have_no_generator(void **state)
{
	(void)state;
	check("genimage/ADM/imagenet_ai_0508_adm/train/nature/n01440764_10026.JPEG",
	      "- real train 0 n01440764 wnid genimage");
	check("wukong/imagenet_ai_0424_wukong/train/nature/n03495258_20762.JPEG",
	      "- real train 594 n03495258 wnid genimage");
	check("data/Midjourney/imagenet_midjourney/val/nature/ILSVRC2012_val_00000744.JPEG",
	      "- real val 0 n01440764 val_labels genimage");
	check("data/Midjourney/imagenet_midjourney/val/nature/ILSVRC2012_val_00000002.JPEG",
	      "- real val -1 - - genimage");
	check_bare("data/Midjourney/imagenet_midjourney/val/nature/ILSVRC2012_val_00000744.JPEG",
		   "- real val -1 - - genimage");
	/* the val number is not the class, even when it looks like one */
	check_bare("imagenet_glide/val/nature/ILSVRC2012_val_00000001.JPEG",
		   "- real val -1 - - genimage");
}

static void classes_are_optional(void **state)
{
	(void)state;
	check_bare("imagenet_ai_0419_sdv4/train/ai/033_sdv4_00134.png",
		   "sd14 fake train 33 - filename genimage");
	check_bare("imagenet_ai_0419_sdv4/train/nature/n01440764_1.JPEG",
		   "- real train -1 n01440764 wnid genimage");
	/* a wnid the table does not know keeps its wnid */
	check("imagenet_ai_0419_sdv4/train/nature/n09999999_1.JPEG",
	      "- real train -1 n09999999 wnid genimage");
}

static void genimage_path_forms(void **state)
{
	(void)state;
	check("/abs/path/GenImage/glide/imagenet_glide/train/ai/GLIDE_1_2_3_004_glide_5.png",
	      "glide fake train 4 n01494475 filename genimage");
	check("./imagenet_ai_0419_vqdm/val/ai/VQDM_1000_200_00_017_vqdm_00020.png",
	      "vqdm fake val 17 n01580077 filename genimage");
	check("imagenet_ai_0419_vqdm//./val/ai/VQDM_1000_200_00_017_vqdm_00020.png",
	      "vqdm fake val 17 n01580077 filename genimage");
	/* folder names and extensions in any case */
	check("BigGAN/imagenet_ai_0419_biggan/Train/AI/116_biggan_00094.PnG",
	      "biggan fake train 116 n01955084 filename genimage");
	/* nothing above train: no generator, the rest still parses */
	check("train/ai/033_sdv4_00134.png", "- fake train 33 n01664065 filename genimage");
}

static void flattened_and_renamed_trees(void **state)
{
	(void)state;
	check("sd14/train/ai/033_sdv4_00134.png",
	      "sd14 fake train 33 n01664065 filename genimage");
	check("flat_glide/val/ai/GLIDE_1000_200_08_808_glide_00033.png",
	      "glide fake val 808 n04259630 filename genimage");
	check("glide_val/val/ai/GLIDE_1000_200_08_808_glide_00033.png",
	      "glide fake val 808 n04259630 filename genimage");
	check("genimage/imagenet_ai_0419_vqdm-copy/train/ai/VQDM_1_2_3_017_vqdm_4.png",
	      "vqdm fake train 17 n01580077 filename genimage");
	/* an unknown subset folder: the nearest known folder above it */
	check("mirror/BigGAN/part1/train/ai/116_biggan_00094.png",
	      "biggan fake train 116 n01955084 filename genimage");
	check("mirror/unknown/train/ai/116_biggan_00094.png",
	      "- fake train 116 n01955084 filename genimage");
	/* two generators in one name are not guessed at */
	check("sd14_vs_sd15/train/ai/033_sdv4_00134.png",
	      "- fake train 33 n01664065 filename genimage");
	/* the file name gives the class, whatever the folder */
	check("ADM/imagenet_ai_0508_adm/train/ai/033_sdv4_00134.png",
	      "adm fake train 33 n01664065 filename genimage");
}

/* The generator of a path and of its ingest root (the PATH argument). */
static const char *rooted(const char *path, const char *root)
{
	static struct gic_path_meta m;

	gic_path_parse(GIC_LAYOUT_AUTO, path, root, classes, val, &m);
	return m.generator[0] ? m.generator : "-";
}

/* Folders above the PATH argument are the user's: a path spelt in full
 * gets the generator the same tree gets spelt relative to it. */
static void generator_not_above_the_root(void **state)
{
	const char *f = "/home/u/glide_project/sdxl/train/ai/005_x_1.png";

	(void)state;
	assert_string_equal(rooted(f, "/home/u/glide_project/sdxl"), "-");
	assert_string_equal(rooted(f + 22, "sdxl"), "-");
	assert_string_equal(rooted(f, "/home/u/glide_project/sdxl/"), "-");
	assert_string_equal(rooted(f, "/home/u/glide_project"), "glide");
	assert_string_equal(rooted(f, NULL), "glide");
	/* the folder above train|val is the subset's, wherever the root is */
	f = "/d/glide_x/ADM/train/ai/1_adm_2.PNG";
	assert_string_equal(rooted(f, "/d/glide_x/ADM/train"), "adm");
	assert_string_equal(rooted(f, f), "adm");
	assert_string_equal(rooted(f, "/d/glide_x/./ADM"), "adm");
	f = "/d/glide_x/sdxl/train/ai/1_adm_2.PNG";
	assert_string_equal(rooted(f, f), "-");
	assert_string_equal(rooted(f, "/d/glide_x/sdxl/train"), "-");
	/* a known folder at or below the root is found, as before */
	assert_string_equal(rooted("g/BigGAN/part1/train/ai/1_biggan_2.png",
				   "g"), "biggan");
	/* train given from inside a subset's folder (ingest spells it in
	 * full): the folder holding it counts when it is named exactly as a
	 * subset */
	assert_string_equal(rooted("/w/imagenet_ai_0508_adm/train/ai/1_adm_2.PNG",
				   "/w/imagenet_ai_0508_adm/train"), "adm");
	assert_string_equal(rooted("/w/glide_project/train/ai/1_adm_2.PNG",
				   "/w/glide_project/train"), "-");
	assert_string_equal(rooted("/w/ADM/sub/train/ai/1_adm_2.PNG",
				   "/w/ADM/sub"), "-");
}

static void bad_names_have_no_class(void **state)
{
	(void)state;
	check("ADM/imagenet_ai_0508_adm/train/ai/1000_adm_1.PNG",
	      "adm fake train -1 - - genimage");
	check("imagenet_ai_0419_sdv4/train/ai/abc_sdv4_1.png",
	      "sd14 fake train -1 - - genimage");
	check("imagenet_ai_0419_sdv4/train/ai/033_sdv4_x.png",
	      "sd14 fake train -1 - - genimage");
	check("imagenet_ai_0419_sdv4/train/ai/-1_sdv4_1.png",
	      "sd14 fake train -1 - - genimage");
	check("imagenet_glide/train/ai/GLIDE_1000_200_08_1808_glide_00033.png",
	      "glide fake train -1 - - genimage");
	/* the last field is a number too */
	check("imagenet_glide/train/ai/GLIDE_1000_200_08_007_glide_x1.png",
	      "glide fake train -1 - - genimage");
	check("imagenet_glide/train/ai/GLIDE_1000_200_808_glide_00033.png",
	      "glide fake train -1 - - genimage");
	check("imagenet_glide/train/nature/n0144076_1.JPEG",
	      "- real train -1 - - genimage");
	check("imagenet_glide/val/nature/ILSVRC2012_val_744.JPEG",
	      "- real val -1 - - genimage");
	check("imagenet_glide/val/nature/.JPEG", "- real val -1 - - genimage");
}

static void imagefolder_layout(void **state)
{
	(void)state;
	check("ds/0_real/img1.png", "- real - -1 - - imagefolder");
	check("ds/1_FAKE/img2.png", "- fake - -1 - - imagefolder");
	check("ds/train/real/a.jpg", "- real train -1 - - imagefolder");
	check("ds/test/fake/a.jpg", "- fake test -1 - - imagefolder");
	check("ds/test/n01440764/a.JPEG", "- - test 0 n01440764 folder imagefolder");
	check("ds/val/real/n01443537/a.JPEG",
	      "- real val 1 n01443537 folder imagefolder");
	check("ds/nature/n01443537_5.JPEG", "- real - 1 n01443537 wnid imagefolder");
	/* the folder's class wins over the file name's */
	check("ds/n01443537/033_sdv4_1.png", "- - - 1 n01443537 folder imagefolder");
	/* numbers name classes only when imagefolder is asked for */
	check_as(GIC_LAYOUT_IMAGEFOLDER, "ds/train/17/x.png",
		 "- - train 17 n01580077 folder imagefolder");
	check_as(GIC_LAYOUT_IMAGEFOLDER, "ds/1000/x.png",
		 "- - - -1 - - imagefolder");
	check("ds/17/x.png", "- - - -1 - - flat");
	check_as(GIC_LAYOUT_IMAGEFOLDER, "x.png", "- - - -1 - - imagefolder");
	/* AIGCDetectBenchmark and CNNDetection: a generator's folder, a
	 * category's, under the split */
	check("aigc/test/ADM/1_fake/a.png", "adm fake test -1 - - imagefolder");
	check("aigc/test/ADM/0_real/a.png", "- real test -1 - - imagefolder");
	check("cnn/test/biggan/car/1_fake/a.png",
	      "biggan fake test -1 - - imagefolder");
	check("cnn/train/airplane/0_real/a.png", "- real train -1 - - imagefolder");
	/* a generator's name with no split above it is not read */
	check("glide_stuff/ADM/1_fake/a.png", "- fake - -1 - - imagefolder");
	/* CNNDetection's test set has a category named train */
	check("cnn/test/progan/train/1_fake/a.png",
	      "- fake test -1 - - imagefolder");
}

static void flat_layout(void **state)
{
	(void)state;
	check("photos/cat.jpg", "- - - -1 - - flat");
	check("dump/033_sdv4_00134.png", "- - - 33 n01664065 filename flat");
	check("n01440764_1.JPEG", "- - - 0 n01440764 wnid flat");
	check("", "- - - -1 - - flat");
	check_as(GIC_LAYOUT_FLAT, "imagenet_glide/train/ai/GLIDE_1_2_3_808_glide_4.png",
		 "- - - 808 n04259630 filename flat");
	check_as(GIC_LAYOUT_GENIMAGE, "foo/bar.png", "- - - -1 - - genimage");
}

static void generator_aliases(void **state)
{
	static const char *const cases[][2] = {
		{ "imagenet_ai_0419_sdv4", "sd14" }, { "imagenet_ai_0424_sdv5", "sd15" },
		{ "imagenet_ai_0424_wukong", "wukong" }, { "imagenet_ai_0508_adm", "adm" },
		{ "imagenet_glide", "glide" }, { "imagenet_ai_0419_vqdm", "vqdm" },
		{ "imagenet_ai_0419_biggan", "biggan" },
		{ "imagenet_midjourney", "midjourney" }, { "Midjourney", "midjourney" },
		{ "stable_diffusion_v_1_4", "sd14" }, { "stable_diffusion_v_1_5", "sd15" },
		{ "wukong", "wukong" }, { "ADM", "adm" }, { "glide", "glide" },
		{ "GLIDE", "glide" }, { "VQDM", "vqdm" }, { "BigGAN", "biggan" },
		{ "sd14", "sd14" }, { "SD15", "sd15" }, { "flat_glide", "glide" },
		/* the titles of GenImage's tables */
		{ "SD V1.4", "sd14" }, { "sd v1.5", "sd15" }, { "Wukong", "wukong" },
		{ "SD1.4", "sd14" }, { "sd1.5", "sd15" }, { "SD1.5_val", "sd15" },
		{ "stable_diffusion_v_1_4-part2", "sd14" },
		{ "genimage", NULL }, { "imagenet", NULL }, { "ai", NULL },
		{ "gliders", NULL }, { "adm_vs_glide", NULL }, { "", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = gic_generator_alias(cases[i][0]);

		if (!cases[i][1] != !got || (got && strcmp(got, cases[i][1]))) {
			print_error("alias '%s': want %s, got %s\n", cases[i][0],
				    cases[i][1] ? cases[i][1] : "NULL",
				    got ? got : "NULL");
			fail();
		}
	}
	assert_null(gic_generator_alias(NULL));
}

static void layout_names(void **state)
{
	enum gic_layout l = GIC_LAYOUT_FLAT;

	(void)state;
	assert_int_equal(gic_layout_from_name("auto", &l), 0);
	assert_int_equal(l, GIC_LAYOUT_AUTO);
	assert_int_equal(gic_layout_from_name("genimage", &l), 0);
	assert_int_equal(l, GIC_LAYOUT_GENIMAGE);
	assert_int_equal(gic_layout_from_name("imagefolder", &l), 0);
	assert_int_equal(l, GIC_LAYOUT_IMAGEFOLDER);
	assert_int_equal(gic_layout_from_name("flat", &l), 0);
	assert_int_equal(l, GIC_LAYOUT_FLAT);
	assert_int_equal(gic_layout_from_name("tree", &l), GIC_EUSAGE);
	assert_string_equal(gic_errmsg(), "unknown layout 'tree' (expected "
			    "auto, genimage, imagefolder or flat)");
}

static void builtin_class_table(void **state)
{
	(void)state;
	assert_int_equal(gic_classes_index(classes, "n01440764"), 0);
	assert_int_equal(gic_classes_index(classes, "n03495258"), 594);
	assert_int_equal(gic_classes_index(classes, "n15075141"), 999);
	assert_int_equal(gic_classes_index(classes, "n00000000"), -1);
	assert_int_equal(gic_classes_index(classes, "n0144076"), -1);
	assert_string_equal(gic_classes_wnid(classes, 808), "n04259630");
	assert_null(gic_classes_wnid(classes, 1000));
	assert_null(gic_classes_wnid(classes, -1));
	/* every index maps to a wnid that maps back */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(gic_classes_index(classes,
						   gic_classes_wnid(classes, i)), i);
}

static void class_table_parsing(void **state)
{
	static const struct { const char *tsv, *err; } bad[] = {
		{ "0\tn1\tx\n", "class table line 1: 'n1' is not a wnid like n01440764" },
		{ "index\twnid\tname\n1000\tn00000001\tx\n",
		  "class table line 2: index '1000' is not in 0..999" },
		{ "0 n00000001 x\n", "class table line 1: expected index<TAB>wnid<TAB>name" },
		{ "0\tn00000001\tx\n0\tn00000002\ty\n",
		  "class table line 2: index 0 appears twice" },
		{ "0\tn00000001\tx\n1\tn00000001\ty\n",
		  "class table: wnid n00000001 is used by classes 0 and 1" },
		{ "index\twnid\tname\n", "class table has no classes" },
	};
	struct gic_classes *c = NULL;

	(void)state;
	/* unsorted, CRLF, a header: all fine */
	assert_int_equal(gic_classes_parse("index\twnid\tname\r\n2\tn00000003\tc\r\n"
					   "0\tn00000009\ta\n1\tn00000001\tb\n", &c), 0);
	assert_int_equal(gic_classes_index(c, "n00000009"), 0);
	assert_int_equal(gic_classes_index(c, "n00000001"), 1);
	assert_int_equal(gic_classes_index(c, "n00000003"), 2);
	assert_null(gic_classes_wnid(c, 3));
	gic_classes_free(c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(gic_classes_parse(bad[i].tsv, &c), GIC_EUSAGE);
		assert_null(c);
		assert_string_equal(gic_errmsg(), bad[i].err);
	}
}

static void val_labels_loading(void **state)
{
	struct gic_val_labels *v = NULL;
	char path[64];

	(void)state;
	assert_string_equal(gic_val_labels_get(val, "ILSVRC2012_val_00000744"),
			    "n01440764");
	assert_string_equal(gic_val_labels_get(val, "ILSVRC2012_val_00000001"),
			    "n01751748");
	assert_null(gic_val_labels_get(val, "ILSVRC2012_val_00000002"));
	assert_null(gic_val_labels_get(NULL, "ILSVRC2012_val_00000001"));

	write_temp("ImageId,PredictionString\nILSVRC2012_val_00000001,n01751748 1 2\n"
		   "ILSVRC2012_val_00000002 n01751748\n", path);
	assert_int_equal(gic_val_labels_load(path, &v), GIC_EUSAGE);
	assert_string_equal(gic_errmsg(), "line 3: expected 'ImageId,PredictionString'");
	unlink(path);

	write_temp("ImageId,PredictionString\nILSVRC2012_val_00000001,dog 1 2\n", path);
	assert_int_equal(gic_val_labels_load(path, &v), GIC_EUSAGE);
	assert_string_equal(gic_errmsg(), "line 2: PredictionString does not start "
			    "with a wnid like n01440764");
	unlink(path);

	write_temp("a,n00000001\nb,n00000002\na,n00000003\n", path);
	assert_int_equal(gic_val_labels_load(path, &v), GIC_EUSAGE);
	assert_string_equal(gic_errmsg(), "line 3: a is labelled n00000003 here and "
			    "n00000001 on line 1");
	unlink(path);

	/* another CSV given by mistake: its header is named */
	write_temp("path,score\nx.png,0.5\n", path);
	assert_int_equal(gic_val_labels_load(path, &v), GIC_EUSAGE);
	assert_string_equal(gic_errmsg(), "line 1: expected the header "
			    "'ImageId,PredictionString' of ImageNet's "
			    "LOC_val_solution.csv, not 'path,score'");
	unlink(path);

	write_temp("ImageId,PredictionString\n", path);
	assert_int_equal(gic_val_labels_load(path, &v), GIC_EUSAGE);
	assert_string_equal(gic_errmsg(), "no labels found");
	unlink(path);

	assert_int_equal(gic_val_labels_load("/nonexistent/LOC_val_solution.csv", &v),
			 GIC_ENOTFOUND);
	assert_null(v);
}

/* The real file has 50,000 rows; they must all load and be found. */
/* Two spellings of one path from two working directories, ".", ".."
 * and "//" taken out as text (the file's identity decides the rest). */
static void same_tail_spellings(void **state)
{
	static const struct { const char *a, *b; int same; } t[] = {
		{ "t/x.png", "t/x.png", 1 },
		{ "../t/x.png", "t/x.png", 1 },
		{ "/home/u/t/x.png", "t/x.png", 1 },
		{ "dupt/./sub/x.png", "dupt/sub/x.png", 1 },
		{ "dupt/sub/../sub/x.png", "dupt/sub/x.png", 1 },
		{ "dupt//sub/x.png", "dupt/sub/x.png", 1 },
		{ "./dupt/sub/./x.png", "../dupt/sub/x.png", 1 },
		{ "/../a/x.png", "a/x.png", 1 },
		{ "a/b/../../c/x.png", "c/x.png", 1 },
		{ "../../c/x.png", "c/x.png", 1 },
		{ "dupt/sub/../x.png", "dupt/sub/x.png", 0 },
		{ "xt/x.png", "t/x.png", 0 },
		{ "t/x.png", "t/y.png", 0 },
		{ "t/x.png/..", "t", 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (gic_same_tail(t[i].a, t[i].b) != t[i].same ||
		    gic_same_tail(t[i].b, t[i].a) != t[i].same)
			fail_msg("'%s' and '%s': expected %d", t[i].a, t[i].b,
				 t[i].same);
	}
}

static void val_labels_full_size(void **state)
{
	size_t cap = 50000 * 64 + 64, len = 0;
	char *text = malloc(cap), path[64], id[32], wnid[16];
	struct gic_val_labels *v = NULL;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, "ImageId,PredictionString\n");
	for (int i = 50000; i >= 1; i--)   /* reverse order: must not matter */
		len += (size_t)snprintf(text + len, cap - len,
					"ILSVRC2012_val_%08d,n%08d 1 2 3 4\r\n",
					i, i % 1000);
	write_temp(text, path);
	free(text);
	assert_int_equal(gic_val_labels_load(path, &v), 0);
	unlink(path);
	for (int i = 1; i <= 50000; i++) {
		snprintf(id, sizeof(id), "ILSVRC2012_val_%08d", i);
		snprintf(wnid, sizeof(wnid), "n%08d", i % 1000);
		assert_string_equal(gic_val_labels_get(v, id), wnid);
	}
	assert_null(gic_val_labels_get(v, "ILSVRC2012_val_00050001"));
	gic_val_labels_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_tail_spellings),
		cmocka_unit_test(genimage_fakes_of_every_generator),
		cmocka_unit_test(genimage_every_subset_and_split),
		cmocka_unit_test(genimage_reals_have_no_generator),
		cmocka_unit_test(classes_are_optional),
		cmocka_unit_test(genimage_path_forms),
		cmocka_unit_test(flattened_and_renamed_trees),
		cmocka_unit_test(generator_not_above_the_root),
		cmocka_unit_test(bad_names_have_no_class),
		cmocka_unit_test(imagefolder_layout),
		cmocka_unit_test(flat_layout),
		cmocka_unit_test(generator_aliases),
		cmocka_unit_test(layout_names),
		cmocka_unit_test(builtin_class_table),
		cmocka_unit_test(class_table_parsing),
		cmocka_unit_test(val_labels_loading),
		cmocka_unit_test(val_labels_full_size),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
