/*
 * degrade.c - operation chains ("resize(short=64)|jpeg(quality=65)"):
 * parsing with clear errors, the canonical text that keys derived objects,
 * the codec version, and gic_degrade_bytes(), which runs a chain on encoded
 * bytes with the pixel code of pixels.c.
 *
 * Grammar (spaces allowed between any two tokens):
 *   chain := op { "|" op }
 *   op    := NAME "(" [ arg { "," arg } ] ")"
 *   arg   := KEY "=" VALUE | VALUE
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>
#include <zlib.h> /* zlib makes the PNG bytes */

#include "degrade.h"

/* Bumped whenever an operation's output bytes change for the same input
 * (2: center_crop's offsets rounded as torchvision's CenterCrop; 3: CMYK
 * JPEGs without an Adobe marker read inverted, as Pillow reads them). */
#define ALGORITHM_VERSION "3"

#define STR(x) #x
#define XSTR(x) STR(x)

static char codec[160];
static pthread_once_t codec_once = PTHREAD_ONCE_INIT;

/* libpng and zlib say which version runs (an upgrade of the shared
 * library without a rebuild is another codec); libjpeg-turbo 2.x has no
 * such call: the version built against. */
static void codec_init(void)
{
	snprintf(codec, sizeof(codec), "gicat-degrade " ALGORITHM_VERSION
		 "; libjpeg-turbo " XSTR(LIBJPEG_TURBO_VERSION)
		 "; libpng %s; zlib %s", png_get_libpng_ver(NULL),
		 zlibVersion());
}

const char *gic_degrade_codec(void)
{
	pthread_once(&codec_once, codec_init);
	return codec;
}

/* ---- parsing -------------------------------------------------------------- */

#define MAX_ARGS 4
#define TOKEN_MAX 64

struct arg {
	char key[TOKEN_MAX];   /* "" for a positional value */
	char val[TOKEN_MAX];
};

struct call {
	char name[TOKEN_MAX];
	struct arg args[MAX_ARGS];
	int nargs;
};

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Copies the token [p, end) without trailing blanks into dst. */
static int take(const char *op, const char *p, const char *end, char *dst)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end - p >= TOKEN_MAX)
		return gic_seterr(GIC_EUSAGE, "%s: value too long: '%.*s...'",
				  op, 20, p);
	memcpy(dst, p, (size_t)(end - p));
	dst[end - p] = '\0';
	return 0;
}

/* One "KEY = VALUE" or "VALUE" up to the next ',' or ')'. */
static int parse_arg(struct call *c, const char **pp)
{
	const char *p = skip_ws(*pp), *end = p + strcspn(p, ",)"), *eq;
	struct arg *a;
	int rc;

	if (!*end)
		return gic_seterr(GIC_EUSAGE, "%s: missing ')'", c->name);
	if (c->nargs == MAX_ARGS)
		return gic_seterr(GIC_EUSAGE, "%s: too many parameters", c->name);
	a = &c->args[c->nargs++];
	eq = memchr(p, '=', (size_t)(end - p));
	a->key[0] = '\0';
	if (eq && (rc = take(c->name, p, eq, a->key)) < 0)
		return rc;
	if ((rc = take(c->name, eq ? skip_ws(eq + 1) : p, end, a->val)) < 0)
		return rc;
	if ((eq && !a->key[0]) || !a->val[0])
		return gic_seterr(GIC_EUSAGE, "%s: empty parameter", c->name);
	*pp = end;
	return 0;
}

static const struct op_def *find_def(const char *name);
static int unknown_op(const char *name);

/* NAME "(" args ")" at *pp; leaves *pp after the ')'. */
static int parse_call(struct call *c, const char **pp)
{
	const char *p = skip_ws(*pp), *q = p;
	int rc;

	while (isalnum((unsigned char)*q) || *q == '_')
		q++;
	if (q == p && !*p)
		return gic_seterr(GIC_EUSAGE, "empty operation chain");
	if (q == p)
		return gic_seterr(GIC_EUSAGE, "expected an operation at '%s'", p);
	if ((rc = take("operation", p, q, c->name)) < 0)
		return rc;
	if (!find_def(c->name))
		return unknown_op(c->name);
	c->nargs = 0;
	p = skip_ws(q);
	if (*p != '(')
		return gic_seterr(GIC_EUSAGE, "%s: expected '(' after '%s'",
				  c->name, c->name);
	p = skip_ws(p + 1);
	while (*p != ')') {
		if ((rc = parse_arg(c, &p)) < 0)
			return rc;
		if (*p == ',' && *(p = skip_ws(p + 1)) == ')')
			return gic_seterr(GIC_EUSAGE, "%s: empty parameter",
					  c->name);
	}
	*pp = skip_ws(p + 1);
	return 0;
}

/* Every argument of c must be a key of keys (NULL-ended), each once. */
static int check_keys(const struct call *c, const char *const *keys)
{
	for (int i = 0; i < c->nargs; i++) {
		const char *k = c->args[i].key;
		int known = 0;

		if (!*k)  /* the value of the first key, most likely */
			return gic_seterr(GIC_EUSAGE, "%s: expected name=value, "
					  "not '%s' (as in %s(%s=%s))", c->name,
					  c->args[i].val, c->name, keys[0],
					  c->args[i].val);
		for (const char *const *s = keys; *s; s++)
			known |= !strcmp(*s, k);
		if (!known) {
			char list[64] = "it takes ";
			const char *near;
			size_t n = 0;

			for (; keys[n]; n++)
				snprintf(list + strlen(list), sizeof(list) -
					 strlen(list), "%s%s", n ? ", " : "",
					 keys[n]);
			if ((near = gic_nearest(k, keys, n)))
				snprintf(list, sizeof(list), "did you mean "
					 "'%s'?", near);
			return gic_seterr(GIC_EUSAGE, "%s: unknown parameter "
					  "'%s' (%s)", c->name, k, list);
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(c->args[j].key, k))
				return gic_seterr(GIC_EUSAGE, "%s: %s given "
						  "twice", c->name, k);
	}
	return 0;
}

static const char *get(const struct call *c, const char *key)
{
	for (int i = 0; i < c->nargs; i++)
		if (!strcmp(c->args[i].key, key))
			return c->args[i].val;
	return NULL;
}

/* An integer lo..hi, all digits. */
static int int_in(const struct call *c, const char *key, const char *v,
		  int lo, int hi, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (!isdigit((unsigned char)*v) || *end || n < lo || n > hi)
		return gic_seterr(GIC_EUSAGE, "%s: %s must be %d..%d, not %s",
				  c->name, key, lo, hi, v);
	*out = (int)n;
	return 0;
}

static int build_jpeg(const struct call *c, struct gic_op *op)
{
	static const char *const keys[] = { "quality", "subsampling", NULL };
	const char *q = get(c, "quality"), *s = get(c, "subsampling");
	int rc;

	if ((rc = check_keys(c, keys)) < 0)
		return rc;
	if (!q)
		return gic_seterr(GIC_EUSAGE, "jpeg: quality is required, as in "
				  "jpeg(quality=75)");
	if ((rc = int_in(c, "quality", q, 1, 100, &op->quality)) < 0)
		return rc;
	/* 4:2:0 as the catalog's subsampling field spells it, 420 too */
	op->subsampling = 420;
	if (s && (!strcmp(s, "444") || !strcmp(s, "4:4:4")))
		op->subsampling = 444;
	else if (s && strcmp(s, "420") && strcmp(s, "4:2:0"))
		return gic_seterr(GIC_EUSAGE, "jpeg: subsampling must be 420 or "
				  "444 (4:2:0 or 4:4:4), not %s", s);
	return 0;
}

static int build_png(const struct call *c, struct gic_op *op)
{
	(void)op;
	if (c->nargs)
		return gic_seterr(GIC_EUSAGE, "png: takes no parameters");
	return 0;
}

/* A decimal with at most 3 decimals, in thousandths; sign kept. */
static int parse_milli(const char *v, long *out)
{
	const char *p = v + (*v == '-');
	long whole = 0, frac = 0;
	int nd = 0, digits = 0, dot;

	for (; isdigit((unsigned char)*p); p++, digits++)
		whole = whole < 1000000 ? whole * 10 + (*p - '0') : whole;
	dot = *p == '.';
	for (p += dot; dot && isdigit((unsigned char)*p); p++, digits++) {
		if (nd++ < 3)
			frac = frac * 10 + (*p - '0');
		else if (*p != '0')
			return -2;
	}
	if (*p || !digits)
		return -1;
	for (; nd < 3; nd++)
		frac *= 10;
	*out = (whole * 1000 + frac) * (*v == '-' ? -1 : 1);
	return 0;
}

static int build_blur(const struct call *c, struct gic_op *op)
{
	static const char *const keys[] = { "sigma", NULL };
	const char *s = get(c, "sigma");
	long milli = 0;
	int rc;

	if ((rc = check_keys(c, keys)) < 0)
		return rc;
	if (!s)
		return gic_seterr(GIC_EUSAGE, "blur: sigma is required, as in "
				  "blur(sigma=3)");
	rc = parse_milli(s, &milli);
	if (rc == -1)
		return gic_seterr(GIC_EUSAGE, "blur: sigma must be a decimal "
				  "number such as 1.5, not %s", s);
	if (rc == -2)
		return gic_seterr(GIC_EUSAGE, "blur: sigma takes at most 3 "
				  "decimals, not %s", s);
	if (milli <= 0)
		return gic_seterr(GIC_EUSAGE, "blur: sigma must be > 0");
	if (milli > 100000)
		return gic_seterr(GIC_EUSAGE, "blur: sigma must be at most 100");
	op->milli_sigma = (int)milli;
	return 0;
}

/* resize()'s filters, by enum gic_filter */
static const char *const filter_names[] = { "bicubic", "bilinear",
					    "lanczos" };

static int build_resize(const struct call *c, struct gic_op *op)
{
	static const char *const keys[] = { "short", "size", "filter", NULL };
	const char *s = get(c, "short"), *z = get(c, "size");
	const char *f = get(c, "filter");
	int rc;

	if ((rc = check_keys(c, keys)) < 0)
		return rc;
	if (!s == !z)
		return gic_seterr(GIC_EUSAGE, "resize: give short=N or size=N");
	for (op->filter = 0; f && strcmp(f, filter_names[op->filter]);)
		if (++op->filter == sizeof(filter_names) / sizeof(*filter_names))
			return gic_unknown("resize filter", f, filter_names,
					   sizeof(filter_names) /
					   sizeof(*filter_names), "bicubic, "
					   "bilinear or lanczos");
	op->kind = s ? GIC_OP_RESIZE_SHORT : GIC_OP_RESIZE_SIZE;
	return int_in(c, s ? "short" : "size", s ? s : z, 1, GIC_OP_MAX_SIDE,
		      &op->n);
}

/* center_crop(N[,align=A]): A moves the offsets down to multiples of A,
 * onto the 8x8 (16x16 for 4:2:0 chroma) blocks of a JPEG source */
static int build_crop(const struct call *c, struct gic_op *op)
{
	const char *a = get(c, "align");
	int rc;

	op->align = 1;
	if (c->nargs != 1 + !!a || c->args[0].key[0])
		return gic_seterr(GIC_EUSAGE, "center_crop: expected one size "
				  "and maybe align=A, as in center_crop(256) or "
				  "center_crop(256,align=16)");
	if (a && (rc = int_in(c, "align", a, 1, 64, &op->align)) < 0)
		return rc;
	return int_in(c, "size", c->args[0].val, 1, GIC_OP_MAX_SIDE, &op->n);
}

static const struct op_def {
	const char *name;
	enum gic_op_kind kind;
	int (*build)(const struct call *c, struct gic_op *op);
} op_defs[] = {
	{ "jpeg", GIC_OP_JPEG, build_jpeg },
	{ "png", GIC_OP_PNG, build_png },
	{ "blur", GIC_OP_BLUR, build_blur },
	{ "resize", GIC_OP_RESIZE_SHORT, build_resize },
	{ "center_crop", GIC_OP_CENTER_CROP, build_crop },
};

static const struct op_def *find_def(const char *name)
{
	for (size_t i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++)
		if (!strcmp(op_defs[i].name, name))
			return &op_defs[i];
	return NULL;
}

static int unknown_op(const char *name)
{
	const char *names[sizeof(op_defs) / sizeof(op_defs[0])];

	for (size_t i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++)
		names[i] = op_defs[i].name;
	return gic_unknown("operation", name, names,
			   sizeof(op_defs) / sizeof(op_defs[0]),
			   "jpeg, png, blur, resize, center_crop");
}

static int build(const struct call *c, struct gic_op *op)
{
	const struct op_def *d = find_def(c->name);

	memset(op, 0, sizeof(*op));
	if (!d) /* parse_call let only known names through */
		return gic_seterr(GIC_EUSAGE, "unknown operation '%s'", c->name);
	op->kind = d->kind;
	return d->build(c, op);
}

static int is_encoder(const struct gic_op *op)
{
	return op->kind == GIC_OP_JPEG || op->kind == GIC_OP_PNG;
}

static int print_op(char *buf, size_t size, const struct gic_op *op)
{
	int m = op->milli_sigma;

	switch (op->kind) {
	case GIC_OP_JPEG:
		return snprintf(buf, size, "jpeg(quality=%d%s)", op->quality,
				op->subsampling == 444 ? ",subsampling=444" : "");
	case GIC_OP_PNG:
		return snprintf(buf, size, "png()");
	case GIC_OP_BLUR:
		if (m % 1000 == 0)
			return snprintf(buf, size, "blur(sigma=%d)", m / 1000);
		if (m % 100 == 0)
			return snprintf(buf, size, "blur(sigma=%d.%d)", m / 1000,
					m % 1000 / 100);
		if (m % 10 == 0)
			return snprintf(buf, size, "blur(sigma=%d.%02d)",
					m / 1000, m % 1000 / 10);
		return snprintf(buf, size, "blur(sigma=%d.%03d)", m / 1000,
				m % 1000);
	case GIC_OP_RESIZE_SHORT:
	case GIC_OP_RESIZE_SIZE:  /* the default filter unsaid */
		return snprintf(buf, size, "resize(%s=%d%s%s)",
				op->kind == GIC_OP_RESIZE_SHORT ? "short" :
				"size", op->n, op->filter ? ",filter=" : "",
				op->filter ? filter_names[op->filter] : "");
	case GIC_OP_CENTER_CROP:
		return op->align > 1 ?
		       snprintf(buf, size, "center_crop(%d,align=%d)", op->n,
				op->align) :
		       snprintf(buf, size, "center_crop(%d)", op->n);
	}
	return 0;
}

static int too_many(void)
{
	return gic_seterr(GIC_EUSAGE, "at most %d operations, %d without a "
			  "final jpeg() or png()", GIC_OPS_MAX, GIC_OPS_MAX - 1);
}

/* Drops png() before other operations, ends the chain with an encoder, and
 * writes the canonical text. */
static int canonicalize(struct gic_ops *o)
{
	size_t at = 0;
	int n = 0;

	for (int i = 0; i < o->n; i++)
		if (o->op[i].kind != GIC_OP_PNG || i == o->n - 1)
			o->op[n++] = o->op[i];
	o->n = n;
	if (!is_encoder(&o->op[n - 1])) {
		if (n == GIC_OPS_MAX)
			return too_many();
		memset(&o->op[n], 0, sizeof(o->op[n]));
		o->op[o->n++].kind = GIC_OP_PNG;
	}
	for (int i = 0; i < o->n && at < sizeof(o->canon); i++) {
		if (i)
			o->canon[at++] = '|';
		at += (size_t)print_op(o->canon + at, sizeof(o->canon) - at,
				       &o->op[i]);
	}
	if (at >= sizeof(o->canon))  /* GIC_OPS_TEXT_MAX has room for any */
		return gic_seterr(GIC_EUSAGE, "canonical chain longer than %zu "
				  "characters", sizeof(o->canon) - 1);
	return 0;
}

int gic_ops_parse(const char *text, struct gic_ops *out)
{
	const char *p = text;
	struct call c;
	int rc;

	memset(out, 0, sizeof(*out));
	if (strlen(text) >= GIC_OPS_TEXT_MAX)
		return gic_seterr(GIC_EUSAGE, "operation chain longer than %d "
				  "characters", GIC_OPS_TEXT_MAX - 1);
	for (;;) {
		if (out->n == GIC_OPS_MAX)
			return too_many();
		if ((rc = parse_call(&c, &p)) < 0 ||
		    (rc = build(&c, &out->op[out->n])) < 0)
			return rc;
		out->n++;
		if (!*p)
			break;
		if (*p != '|')
			return gic_seterr(GIC_EUSAGE, "expected '|' between "
					  "operations, not '%s'", p);
		if (!*skip_ws(p + 1))
			return gic_seterr(GIC_EUSAGE, "empty operation after "
					  "'|'");
		p++;
	}
	return canonicalize(out);
}

/* ---- applying a chain -------------------------------------------------- */

/* resize(short=N): the short side becomes N, the long one
 * floor(long * N / short) (at least 1), as torchvision's Resize(N).
 * In 64 bits: a long side times N may not fit 32. */
static void short_side_size(const struct gic_pixels *p, uint32_t n,
			    uint64_t *w, uint64_t *h)
{
	uint64_t lo = p->w < p->h ? p->w : p->h, hi = p->w < p->h ? p->h : p->w;
	uint64_t l = hi * n / lo;

	if (l < 1)
		l = 1;
	*w = p->w < p->h ? n : l;
	*h = p->w < p->h ? l : n;
}

/*
 * Refuses an operation whose result (or, for a resize, the image between
 * its horizontal and vertical passes: new width x old height) would pass
 * the pixel limit images are ingested under, or have a side longer than
 * its encoder can write (libpng's default user limit for PNG, which every
 * pixel operation ends in, JPEG's 65500), before anything is allocated.
 * A usage error: the chain does not fit this image, a crop larger than
 * the image neither.  Else *ow x *oh is the size the operation makes.
 */
static int check_size(const struct gic_op *op, const struct gic_pixels *px,
		      uint32_t *ow, uint32_t *oh)
{
	uint64_t w = px->w, h = px->h, pass = 0, side_max = PNG_USER_WIDTH_MAX;
	const char *fmt = "PNG";
	char name[64];

	switch (op->kind) {
	case GIC_OP_RESIZE_SHORT:
		short_side_size(px, (uint32_t)op->n, &w, &h);
		break;
	case GIC_OP_RESIZE_SIZE:
		w = h = (uint64_t)op->n;
		break;
	case GIC_OP_JPEG:
		side_max = JPEG_MAX_DIMENSION;
		fmt = "JPEG";
		break;
	case GIC_OP_CENTER_CROP:  /* only ever smaller, or an error */
		if ((uint32_t)op->n > px->w || (uint32_t)op->n > px->h)
			return gic_seterr(GIC_EUSAGE, "cannot crop %dx%d out "
					  "of a %ux%u image", op->n, op->n,
					  px->w, px->h);
		break;
	case GIC_OP_BLUR:
	case GIC_OP_PNG:
		break;
	}
	if ((op->kind == GIC_OP_RESIZE_SHORT || op->kind == GIC_OP_RESIZE_SIZE) &&
	    w != px->w && h != px->h)
		pass = w * px->h;
	print_op(name, sizeof(name), op);
	if (w * h > GIC_DEFAULT_MAX_PIXELS || pass > GIC_DEFAULT_MAX_PIXELS)
		return gic_seterr(GIC_EUSAGE, "%s of %ux%u would %s %llux%llu: "
				  "over the %llu Mpx limit", name, px->w, px->h,
				  pass > GIC_DEFAULT_MAX_PIXELS &&
				  w * h <= GIC_DEFAULT_MAX_PIXELS
				  ? "pass through" : "be",
				  (unsigned long long)w,
				  (unsigned long long)(w * h > GIC_DEFAULT_MAX_PIXELS
						       ? h : px->h),
				  GIC_DEFAULT_MAX_PIXELS / 1000000);
	if (w > side_max || h > side_max) {
		if (w == px->w && h == px->h)
			return gic_seterr(GIC_EUSAGE, "%s of %ux%u: a side over "
					  "the %llu px a %s can hold", name,
					  px->w, px->h,
					  (unsigned long long)side_max, fmt);
		return gic_seterr(GIC_EUSAGE, "%s of %ux%u would be %llux%llu: a "
				  "side over the %llu px a %s can hold", name,
				  px->w, px->h, (unsigned long long)w,
				  (unsigned long long)h,
				  (unsigned long long)side_max, fmt);
	}
	*ow = op->kind == GIC_OP_CENTER_CROP ? (uint32_t)op->n : (uint32_t)w;
	*oh = op->kind == GIC_OP_CENTER_CROP ? (uint32_t)op->n : (uint32_t)h;
	return 0;
}

int gic_ops_fit(const struct gic_ops *ops, uint32_t w, uint32_t h)
{
	struct gic_pixels px = { .w = w, .h = h };
	int rc;

	/* gic_degrade_bytes decodes nothing past the default limit, though
	 * ingest --max-pixels may have let a larger image in */
	if ((rc = gic_probe_check_size(w, h, NULL)) < 0)
		return rc;
	for (int i = 0; i < ops->n; i++)
		if ((rc = check_size(&ops->op[i], &px, &px.w, &px.h)) < 0)
			return rc;
	return 0;
}

/* Runs one operation: pixel ones in place, encoders into *enc. */
static int apply(const struct gic_op *op, struct gic_pixels *px,
		 unsigned char **enc, size_t *enclen)
{
	uint32_t w, h;
	int rc;

	if ((rc = check_size(op, px, &w, &h)) < 0)
		return rc;
	switch (op->kind) {
	case GIC_OP_BLUR:
		return gic_pixels_blur(px, op->milli_sigma / 1000.0);
	case GIC_OP_RESIZE_SHORT:
	case GIC_OP_RESIZE_SIZE:
		return gic_pixels_resize(px, w, h, op->filter);
	case GIC_OP_CENTER_CROP:
		return gic_pixels_crop(px, w, h, (uint32_t)op->align);
	case GIC_OP_JPEG:
		return gic_pixels_encode_jpeg(px, op->quality, op->subsampling,
					      enc, enclen);
	case GIC_OP_PNG:
		return gic_pixels_encode_png(px, GIC_PNG_FAST, enc, enclen);
	}
	return gic_seterr(GIC_EUSAGE, "unknown operation kind %d", op->kind);
}

int gic_degrade_bytes(const unsigned char *in, size_t len,
		      const struct gic_ops *ops, unsigned char **out,
		      size_t *outlen)
{
	struct gic_pixels px = { 0 };
	unsigned char *enc = NULL;
	size_t enclen = 0;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (!ops || ops->n < 1 || !is_encoder(&ops->op[ops->n - 1]))
		return gic_seterr(GIC_EUSAGE, "gic_degrade_bytes: chain not "
				  "from gic_ops_parse");
	if ((rc = gic_pixels_decode(in, len, 0, &px)) < 0)
		goto out;
	for (int i = 0; i < ops->n; i++) {
		if (enc) { /* an encoder mid-chain: go on from what it made */
			gic_pixels_release(&px);
			rc = gic_pixels_decode(enc, enclen, 0, &px);
			free(enc);
			enc = NULL;
			if (rc < 0)
				goto out;
		}
		if ((rc = apply(&ops->op[i], &px, &enc, &enclen)) < 0)
			goto out;
	}
	*out = enc;
	*outlen = enclen;
	enc = NULL;
out:
	free(enc);
	gic_pixels_release(&px);
	return rc;
}
