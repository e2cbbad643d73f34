/*
 * eval-grid.c - what tables and heatmaps show: a task's scores or the
 * cross-generator matrix of several runs as a grid of values, and a grid as
 * a self-contained HTML page: one inline SVG heatmap (cells coloured on a
 * fixed 0-100% scale with the value printed in them, a colour legend), no
 * scripts and nothing loaded from elsewhere, so the file can be mailed or
 * attached as it is.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "json.h"

/* ---- grids -------------------------------------------------------------- */

static int grid_alloc(struct gic_grid *g, int nrows, int ncols)
{
	memset(g, 0, sizeof(*g));
	g->nrows = nrows;
	g->ncols = ncols;
	g->rows = calloc((size_t)nrows, sizeof(char *));
	g->cols = calloc((size_t)ncols, sizeof(char *));
	g->v = malloc((size_t)nrows * (size_t)ncols * sizeof(double));
	if (!g->rows || !g->cols || !g->v) {
		gic_grid_release(g);
		return gic_seterr(GIC_ENOMEM, "out of memory");
	}
	for (int i = 0; i < nrows * ncols; i++)
		g->v[i] = NAN;
	return 0;
}

static int grid_names(struct gic_grid *g)
{
	for (int i = 0; i < g->nrows; i++)
		if (!g->rows[i])
			goto fail;
	for (int i = 0; i < g->ncols; i++)
		if (!g->cols[i])
			goto fail;
	return 0;
fail:
	gic_grid_release(g);
	return gic_seterr(GIC_ENOMEM, "out of memory");
}

int gic_eval_grid(const struct gic_eval *e, struct gic_grid *g)
{
	int rc = grid_alloc(g, GIC_M_COUNT, e->nsets + 1);

	if (rc < 0)
		return rc;
	for (int m = 0; m < GIC_M_COUNT; m++) {
		g->rows[m] = strdup(gic_metric_name((enum gic_metric)m));
		for (int k = 0; k <= e->nsets; k++)
			g->v[m * g->ncols + k] = gic_metric_get(k < e->nsets ?
				&e->sets[k].m : &e->avg, (enum gic_metric)m);
	}
	for (int k = 0; k < e->nsets; k++)
		g->cols[k] = strdup(e->sets[k].name);
	g->cols[e->nsets] = strdup("avg");
	return grid_names(g);
}

/* The union of the runs' set names, in GenImage's order, then as met;
 * GIC_EUSAGE when they are more than a matrix has columns. */
static int matrix_cols(const struct gic_eval *runs, int n, const char **cols)
{
	int nc = 0;

	for (int rank = 0; rank <= gic_genimage_ranks(); rank++)
		for (int i = 0; i < n; i++)
			for (int k = 0; k < runs[i].nsets; k++) {
				const char *s = runs[i].sets[k].name;
				int seen = gic_genimage_rank(s) != rank;
				for (int j = 0; j < nc && !seen; j++)
					seen = !strcmp(cols[j], s);
				if (!seen && nc == GIC_TASK_MAX_SETS)
					return gic_seterr(GIC_EUSAGE, "its runs "
						"score more than %d different "
						"test sets, a column each: "
						"more than a matrix has (are "
						"the sets named alike in each "
						"task?)", GIC_TASK_MAX_SETS);
				if (!seen)
					cols[nc++] = s;
			}
	return nc;
}

static double row_value(const struct gic_eval *e, const char *set,
			enum gic_metric m)
{
	for (int k = 0; k < e->nsets; k++)
		if (!strcmp(e->sets[k].name, set))
			return gic_metric_get(&e->sets[k].m, m);
	return NAN;
}

/* Column c of g gets the mean of its defined values in rows [0, nrows). */
static double col_mean(const struct gic_grid *g, int nrows, int c)
{
	double sum = 0;
	int used = 0;

	for (int r = 0; r < nrows; r++)
		if (!isnan(g->v[r * g->ncols + c])) {
			sum += g->v[r * g->ncols + c];
			used++;
		}
	return used ? sum / used : NAN;
}

int gic_eval_matrix(const struct gic_eval *runs, int n, enum gic_metric m,
		    struct gic_grid *g)
{
	const char *cols[GIC_TASK_MAX_SETS];
	int nc = matrix_cols(runs, n, cols), row = 0, rc;

	memset(g, 0, sizeof(*g));
	if (nc < 0)
		return nc;
	if ((rc = grid_alloc(g, n + 1, nc + 1)) < 0)
		return rc;
	for (int rank = 0; rank <= gic_genimage_ranks(); rank++)
		for (int i = 0; i < n; i++) {
			if (gic_genimage_rank(runs[i].trained_on) != rank)
				continue;
			g->rows[row] = strdup(runs[i].trained_on);
			for (int c = 0; c < nc; c++)
				g->v[row * g->ncols + c] = row_value(&runs[i],
								     cols[c], m);
			g->v[row * g->ncols + nc] = gic_metric_get(&runs[i].avg, m);
			row++;
		}
	g->rows[n] = strdup("avg");
	g->avg_row = 1;
	for (int c = 0; c <= nc; c++) {
		g->cols[c] = strdup(c < nc ? cols[c] : "avg");
		g->v[n * g->ncols + c] = col_mean(g, n, c);
	}
	return grid_names(g);
}

void gic_grid_release(struct gic_grid *g)
{
	for (int i = 0; g->rows && i < g->nrows; i++)
		free(g->rows[i]);
	for (int i = 0; g->cols && i < g->ncols; i++)
		free(g->cols[i]);
	free(g->rows);
	free(g->cols);
	free(g->v);
	memset(g, 0, sizeof(*g));
}

/* ---- HTML ------------------------------------------------------------- */

#define CELL_W 84
#define CELL_H 34
#define HEAD_H 40
#define GAP 8                    /* before the avg row and column */
#define LEGEND_H 64
#define LEGEND_W 300             /* the colour scale */
#define NO_SCORE "- no score"    /* the legend of a cell without a value */
#define NO_SCORE_GREY 0xee
#define FONT_PX 13               /* of the names and numbers */

/* The colour scale: viridis, from 0% (dark violet) to 100% (yellow). */
static const unsigned char stops[][3] = {
	{ 0x44, 0x01, 0x54 }, { 0x3b, 0x52, 0x8b }, { 0x21, 0x91, 0x8c },
	{ 0x5e, 0xc9, 0x62 }, { 0xfd, 0xe7, 0x25 },
};
#define NSTOPS ((int)(sizeof(stops) / sizeof(stops[0])))

static void colour(double v, unsigned char rgb[3])
{
	double x = (v < 0 ? 0 : v > 1 ? 1 : v) * (NSTOPS - 1);
	int i = x >= NSTOPS - 1 ? NSTOPS - 2 : (int)x;
	double f = x - i;

	for (int k = 0; k < 3; k++)
		rgb[k] = (unsigned char)lround(stops[i][k] +
					       f * (stops[i + 1][k] - stops[i][k]));
}

/* Black or white, whichever contrasts more with rgb by WCAG 2's relative
 * luminance L: (L + 0.05) / 0.05 against 1.05 / (L + 0.05), equal at
 * L = 0.179, both 4.58:1 there.  A threshold on the gamma-encoded values
 * puts white on viridis' teals and greens at 3:1 or less. */
static const char *ink(const unsigned char rgb[3])
{
	static const double weight[3] = { 0.2126, 0.7152, 0.0722 };
	double l = 0;

	for (int k = 0; k < 3; k++) {
		double c = rgb[k] / 255.0;
		l += weight[k] * (c <= 0.04045 ? c / 12.92 :
				  pow((c + 0.055) / 1.055, 2.4));
	}
	return l > 0.179 ? "#000" : "#fff";
}

static void esc(FILE *o, const char *s)
{
	gic_html_escn(o, s, (size_t)-1);
}

static void text(FILE *o, int x, int y, const char *anchor, const char *fill,
		 const char *s)
{
	fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" fill=\"%s\">", x,
		y, anchor, fill);
	esc(o, s);
	fputs("</text>\n", o);
}

struct frame {
	int label_w;             /* the row labels' column */
	int head_h;              /* the column names' row */
	int slant;               /* a column name is wider than a cell: all
				    are drawn at 45 degrees */
	int gaps;                /* some cells have no value */
	int width, height;
	int *x, *y;              /* of each column and row */
};

/* Pixels of the title name is shown under: a name of wide letters (W, M,
 * capitals) takes half as much again as one of the same length in lower
 * case, one in CJK twice as much. */
static int title_w(const char *name)
{
	char buf[256];

	return gic_html_text_w(gic_eval_title(name, buf, sizeof(buf)),
			       FONT_PX, 0);
}

static int frame(const struct gic_grid *g, struct frame *f)
{
	int w = 0, head = 0, reach, need;

	f->x = calloc((size_t)g->ncols + 1, sizeof(int));
	f->y = calloc((size_t)g->nrows + 1, sizeof(int));
	if (!f->x || !f->y)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	for (int r = 0; r < g->nrows; r++) {
		int n = title_w(g->rows[r]);
		w = n > w ? n : w;
	}
	for (int c = 0; c < g->ncols; c++) {
		int n = title_w(g->cols[c]);
		head = n > head ? n : head;
	}
	f->label_w = w + 16;
	f->slant = head > CELL_W - 4;
	/* a name at 45 degrees rises and reaches right by 0.71 of its length */
	reach = f->slant ? head * 71 / 100 : 0;
	f->head_h = HEAD_H + reach;
	for (int c = 0, x = f->label_w; c < g->ncols; c++, x += CELL_W)
		f->x[c] = x += c == g->ncols - 1 ? GAP : 0;
	for (int r = 0, y = f->head_h; r < g->nrows; r++, y += CELL_H)
		f->y[r] = y += g->avg_row && r == g->nrows - 1 ? GAP : 0;
	f->width = (g->ncols ? f->x[g->ncols - 1] : f->label_w) + CELL_W + 8;
	if (g->ncols && f->x[g->ncols - 1] + CELL_W / 2 + reach + 8 > f->width)
		f->width = f->x[g->ncols - 1] + CELL_W / 2 + reach + 8;
	for (int i = 0; i < g->nrows * g->ncols; i++)
		f->gaps |= isnan(g->v[i]);
	/* the grey swatch and its name, right of the scale */
	need = f->label_w + LEGEND_W + 50 + gic_html_text_w(NO_SCORE, FONT_PX,
							    0) + 8;
	if (f->gaps && need > f->width)
		f->width = need;
	if (f->width < 360)
		f->width = 360;
	f->height = (g->nrows ? f->y[g->nrows - 1] : f->head_h) + CELL_H +
		    LEGEND_H;
	return 0;
}

static void cells(FILE *o, const struct gic_grid *g, const struct frame *f)
{
	char buf[256];

	for (int c = 0; c < g->ncols; c++) {
		int x = f->x[c] + CELL_W / 2, y = f->head_h - 12;

		gic_eval_title(g->cols[c], buf, sizeof(buf));
		if (!f->slant) {
			text(o, x, y, "middle", "#222", buf);
			continue;
		}
		fprintf(o, "<text x=\"%d\" y=\"%d\" transform=\"rotate(-45 %d "
			"%d)\" text-anchor=\"start\" fill=\"#222\">", x, y, x, y);
		esc(o, buf);
		fputs("</text>\n", o);
	}
	for (int r = 0; r < g->nrows; r++) {
		text(o, f->label_w - 10, f->y[r] + CELL_H / 2 + 5, "end", "#222",
		     gic_eval_title(g->rows[r], buf, sizeof(buf)));
		for (int c = 0; c < g->ncols; c++) {
			double v = g->v[r * g->ncols + c];
			unsigned char rgb[3] = { NO_SCORE_GREY, NO_SCORE_GREY,
						 NO_SCORE_GREY };
			if (!isnan(v))
				colour(v, rgb);
			fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
				"fill=\"#%02x%02x%02x\" stroke=\"#fff\"/>\n", f->x[c],
				f->y[r], CELL_W, CELL_H, rgb[0], rgb[1], rgb[2]);
			snprintf(buf, sizeof(buf), isnan(v) ? "-" : "%.1f",
				 gic_pct1(v));
			text(o, f->x[c] + CELL_W / 2, f->y[r] + CELL_H / 2 + 5,
			     "middle", ink(rgb), buf);
		}
	}
}

static void legend(FILE *o, const struct frame *f)
{
	int x = f->label_w, y = f->height - LEGEND_H + 16, w = LEGEND_W;
	unsigned char rgb[3];
	char buf[16];

	fputs("<defs><linearGradient id=\"scale\" x1=\"0\" x2=\"1\" y1=\"0\" "
	      "y2=\"0\">\n", o);
	for (int i = 0; i < NSTOPS; i++) {
		colour((double)i / (NSTOPS - 1), rgb);
		fprintf(o, "<stop offset=\"%d%%\" stop-color=\"#%02x%02x%02x\"/>\n",
			100 * i / (NSTOPS - 1), rgb[0], rgb[1], rgb[2]);
	}
	fputs("</linearGradient></defs>\n", o);
	fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"14\" "
		"fill=\"url(#scale)\" stroke=\"#888\"/>\n", x, y, w);
	for (int i = 0; i <= 4; i++) {
		int tx = x + w * i / 4;
		fprintf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
			"stroke=\"#444\"/>\n", tx, y + 14, tx, y + 19);
		snprintf(buf, sizeof(buf), "%d%%", 25 * i);
		text(o, tx, y + 32, "middle", "#222", buf);
	}
	/* the grey of a set without images, or a metric it cannot have (AP
	 * without fakes), is no colour of the scale: say what it is */
	if (f->gaps) {
		fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" "
			"fill=\"#%02x%02x%02x\" stroke=\"#888\"/>\n", x + w + 30,
			y, NO_SCORE_GREY, NO_SCORE_GREY, NO_SCORE_GREY);
		text(o, x + w + 50, y + 12, "start", "#222", NO_SCORE);
	}
}

int gic_grid_html(const struct gic_grid *g, const char *title,
		  const char *caption, char **out)
{
	struct frame f = { 0 };
	size_t len;
	FILE *o = open_memstream(out, &len);
	int rc;

	if (!o)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
	      "\n<title>", o);
	esc(o, title);
	fprintf(o, "</title>\n<style>body{font-family:sans-serif;margin:2em;"
		"color:#222}svg text{font-size:%dpx}</style>\n</head>\n<body>\n"
		"<h1>", FONT_PX);
	esc(o, title);
	fputs("</h1>\n<p>", o);
	esc(o, caption);
	fputs("</p>\n", o);
	if ((rc = frame(g, &f)) == 0) {
		fprintf(o, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
			"role=\"img\">\n", f.width, f.height, f.width, f.height);
		cells(o, g, &f);
		legend(o, &f);
		fputs("</svg>\n", o);
	}
	fputs("</body>\n</html>\n", o);
	free(f.x);
	free(f.y);
	if (fclose(o) != 0 && rc == 0)
		rc = gic_seterr(GIC_ENOMEM, "out of memory");
	if (rc < 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}
