/*
 * fuzz-degrade.c - degradation chains on any bytes: the input's first
 * line is the chain ("blur(sigma=3)|resize(short=5)"), the rest the image.
 * Small images (64 kilopixels at most, a header's claim checked first)
 * and chains whose sides stay at 512 or less and blur sigma at 50 or
 * less keep each run short; 1-pixel images, crops of the whole image and
 * blur radii wider than the image are what this is for.  The bytes must
 * not depend on the run: each chain is applied twice and compared.
 */
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "degrade.h"
#include "fuzz.h"

#define MAX_PIXELS (64u << 10)

static int small(const struct gic_ops *ops)
{
	for (int i = 0; i < ops->n; i++)
		if (ops->op[i].n > 512 || ops->op[i].milli_sigma > 50000)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
	struct gic_probe_opts po = { .max_pixels = MAX_PIXELS };
	struct gic_image_info info;
	unsigned char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0, skip;
	struct gic_ops ops;
	char *text;
	int rc;

	if (!nl || !(text = strndup((const char *)data, (size_t)(nl - data))))
		return 0;
	skip = (size_t)(nl - data) + 1;
	rc = gic_ops_parse(text, &ops);
	free(text);
	if (rc < 0 || !small(&ops) ||
	    gic_probe(data + skip, size - skip, &po, &info) < 0)
		return 0;
	rc = gic_ops_fit(&ops, info.width, info.height);
	gic_image_info_release(&info);
	if (rc < 0)
		return 0;
	if (gic_degrade_bytes(data + skip, size - skip, &ops, &a, &alen) == 0 &&
	    (gic_degrade_bytes(data + skip, size - skip, &ops, &b, &blen) < 0 ||
	     alen != blen || memcmp(a, b, alen)))
		abort();
	free(a);
	free(b);
	return 0;
}
