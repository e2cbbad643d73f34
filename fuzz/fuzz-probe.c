/*
 * fuzz-probe.c - any bytes through gic_probe (sniffing, the PNG and JPEG
 * decoders, metadata, pHash) and gic_pixels_decode (the RGB decoder the
 * degradations read with).  A 4-megapixel limit keeps each run short; the
 * limit itself is part of what is fuzzed.
 */
#include "catalog.h"
#include "degrade.h"
#include "fuzz.h"

#define MAX_PIXELS (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gic_probe_opts o = { .max_pixels = MAX_PIXELS };
	struct gic_image_info info;
	struct gic_pixels px;

	if (gic_probe(data, size, &o, &info) == 0)
		gic_image_info_release(&info);
	if (gic_pixels_decode(data, size, MAX_PIXELS, &px) == 0)
		gic_pixels_release(&px);
	return 0;
}
