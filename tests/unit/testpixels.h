/*
 * testpixels.h - test images made in memory with the library's own pixel
 * code.  Include after <cmocka.h> and "degrade.h".
 */
#ifndef GIC_TESTPIXELS_H
#define GIC_TESTPIXELS_H

/* The PNG bytes of a textured w x h image (free them). */
__attribute__((unused))
static unsigned char *texture_png(uint32_t w, uint32_t h, size_t *len)
{
	struct gic_pixels p;
	unsigned char *out;

	assert_int_equal(gic_pixels_init(&p, w, h), 0);
	for (size_t i = 0; i < (size_t)w * h * 3; i++)
		p.rgb[i] = (unsigned char)(i * 7 % 251 + i / (3 * w) * 3);
	assert_int_equal(gic_pixels_encode_png(&p, 6, &out, len), 0);
	gic_pixels_release(&p);
	return out;
}

#endif
