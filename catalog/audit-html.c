/*
 * audit-html.c - the bias and license audits as self-contained HTML pages:
 * inline CSS and SVG only, no script, nothing fetched, so a page can be
 * mailed, archived, or opened offline years later.
 *
 * Bias: per set, the rules' accuracy as horizontal bars against the 50%
 * chance line (red above --max-shortcut), a table of counts, and a row of
 * histograms per generator and label (format, JPEG quality, short side,
 * subsampling, metadata), bars as shares of the group, with the numbers
 * in each bar's tooltip.  License: entries per license as bars, the
 * registry's flags, and the first rows with problems.  Provenance: per
 * piece of metadata the share of real and of fake images carrying it
 * (leaks in red), and the counts per generator and label.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "json.h"

#define BAR_W 360       /* accuracy and license bars, 100% */
#define ROW_H 22
#define LABEL_W 330     /* rule texts, license ids, metadata: at least */
#define FONT_PX 12      /* of the labels */
#define HIST_BAR 13     /* one bin of a histogram */
#define HIST_H 44
#define HIST_PAD 18     /* room on the right for the last bin's name */

static const char *const css =
	"body{font-family:sans-serif;margin:2em;color:#222;max-width:80em}"
	"h2{margin-top:2em;border-bottom:1px solid #ccc}"
	"table{border-collapse:collapse;margin:1em 0}"
	"td,th{border:1px solid #ddd;padding:2px 6px;text-align:right;"
	"vertical-align:bottom}"
	"th{background:#f3f3f3}td.l,th.l{text-align:left}td.l{white-space:nowrap}"
	/* a path or a license's name on one line made the table wider than
	 * the page: these may wrap, anywhere in a path */
	"td.w{white-space:normal;overflow-wrap:anywhere}"
	"svg text{font-size:12px}svg .s{font-size:9px}"  /* 12: FONT_PX */
	".warn{color:#b00;font-weight:bold}.ok{color:#070}svg .warn{fill:#b00}";

static void esc(FILE *o, const char *s)
{
	gic_html_escn(o, s, (size_t)-1);
}

/* "=>" as the arrow it stands for. */
static void esc_rule(FILE *o, const char *s)
{
	const char *arrow = strstr(s, "=>");

	if (!arrow) {
		esc(o, s);
		return;
	}
	gic_html_escn(o, s, (size_t)(arrow - s));
	fputs("&#8658;", o);
	esc(o, arrow + 2);
}

static void head(FILE *o, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
	      "\n<title>", o);
	esc(o, title);
	fprintf(o, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", css);
	esc(o, title);
	fputs("</h1>\n", o);
}

static int finish(FILE *o, char **out)
{
	fputs("</body>\n</html>\n", o);
	if (fclose(o) != 0) {
		free(*out);
		*out = NULL;
		return gic_seterr(GIC_ENOMEM, "out of memory writing HTML");
	}
	return 0;
}

static double share(uint64_t k, uint64_t n)
{
	return n ? (double)k / (double)n : 0;
}

/* The label column of a bar chart, whose labels end where the bars start:
 * LABEL_W, or wider for a label that needs it (a PNG text key may have 79
 * characters), which would lose its start off the left of the picture. */
static int label_col(int widest)
{
	return widest + 16 > LABEL_W ? widest + 16 : LABEL_W;
}

/* ---- bias ----------------------------------------------------------- */

static void rule_bars(FILE *o, const struct gic_bias_set *s, double limit)
{
	int h = ROW_H * GIC_BIAS_NRULES + 24, x0 = LABEL_W;

	fprintf(o, "<svg width=\"%d\" height=\"%d\" role=\"img\">\n",
		LABEL_W + BAR_W + 70, h);
	for (int k = 0; k < GIC_BIAS_NRULES; k++) {
		const struct gic_rule_score *r = &s->rules[k];
		int y = k * ROW_H + 4, w = isnan(r->accuracy) ? 0 :
			(int)lround(r->accuracy * BAR_W);
		int bad = !isnan(r->accuracy) && limit >= 0 && r->accuracy > limit;

		fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", x0 - 8,
			y + 14);
		esc_rule(o, r->text[0] ? r->text : r->id);
		fprintf(o, "</text>\n");
		if (isnan(r->accuracy)) {
			fprintf(o, "<text x=\"%d\" y=\"%d\">not scored: the set "
				"lacks real or fake images</text>\n", x0 + 4, y + 13);
			continue;
		}
		fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" "
			"fill=\"%s\"><title>real %.1f%%, fake %.1f%%</title></rect>"
			"\n<text x=\"%d\" y=\"%d\">%.1f%%</text>\n", x0, y, w,
			bad ? "#c33" : "#48a", gic_pct1(r->real_acc),
			gic_pct1(r->fake_acc), x0 + w + 4, y + 13,
			gic_pct1(r->accuracy));
	}
	fprintf(o, "<line x1=\"%d\" x2=\"%d\" y1=\"0\" y2=\"%d\" stroke=\"#444\" "
		"stroke-dasharray=\"4 3\"/>\n<text x=\"%d\" y=\"%d\" text-anchor="
		"\"middle\" class=\"s\">chance 50%%</text>\n", x0 + BAR_W / 2,
		x0 + BAR_W / 2, h - 14, x0 + BAR_W / 2, h - 3);
	if (limit >= 0)
		fprintf(o, "<line x1=\"%d\" x2=\"%d\" y1=\"0\" y2=\"%d\" stroke="
			"\"#c33\"/>\n", x0 + (int)lround(limit * BAR_W),
			x0 + (int)lround(limit * BAR_W), h - 14);
	fputs("</svg>\n", o);
}

/* One histogram: bins as shares of n, a tooltip per bar. */
static void hist(FILE *o, const struct gic_bias_group *g, const char *what,
		 const uint64_t *v, const char *const *names, int nbins)
{
	const char *fill = !strcmp(g->label, "real") ? "#3a8" : "#a4a";

	fprintf(o, "<td><svg width=\"%d\" height=\"%d\" role=\"img\">",
		nbins * HIST_BAR + HIST_PAD, HIST_H);
	for (int b = 0; b < nbins; b++) {
		int h = (int)lround(share(v[b], g->n) * (HIST_H - 2));
		fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			"fill=\"%s\"><title>", b * HIST_BAR, HIST_H - h,
			HIST_BAR - 2, h, fill);
		esc(o, g->group);
		fprintf(o, " %s, %s ", g->label, what);
		esc(o, names[b]);  /* <128 */
		fprintf(o, ": %llu of %llu (%.1f%%)</title></rect>",
			(unsigned long long)v[b],
			(unsigned long long)g->n, gic_pct1(share(v[b], g->n)));
	}
	fprintf(o, "<line x1=\"0\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
		"</svg></td>", nbins * HIST_BAR, HIST_H - 1, HIST_H - 1);
}

/* The bin names under the histograms' columns, written sideways. */
static void axis(FILE *o, const char *const *names, int nbins)
{
	fprintf(o, "<th><svg width=\"%d\" height=\"58\" role=\"img\">",
		nbins * HIST_BAR + HIST_PAD);
	for (int b = 0; b < nbins; b++) {
		int x = b * HIST_BAR + HIST_BAR / 2 + 2;
		fprintf(o, "<text class=\"s\" x=\"%d\" y=\"56\" transform=\"rotate("
			"-60 %d 56)\">", x, x);
		esc(o, names[b]);
		fputs("</text>", o);
	}
	fputs("</svg></th>", o);
}

static const char *const format_names[2] = { "png", "jpeg" };

static void histograms(FILE *o, const struct gic_bias_set *s)
{
	fputs("<table>\n<tr><th class=\"l\">generator</th><th class=\"l\">label"
	      "</th><th>format</th><th>JPEG quality</th><th>short side</th>"
	      "<th>subsampling</th><th>metadata</th></tr>\n<tr><th></th><th></th>",
	      o);
	axis(o, format_names, 2);
	axis(o, gic_bias_qbin_names, GIC_BIAS_QBINS);
	axis(o, gic_bias_sbin_names, GIC_BIAS_SBINS);
	axis(o, gic_bias_sub_names, GIC_BIAS_SUBS);
	axis(o, gic_bias_meta_names, GIC_BIAS_META);
	fputs("</tr>\n", o);
	for (size_t i = 0; i < s->ngroups; i++) {
		const struct gic_bias_group *g = &s->groups[i];
		uint64_t fmt[2] = { g->png, g->jpeg };

		fputs("<tr><td class=\"l\">", o);
		esc(o, g->group);
		fprintf(o, "</td><td class=\"l\">%s</td>", g->label[0] ? g->label
			: "-");
		hist(o, g, "format", fmt, format_names, 2);
		hist(o, g, "quality", g->quality, gic_bias_qbin_names,
		     GIC_BIAS_QBINS);
		hist(o, g, "short side", g->side, gic_bias_sbin_names,
		     GIC_BIAS_SBINS);
		hist(o, g, "subsampling", g->sub, gic_bias_sub_names,
		     GIC_BIAS_SUBS);
		hist(o, g, "with", g->meta, gic_bias_meta_names, GIC_BIAS_META);
		fputs("</tr>\n", o);
	}
	fputs("</table>\n", o);
}

static void counts(FILE *o, const struct gic_bias_set *s, const char *unit)
{
	fprintf(o, "<table>\n<tr><th class=\"l\">generator</th><th class=\"l\">"
		"label</th><th>%s</th><th>PNG</th><th>JPEG</th><th>JPEG "
		"quality</th><th>short side</th>", unit);
	for (int m = 0; m < GIC_BIAS_META; m++)
		fprintf(o, "<th>%s</th>", gic_bias_meta_names[m]);
	fputs("</tr>\n", o);
	for (size_t i = 0; i < s->ngroups; i++) {
		const struct gic_bias_group *g = &s->groups[i];
		fputs("<tr><td class=\"l\">", o);
		esc(o, g->group);
		fprintf(o, "</td><td class=\"l\">%s</td><td>%llu</td><td>%llu</td>"
			"<td>%llu</td>", g->label[0] ? g->label : "-",
			(unsigned long long)g->n, (unsigned long long)g->png,
			(unsigned long long)g->jpeg);
		if (g->jpeg)
			fprintf(o, "<td>%d&#8211;%d</td>", g->qmin, g->qmax);
		else
			fputs("<td>&#8211;</td>", o);
		fprintf(o, "<td>%u&#8211;%u</td>", g->smin, g->smax);
		for (int m = 0; m < GIC_BIAS_META; m++)
			fprintf(o, "<td>%llu</td>", (unsigned long long)g->meta[m]);
		fputs("</tr>\n", o);
	}
	fputs("</table>\n", o);
}

int gic_bias_html(const struct gic_bias *b, const char *title,
		  double max_shortcut, char **out)
{
	size_t len;
	FILE *o = open_memstream(out, &len);

	if (!o)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	head(o, title);
	fputs("<p>How well trivial rules that never look at a pixel tell real "
	      "from fake images. Accuracy is balanced, (real accuracy + fake "
	      "accuracy) / 2, so 50% is chance whatever the mix. A PNG counts "
	      "as JPEG quality 101 (lossless).", o);
	if (max_shortcut >= 0)
		fprintf(o, " Red: above the limit of %.1f%%.",
			gic_pct1(max_shortcut));
	fputs("</p>\n", o);
	for (size_t i = 0; i < b->nsets; i++) {
		const struct gic_bias_set *s = &b->sets[i];
		fputs("<h2>", o);
		esc(o, strcmp(s->name, GIC_AUDIT_ALL) ? s->name :
		    b->nsets > 1 ? "all sets" : b->unit);
		fprintf(o, "</h2>\n<p>%llu real, %llu fake", (unsigned long long)
			s->nreal, (unsigned long long)s->nfake);
		if (s->nunlabelled)
			fprintf(o, ", %llu without a label", (unsigned long long)
				s->nunlabelled);
		fputs(".</p>\n<h3>Trivial rules</h3>\n", o);
		rule_bars(o, s, max_shortcut);
		fputs("<h3>Counts</h3>\n", o);
		counts(o, s, b->unit);
		fprintf(o, "<h3>Histograms (share of each row's %s)</h3>\n",
			b->unit);
		histograms(o, s);
	}
	return finish(o, out);
}

/* ---- licenses ------------------------------------------------------- */

static const char *yes_no(int v)
{
	return v ? "yes" : "no";
}

static void license_bars(FILE *o, const struct gic_license_audit *a)
{
	uint64_t max = a->unlicensed ? a->unlicensed : 1;  /* the last bar */
	int widest = 0, lw;

	for (size_t i = 0; i < a->nids; i++) {
		int w = gic_html_text_w(a->ids[i].id, FONT_PX, 0);
		if (a->ids[i].entries > max)
			max = a->ids[i].entries;
		widest = w > widest ? w : widest;
	}
	lw = label_col(widest);
	fprintf(o, "<svg width=\"%d\" height=\"%d\" role=\"img\">\n",
		lw + BAR_W + 90, (int)(a->nids + 1) * ROW_H + 4);
	for (size_t i = 0; i <= a->nids; i++) {
		const struct gic_license_tally *t = i < a->nids ? &a->ids[i] : NULL;
		uint64_t n = t ? t->entries : a->unlicensed;
		int y = (int)i * ROW_H + 4;
		int w = (int)lround((double)n / (double)max * BAR_W);
		const char *fill = !t || t->unknown ? "#999" : t->allowed ? "#3a8"
						 : "#c33";

		fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
			lw - 8, y + 14);
		esc(o, t ? t->id : "(no license)");
		fprintf(o, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height="
			"\"16\" fill=\"%s\"/>\n<text x=\"%d\" y=\"%d\">%llu</text>\n",
			lw, y, w, fill, lw + w + 4, y + 13,
			(unsigned long long)n);
	}
	fputs("</svg>\n", o);
}

static void registry_table(FILE *o, const struct gic_license_audit *a)
{
	fprintf(o, "<table>\n<tr><th class=\"l\">license</th><th class=\"l\">"
		"name</th><th>%s</th><th>commercial</th><th>redistribution"
		"</th><th>attribution</th><th>share-alike</th><th>%s</th></tr>"
		"\n", a->unit, a->use == GIC_USE_NONE ? "terms" : "this use");
	for (size_t i = 0; i < a->nids; i++) {
		const struct gic_license_tally *t = &a->ids[i];
		fputs("<tr><td class=\"l\">", o);
		esc(o, t->id);
		fputs("</td><td class=\"l w\">", o);
		esc(o, t->lic ? t->lic->name : "not in the registry");
		fprintf(o, "</td><td>%llu</td>", (unsigned long long)t->entries);
		if (t->lic)
			fprintf(o, "<td>%s</td><td>%s</td><td>%s</td><td>%s</td>",
				yes_no(t->lic->commercial),
				yes_no(t->lic->redistribution),
				yes_no(t->lic->attribution),
				yes_no(t->lic->share_alike));
		else
			fputs("<td></td><td></td><td></td><td></td>", o);
		fprintf(o, "<td class=\"%s\">%s</td></tr>\n", t->allowed &&
			!t->unknown ? "ok" : "warn", t->unknown ? "unknown" :
			a->use == GIC_USE_NONE ?
			"known" : t->allowed ? "allowed" : "forbidden");
	}
	fputs("</table>\n", o);
}

static void problem_rows(FILE *o, const struct gic_license_audit *a,
			 const struct gic_license_row *rows, size_t n)
{
	uint64_t total = a->forbidden + a->unlicensed + a->unknown;

	if (!n)
		return;
	fprintf(o, "<h2>Problems</h2>\n<p>The first %zu of %llu.</p>\n<table>\n"
		"<tr><th class=\"l\">problem</th><th class=\"l\">ids</th>%s"
		"<th class=\"l\">generator</th><th class=\"l\">label</th>"
		"<th class=\"l\">path</th></tr>\n", n, (unsigned long long)total,
		a->is_task ? "<th class=\"l\">set</th>" : "");
	for (size_t i = 0; i < n; i++) {
		const struct gic_license_row *r = &rows[i];
		const char *cells[] = { gic_license_problem_name(r->problem),
					r->detail, a->is_task ? r->set : NULL,
					r->group, r->label, r->path };
		fputs("<tr>", o);
		for (int c = 0; c < 6; c++) {
			if (c == 2 && !a->is_task)
				continue;
			fputs(c == 5 /* the path */ ? "<td class=\"l w\">" :
			      "<td class=\"l\">", o);
			esc(o, cells[c] ? cells[c] : "");
			fputs("</td>", o);
		}
		fputs("</tr>\n", o);
	}
	fputs("</table>\n", o);
}

int gic_license_html(const struct gic_license_audit *a,
		     const struct gic_license_row *rows, size_t n,
		     const char *title, char **out)
{
	size_t len;
	FILE *o = open_memstream(out, &len);

	if (!o)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	head(o, title);
	fprintf(o, "<p>%llu %s audited", (unsigned long long)a->entries,
		a->unit);
	if (a->use != GIC_USE_NONE)
		fprintf(o, " for %s use", gic_use_name(a->use));
	fprintf(o, ": <span class=\"%s\">%llu forbidden, %llu without a license, "
		"%llu with an unknown license</span>.</p>\n",
		a->forbidden || a->unlicensed || a->unknown ? "warn" : "ok",
		(unsigned long long)a->forbidden,
		(unsigned long long)a->unlicensed, (unsigned long long)a->unknown);
	/* without a use every registered license is green: saying it
	 * allows one would claim a judgement that was not made */
	fprintf(o, "<h2>%c%s per license</h2>\n<p>Green: ",
		toupper((unsigned char)a->unit[0]), a->unit + 1);
	if (a->use != GIC_USE_NONE)
		fprintf(o, "allows the use (%s); red: forbids it; grey: an "
			"unknown license, or none.", gic_use_name(a->use));
	else
		fputs("in the registry; grey: an unknown license, or none (no "
		      "use judged).", o);
	fputs(" An entry under several licenses counts under each.</p>\n", o);
	license_bars(o, a);
	registry_table(o, a);
	problem_rows(o, a, rows, n);
	return finish(o, out);
}

/* ---- provenance ----------------------------------------------------- */

/* Per piece of metadata, the share of real and of fake images carrying
 * it, as two bars; leaks (one label only) and shortcuts over
 * --max-shortcut are named in red. */
static void feature_bars(FILE *o, const struct gic_prov *p)
{
	int widest = 0, lw;

	for (size_t i = 0; i < p->nfeatures; i++) {
		int w = gic_html_text_w(p->features[i].name, FONT_PX,
					p->features[i].leak ||
					p->features[i].over);
		widest = w > widest ? w : widest;
	}
	lw = label_col(widest);
	fprintf(o, "<svg width=\"%d\" height=\"%d\" role=\"img\">\n",
		lw + BAR_W + 60, (int)p->nfeatures * 2 * ROW_H + 4);
	for (size_t i = 0; i < p->nfeatures; i++) {
		const struct gic_prov_feature *f = &p->features[i];
		int y = (int)i * 2 * ROW_H + 4;  /* a real and a fake bar */
		double r = share(f->real, p->nreal), k = share(f->fake, p->nfake);

		fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\"%s>",
			lw - 8, y + 18, f->leak || f->over ?
			" class=\"warn\"" : "");
		esc(o, f->name);
		fprintf(o, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" "
			"height=\"12\" fill=\"#38c\"><title>real: %llu of %llu"
			"</title></rect>\n<text x=\"%d\" y=\"%d\" class=\"s\">"
			"real %.1f%%</text>\n", lw, y,
			(int)lround(r * BAR_W), (unsigned long long)f->real,
			(unsigned long long)p->nreal,
			lw + (int)lround(r * BAR_W) + 4, y + 10, gic_pct1(r));
		fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"12\" "
			"fill=\"#e83\"><title>fake: %llu of %llu</title></rect>\n"
			"<text x=\"%d\" y=\"%d\" class=\"s\">fake %.1f%%</text>\n",
			lw, y + 14, (int)lround(k * BAR_W),
			(unsigned long long)f->fake, (unsigned long long)p->nfake,
			lw + (int)lround(k * BAR_W) + 4, y + 24, gic_pct1(k));
	}
	fputs("</svg>\n", o);
}

/* Images carrying each fixed piece of metadata, per generator and label. */
static void group_table(FILE *o, const struct gic_prov *p)
{
	fprintf(o, "<table>\n<tr><th class=\"l\">generator</th><th class=\"l\">"
		"label</th><th>%s</th>", p->unit);
	for (int k = 0; k < GIC_PROV_FIXED && p->ngroups; k++) {
		fputs("<th>", o);
		esc(o, p->groups[0].counts[k].name);
		fputs("</th>", o);
	}
	fputs("</tr>\n", o);
	for (size_t i = 0; i < p->ngroups; i++) {
		const struct gic_prov_group *g = &p->groups[i];
		fputs("<tr><td class=\"l\">", o);
		esc(o, g->group);
		fputs("</td><td class=\"l\">", o);
		esc(o, g->label[0] ? g->label : "-");
		fprintf(o, "</td><td>%llu</td>", (unsigned long long)g->n);
		for (int k = 0; k < GIC_PROV_FIXED && (size_t)k < g->ncounts; k++)
			fprintf(o, "<td>%llu</td>",
				(unsigned long long)g->counts[k].n);
		fputs("</tr>\n", o);
	}
	fputs("</table>\n", o);
}

int gic_prov_html(const struct gic_prov *p, const char *title, char **out)
{
	size_t len;
	FILE *o = open_memstream(out, &len);

	if (!o)
		return gic_seterr(GIC_ENOMEM, "out of memory");
	head(o, title);
	fprintf(o, "<p>%llu real, %llu fake %s; %zu kind%s of metadata: "
		"<span class=\"%s\">%zu label leak%s</span> (metadata that only "
		"one label carries gives the label away: a detector learns it "
		"instead of the pixels).</p>\n", (unsigned long long)p->nreal,
		(unsigned long long)p->nfake, p->unit, p->nfeatures,
		p->nfeatures == 1 ? "" : "s", p->nleaks ? "warn" : "ok",
		p->nleaks, p->nleaks == 1 ? "" : "s");
	if (p->max_shortcut >= 0)
		fprintf(o, "<p><span class=\"%s\">%zu more over "
			"--max-shortcut %.1f%%</span> (metadata both labels "
			"carry, but one far more often).</p>\n", p->nover ?
			"warn" : "ok", p->nover, gic_pct1(p->max_shortcut));
	fprintf(o, "<h2>Who carries what (share of real and of fake %s)</h2>\n",
		p->unit);
	if (p->nfeatures)
		feature_bars(o, p);
	else if (p->nreal || p->nfake)
		fprintf(o, "<p>No real or fake %s carry any of this "
			"metadata.</p>\n", p->unit);
	else  /* unlabelled images only */
		fprintf(o, "<p>No real or fake %s audited: nothing "
			"judged.</p>\n", p->unit);
	fprintf(o, "<h2>Per generator and label (%s)</h2>\n", p->unit);
	group_table(o, p);
	return finish(o, out);
}
