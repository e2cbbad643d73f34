/*
 * test-audit.c - the pieces of the audits that are easiest to get wrong:
 * the EXIF and XMP provenance parsers (both byte orders, values inline and
 * at offsets, offsets outside the data, the forms XMP writes a property
 * in), a JPEG probed end to end with those markers, the best-threshold
 * search against brute force, and license lists, defaults and the
 * LICENSES.md text; names found by the index as by a search.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "testdata.h"
#include "audit.h"
#include "audit-int.h"
#include "probe-int.h"

/* ---- EXIF ---------------------------------------------------------- */

/* A TIFF header and IFD0 with entries (tag, type, count, value or offset)
 * in the byte order le; returns its length. */
struct tiff {
	unsigned char b[512];
	int le;
	size_t n;
};

static void put16(struct tiff *t, size_t at, unsigned v)
{
	t->b[at + !t->le] = (unsigned char)v;
	t->b[at + t->le] = (unsigned char)(v >> 8);
}

static void put32(struct tiff *t, size_t at, uint32_t v)
{
	put16(t, at + (t->le ? 0 : 2), v & 0xffff);
	put16(t, at + (t->le ? 2 : 0), v >> 16);
}

static void tiff_start(struct tiff *t, int le, int nentries)
{
	memset(t, 0, sizeof(*t));
	t->le = le;
	memcpy(t->b, le ? "II" : "MM", 2);
	put16(t, 2, 42);
	put32(t, 4, 8);
	put16(t, 8, (unsigned)nentries);
	t->n = 10 + 12 * (size_t)nentries + 4;
}

/* Entry i: an ASCII value stored inline (<= 4 bytes) or after the IFD. */
static void tiff_ascii(struct tiff *t, int i, unsigned tag, const char *v)
{
	size_t e = 10 + 12 * (size_t)i, len = strlen(v) + 1;

	put16(t, e, tag);
	put16(t, e + 2, 2);
	put32(t, e + 4, (uint32_t)len);
	if (len <= 4) {
		memcpy(t->b + e + 8, v, len);
		return;
	}
	put32(t, e + 8, (uint32_t)t->n);
	memcpy(t->b + t->n, v, len);
	t->n += len;
}

static void test_exif_both_byte_orders(void **state)
{
	(void)state;
	for (int le = 0; le < 2; le++) {
		struct gic_image_info in = { 0 };
		struct tiff t;

		tiff_start(&t, le, 4);
		tiff_ascii(&t, 0, 0x010f, "LG");
		tiff_ascii(&t, 1, 0x0110, "Pixel 7 Pro");
		put16(&t, 10 + 24, 0x0112);      /* orientation SHORT 6 */
		put16(&t, 10 + 26, 3);
		put32(&t, 10 + 28, 1);
		put16(&t, 10 + 32, 6);
		tiff_ascii(&t, 3, 0x0131, "  Adobe\tPhotoshop \x01 CC   ");
		probe_exif(t.b, t.n, &in);
		assert_string_equal(in.exif_make, "LG");
		assert_string_equal(in.exif_model, "Pixel 7 Pro");
		assert_string_equal(in.exif_software, "AdobePhotoshop  CC");
		assert_int_equal(in.orientation, 6);
	}
}

static void test_exif_bad_offsets_are_ignored(void **state)
{
	struct gic_image_info in = { 0 };
	struct tiff t;

	(void)state;
	tiff_start(&t, 1, 3);
	tiff_ascii(&t, 0, 0x0131, "a long software name");
	put32(&t, 10 + 8, 0xfffffff0u);          /* offset past the end */
	tiff_ascii(&t, 1, 0x010f, "Canon");
	put32(&t, 10 + 12 + 4, 0xffffffffu);     /* count past the end */
	tiff_ascii(&t, 2, 0x0110, "EOS");
	probe_exif(t.b, t.n, &in);
	assert_string_equal(in.exif_software, "");
	assert_string_equal(in.exif_make, "");
	assert_string_equal(in.exif_model, "EOS");
	/* a value of another type than ASCII is not text */
	memset(&in, 0, sizeof(in));
	put16(&t, 10 + 24 + 2, 7);               /* UNDEFINED */
	probe_exif(t.b, t.n, &in);
	assert_string_equal(in.exif_model, "");
	/* not TIFF: the byte order mark without 42 */
	memset(&in, 0, sizeof(in));
	put16(&t, 10 + 24 + 2, 2);
	put16(&t, 2, 43);
	probe_exif(t.b, t.n, &in);
	assert_string_equal(in.exif_model, "");
	put16(&t, 2, 42);
	/* cut anywhere, the parser stays inside the buffer (ASan checks) */
	for (size_t n = 0; n < t.n; n++) {
		struct gic_image_info cut = { 0 };
		unsigned char *copy = malloc(n ? n : 1);
		memcpy(copy, t.b, n);
		probe_exif(copy, n, &cut);
		free(copy);
	}
}

static void test_exif_long_values_are_cut(void **state)
{
	struct gic_image_info in = { 0 };
	char v[200];
	struct tiff t;

	(void)state;
	memset(v, 'x', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	tiff_start(&t, 0, 1);
	tiff_ascii(&t, 0, 0x0131, v);
	probe_exif(t.b, t.n, &in);
	assert_int_equal(strlen(in.exif_software), sizeof(in.exif_software) - 1);
}

/* ---- XMP ----------------------------------------------------------- */

static void xmp_case(const char *xmp, const char *want)
{
	struct gic_image_info in = { 0 };

	probe_xmp(xmp, strlen(xmp), &in);
	if (strcmp(in.xmp_source_type, want))
		fail_msg("%s: got '%s', want '%s'", xmp, in.xmp_source_type, want);
}

static void test_xmp_forms(void **state)
{
	(void)state;
	xmp_case("<rdf:Description Iptc4xmpExt:DigitalSourceType=\"http://cv."
		 "iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia\"/>",
		 "trainedAlgorithmicMedia");
	xmp_case("<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/"
		 "digitalsourcetype/digitalCapture</Iptc4xmpExt:"
		 "DigitalSourceType>", "digitalCapture");
	xmp_case("<Iptc4xmpExt:DigitalSourceType rdf:resource='http://cv.iptc."
		 "org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmic"
		 "Media'/>", "compositeWithTrainedAlgorithmicMedia");
	xmp_case("<x:DigitalSourceType>\n  algorithmicMedia </x:"
		 "DigitalSourceType>", "algorithmicMedia");
	xmp_case("<x:DigitalSourceType>http://cv.iptc.org/newscodes/"
		 "digitalsourcetype/digitalCapture/ </x:DigitalSourceType>",
		 "digitalCapture");
	/* no value: an unprefixed word, a closing tag alone, cut packets */
	xmp_case("the DigitalSourceType is unknown", "");
	xmp_case("</Iptc4xmpExt:DigitalSourceType>x<", "");
	xmp_case("<a:DigitalSourceType", "");
	xmp_case("<a:DigitalSourceType=\"unterminated", "");
	xmp_case("<a:DigitalSourceType>", "");
}

/* ---- a JPEG with EXIF and XMP, probed end to end ----------------------- */

static unsigned char *jpeg_with(const struct tiff *t, const char *xmp,
				unsigned long *len)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr err;
	unsigned char *out = NULL, row[3 * 16], app1[600];

	ci.err = jpeg_std_error(&err);
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &out, len);
	ci.image_width = ci.image_height = 16;
	ci.input_components = 3;
	ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&ci);
	jpeg_start_compress(&ci, TRUE);
	memcpy(app1, "Exif\0\0", 6);
	memcpy(app1 + 6, t->b, t->n);
	jpeg_write_marker(&ci, JPEG_APP0 + 1, app1, (unsigned)(6 + t->n));
	memcpy(app1, "http://ns.adobe.com/xap/1.0/", 29);
	memcpy(app1 + 29, xmp, strlen(xmp));
	jpeg_write_marker(&ci, JPEG_APP0 + 1, app1, (unsigned)(29 + strlen(xmp)));
	for (int y = 0; y < 16; y++) {
		JSAMPROW r = row;
		for (int x = 0; x < 48; x++)
			row[x] = (unsigned char)(x * 5 + y * 9);
		jpeg_write_scanlines(&ci, &r, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	return out;
}

static void test_probe_jpeg_provenance(void **state)
{
	struct gic_image_info in;
	unsigned long len = 0;
	unsigned char *p;
	struct tiff t;

	(void)state;
	tiff_start(&t, 0, 2);
	tiff_ascii(&t, 0, 0x0131, "Midjourney");
	tiff_ascii(&t, 1, 0x010f, "Nikon");
	p = jpeg_with(&t, "<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/"
		      "newscodes/digitalsourcetype/trainedAlgorithmicMedia"
		      "</Iptc4xmpExt:DigitalSourceType>", &len);
	assert_int_equal(gic_probe(p, len, NULL, &in), 0);
	assert_true(in.has_exif && in.has_xmp);
	assert_string_equal(in.exif_software, "Midjourney");
	assert_string_equal(in.exif_make, "Nikon");
	assert_string_equal(in.exif_model, "");
	assert_string_equal(in.xmp_source_type, "trainedAlgorithmicMedia");
	gic_image_info_release(&in);
	free(p);
}

/* ---- best threshold ----------------------------------------------- */

/* Brute force over every value and both directions. */
static double brute(const double *v, const uint64_t *r, const uint64_t *f,
		    size_t n)
{
	uint64_t R = 0, F = 0;
	double best = 0;

	for (size_t i = 0; i < n; i++)
		R += r[i], F += f[i];
	for (size_t t = 0; t < n; t++) {
		uint64_t rle = 0, fle = 0, rge = 0, fge = 0;
		for (size_t i = 0; i < n; i++) {
			if (v[i] <= v[t])
				rle += r[i], fle += f[i];
			if (v[i] >= v[t])
				rge += r[i], fge += f[i];
		}
		double a = ((double)fle / F + (double)(R - rle) / R) / 2;
		double b = ((double)fge / F + (double)(R - rge) / R) / 2;
		best = fmax(best, fmax(a, b));
	}
	return best;
}

static void test_best_threshold(void **state)
{
	double v[4] = { 128, 256, 375, 500 };
	uint64_t r[4] = { 0, 0, 5, 5 }, f[4] = { 3, 7, 0, 0 };
	struct gic_rule_score s = { .id = "x" };

	(void)state;
	gic_best_threshold(v, r, f, 4, &s);
	assert_true(s.below);
	assert_true(s.threshold == 256 && s.accuracy == 1.0);
	/* the other direction */
	gic_best_threshold(v, f, r, 4, &s);
	assert_false(s.below);
	assert_true(s.threshold == 375 && s.accuracy == 1.0);
	assert_string_equal(s.id, "x");
	/* one value: nothing separates, chance */
	gic_best_threshold(v, r, f, 1, &s);
	assert_true(isnan(s.accuracy));     /* no reals there: no score */
	{
		uint64_t one_r = 4, one_f = 2;
		gic_best_threshold(v, &one_r, &one_f, 1, &s);
		assert_true(s.accuracy == 0.5);
	}
	/* a tie: the first threshold (in value order) that scores best */
	{
		double tv[3] = { 1, 2, 3 };
		uint64_t tr[3] = { 0, 1, 1 }, tf[3] = { 1, 1, 0 };

		gic_best_threshold(tv, tr, tf, 3, &s);
		assert_true(s.below && s.threshold == 1 && s.accuracy == 0.75);
	}
	/* random data against brute force */
	srand(7);
	for (int round = 0; round < 200; round++) {
		double vv[12];
		uint64_t rr[12], ff[12];
		size_t n = 2 + (size_t)(rand() % 10);
		for (size_t i = 0; i < n; i++) {
			vv[i] = (double)i * 1.5;
			rr[i] = (uint64_t)(rand() % 5);
			ff[i] = (uint64_t)(rand() % 5);
		}
		rr[0]++, ff[n - 1]++;
		gic_best_threshold(vv, rr, ff, n, &s);
		assert_true(fabs(s.accuracy - brute(vv, rr, ff, n)) < 1e-12);
		assert_true(fabs((s.real_acc + s.fake_acc) / 2 - s.accuracy) < 1e-12);
	}
}

/*
 * Ties keep the smaller threshold, "<=" before ">=" on the same value,
 * whether the scores tie on paper only (2/3 + 1/3 rounds above 1 one way
 * and not the other) or because one value leaves nothing to separate.
 */
static void test_best_threshold_ties(void **state)
{
	static const struct {
		size_t n;
		double v[3];
		uint64_t r[3], f[3];
		double t, acc;
	} c[] = {
		/* "<= 2" and ">= 2" both score 3/4 */
		{ 3, { 1, 2, 3 }, { 1, 0, 1 }, { 0, 2, 0 }, 2, 0.75 },
		/* every rule scores 1/2; computed naively ">= 2" wins */
		{ 2, { 1, 2 }, { 2, 1 }, { 2, 1 }, 1, 0.5 },
		/* one value: everything is called fake either way */
		{ 1, { 7 }, { 2 }, { 3 }, 7, 0.5 },
	};
	struct gic_rule_score s = { .id = "x" };

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		gic_best_threshold(c[i].v, c[i].r, c[i].f, c[i].n, &s);
		assert_true(s.below);
		assert_true(s.threshold == c[i].t);
		assert_true(s.accuracy == c[i].acc);
	}
}

/* The best rule of all sets is the highest score, however close the
 * others come; of equal scores the first. */
static void test_max_accuracy(void **state)
{
	struct gic_bias_set sets[2];
	struct gic_bias b = { sets, 2, "entries" };
	const struct gic_bias_set *set = NULL;
	const struct gic_rule_score *rule = NULL;

	(void)state;
	memset(sets, 0, sizeof(sets));
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < GIC_BIAS_NRULES; k++)
			sets[i].rules[k].accuracy = NAN;
	sets[0].rules[GIC_RULE_PNG].accuracy = 0.8;
	sets[1].rules[GIC_RULE_SIZES].accuracy = 0.8;
	assert_true(gic_bias_max_accuracy(&b, &set, &rule) == 0.8);
	assert_ptr_equal(rule, &sets[0].rules[GIC_RULE_PNG]);
	sets[1].rules[GIC_RULE_SIZES].accuracy = nextafter(0.8, 1);
	assert_true(gic_bias_max_accuracy(&b, &set, &rule) == nextafter(0.8, 1));
	assert_ptr_equal(set, &sets[1]);
}

/* The sizes rule looks at the short side, whichever it is. */
static void test_sizes_rule_short_side(void **state)
{
	static const struct { uint32_t w, h; uint64_t hit; } c[] = {
		{ 128, 300, 1 }, { 256, 256, 1 }, { 700, 512, 1 },
		{ 1024, 2000, 1 }, { 384, 512, 0 }, { 768, 1024, 0 },
		{ 127, 128, 0 }, { 1023, 1023, 0 }, { 2048, 2048, 0 } };
	struct rule_data d;

	(void)state;
	memset(&d, 0, sizeof(d));
	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		uint64_t before = d.sizes[1];

		assert_int_equal(rule_data_add(&d, 1, "png", c[i].w, c[i].h, 0,
					       1000), 0);
		assert_true(d.sizes[1] - before == c[i].hit);
	}
	rule_data_free(&d);
}

/* ---- licenses ----------------------------------------------------- */

static int collect(void *arg, const char *id)
{
	char *out = arg;

	strcat(out, "[");
	strcat(out, id);
	strcat(out, "]");
	return 0;
}

static void test_license_lists_and_defaults(void **state)
{
	struct gic_path_meta m = { .layout = GIC_LAYOUT_GENIMAGE,
				   .subset = "adm" };
	char unknown[] = "LicenseRef-Unknown", nc[] = "CC-BY-NC-4.0", t[] = "t";
	struct gic_license l = { unknown, t, NULL, t, 0, 0, 0, 0 };
	char out[256] = "";

	(void)state;
	gic_license_each(" MIT,CC0-1.0 ,, LicenseRef-GenImage", collect, out);
	assert_string_equal(out, "[MIT][CC0-1.0][LicenseRef-GenImage]");
	assert_string_equal(gic_license_default(&m, "real", NULL),
			    "LicenseRef-GenImage LicenseRef-ImageNet");
	assert_string_equal(gic_license_default(&m, "fake", "midjourney"),
			    "LicenseRef-GenImage LicenseRef-Midjourney");
	assert_string_equal(gic_license_default(&m, "fake", "adm"),
			    "LicenseRef-GenImage");
	m.layout = GIC_LAYOUT_IMAGEFOLDER;
	assert_null(gic_license_default(&m, "real", NULL));
	/* GenImage's layout, no GenImage subset: someone else's data */
	m.layout = GIC_LAYOUT_GENIMAGE;
	m.subset[0] = '\0';
	assert_null(gic_license_default(&m, "fake", "adm"));
	assert_false(gic_license_allows(&l, GIC_USE_RESEARCH));
	l.id = nc;
	l.redistribution = 1;
	assert_true(gic_license_allows(&l, GIC_USE_RESEARCH));
	assert_true(gic_license_allows(&l, GIC_USE_REDISTRIBUTE));
	assert_false(gic_license_allows(&l, GIC_USE_COMMERCIAL));
}

static void test_license_markdown(void **state)
{
	char id[] = "CC-BY-SA-4.0", name[] = "Creative Commons BY-SA",
	     url[] = "https://example.org/by-sa", terms[] = "Share alike.";
	struct gic_license l = { id, name, url, terms, 1, 1, 1, 1 };
	char *md;

	(void)state;
	md = gic_license_markdown(&l);
	assert_contains(md, "commercial use: allowed",
			"attribution: credit \"Creative Commons BY-SA\" "
			"(https://example.org/by-sa)",
			"shared under \"Creative Commons BY-SA\"", "Share alike.");
	free(md);
	/* each flag its own line: Midjourney's terms ask credit, no
	 * share-alike, and allow sharing but not commercial use */
	l.share_alike = l.commercial = 0;
	md = gic_license_markdown(&l);
	assert_contains(md, "commercial use: not allowed",
			"redistribution: allowed", "attribution required: yes",
			"share-alike: no", "attribution: credit");
	assert_lacks(md, "shared under");
	free(md);
	l.attribution = 0;
	l.url = NULL;
	md = gic_license_markdown(&l);
	assert_lacks(md, "attribution: credit");
	assert_contains(md, "attribution required: no");
	free(md);
}

/* ---- names --------------------------------------------------------- */

/* audit_named with an index finds what the plain search finds, across
 * the index's growth, names appended behind its back, and names that
 * collide in a small table. */
static void test_named_index(void **state)
{
	struct gic_prov_count *plain = NULL, *fast = NULL;
	struct audit_names ix = { 0 };
	size_t np = 0, nf = 0;
	char name[32];

	(void)state;
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 3000; i++) {
			int ap = 0, af = 0;
			struct gic_prov_count *p, *f;

			snprintf(name, sizeof(name), "text:key%d",
				 (i * 7919) % 2000);
			p = audit_named(&plain, &np, sizeof(*plain), name, &ap,
					NULL);
			f = audit_named(&fast, &nf, sizeof(*fast), name, &af,
					i % 500 ? &ix : NULL);
			assert_non_null(p);
			assert_non_null(f);
			assert_int_equal(ap, af);
			assert_int_equal(p - plain, f - fast);
			assert_string_equal(f->name, name);
			f->n++;
		}
	assert_int_equal(nf, 2000);
	assert_int_equal(np, nf);
	for (size_t i = 0; i < nf; i++) {
		assert_string_equal(plain[i].name, fast[i].name);
		assert_true(fast[i].n == 3 || fast[i].n == 6);
		free(plain[i].name);
		free(fast[i].name);
	}
	free(plain);
	free(fast);
	audit_names_free(&ix);
	assert_null(ix.slot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exif_both_byte_orders),
		cmocka_unit_test(test_exif_bad_offsets_are_ignored),
		cmocka_unit_test(test_exif_long_values_are_cut),
		cmocka_unit_test(test_xmp_forms),
		cmocka_unit_test(test_probe_jpeg_provenance),
		cmocka_unit_test(test_sizes_rule_short_side),
		cmocka_unit_test(test_best_threshold),
		cmocka_unit_test(test_best_threshold_ties),
		cmocka_unit_test(test_max_accuracy),
		cmocka_unit_test(test_license_lists_and_defaults),
		cmocka_unit_test(test_license_markdown),
		cmocka_unit_test(test_named_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
