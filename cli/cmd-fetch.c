/*
 * cmd-fetch.c - gicat fetch URLLIST: downloads the images of a URL list
 * into the catalog (gic_fetch), with a progress line on a terminal, then
 * every failure one line each and a summary; exit 1 when any URL failed.
 * gicat fetch --status [URLLIST]: what the catalog knows of those URLs.
 * gicat fetch --forget-failed [URLLIST]: forgets those that failed.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cli.h"
#include "fetch.h"

struct run {
	struct progress prog;
	char **failures;      /* "URL: reason", in the order they happened */
	size_t nfail, cap;
	size_t nurls;         /* rows of the list */
};

struct args {
	struct gic_fetch_opts o;
	const char *class_arg, *val_path;
	int status, forget;
	enum out_format fmt;
	const char *fetch_opt;  /* an option for fetching, given */
	int format_given;
};

/* A failed URL's line, in a run and in --status alike: the URL first,
 * also where the reason names it (the last of a redirect loop).
 * cli_err escapes what it prints. */
#define FAILURE_LINE "gicat: fetch: '%s': %s"

static void on_failure(void *arg, const char *url, const char *reason)
{
	struct run *r = arg;
	char *line = NULL;

	if (gic_grow(&r->failures, r->nfail, &r->cap, sizeof(*r->failures),
		     64) == 0 && asprintf(&line, FAILURE_LINE, url, reason) >= 0)
		r->failures[r->nfail++] = line;
}

static void on_progress(void *arg, const struct gic_fetch_stats *st)
{
	struct run *r = arg;
	struct progress *p = &r->prog;
	double t = gic_now(), el = t - p->start;

	if (!p->on || t - p->last < 0.2 || el <= 0)
		return;
	p->last = t;
	fprintf(stderr, "\rfetch %llu/%llu  %.0f img/s  %.1f MB/s  %llu failed",
		(unsigned long long)(st->done + st->failed),
		(unsigned long long)st->queued, st->done / el,
		st->bytes / 1e6 / el, (unsigned long long)st->failed);
	/* while the list is looked up, the URLs to fetch are still counted */
	if (st->planned < r->nurls)
		cli_err("  (list: %llu/%zu rows looked up)",
			(unsigned long long)st->planned, r->nurls);
	fputs("\033[K", stderr);  /* the rest of a longer line before */
}

static void summary(const struct gic_fetch_stats *st, double secs,
		    const struct gic_fetch_opts *o)
{
	const struct gic_ingest_stats *in = &st->ingest;
	char from_store[48] = "";

	/* the buckets add up to the URLs: those the store had are one */
	if (st->stored)
		snprintf(from_store, sizeof(from_store), " %llu from the store,",
			 (unsigned long long)st->stored);
	cli_err("fetch: %llu URL%s: %llu fetched,%s %llu failed, %llu done "
		"before (%.1f MB in %.1f s, %.0f images/s, %.1f MB/s)\n",
		(unsigned long long)st->total, cli_s(st->total),
		(unsigned long long)st->done, from_store,
		(unsigned long long)st->failed, (unsigned long long)st->already,
		st->bytes / 1e6, secs, secs > 0 ? st->done / secs : 0,
		secs > 0 ? st->bytes / 1e6 / secs : 0);
	cli_err("  %llu new image%s, %llu new %s, %llu already "
		"present, %llu changed; %llu %s, %llu resumed\n",
		(unsigned long long)in->new_images, cli_s(in->new_images),
		(unsigned long long)in->new_entries,
		cli_word(in->new_entries, "entry", "entries"),
		(unsigned long long)in->present,
		(unsigned long long)in->changed,
		(unsigned long long)st->retries,
		cli_word(st->retries, "retry", "retries"),
		(unsigned long long)st->resumed);
	if (st->stored)
		cli_err("  %llu URL%s listed with a sha256 already "
			"stored: catalogued without a download "
			"(--download-known fetches them)\n",
			(unsigned long long)st->stored, cli_s(st->stored));
	if (st->known)
		cli_err("  %llu download%s of content already "
			"catalogued: not decoded again\n",
			(unsigned long long)st->known, cli_s(st->known));
	if (in->updated)
		cli_err("  %llu entr%s updated from the list or the "
			"options\n", (unsigned long long)in->updated,
			in->updated == 1 ? "y" : "ies");
	cli_print_rejects(in);
	cli_print_entry_notes("fetch", in, o->layout, o->val != NULL);
	if (st->withdrawn)
		cli_err("  %llu URL%s done before failed this time: %s "
			"entr%s removed (gc deletes images no entry uses)\n",
			(unsigned long long)st->withdrawn, cli_s(st->withdrawn),
			st->withdrawn == 1 ? "its" : "their",
			st->withdrawn == 1 ? "y" : "ies");
	if (st->duplicates)
		cli_err("  %llu repeated row%s skipped\n",
			(unsigned long long)st->duplicates, cli_s(st->duplicates));
	if (st->jobs_cut)
		cli_err("  %d transfers at once, not --jobs: the open-file "
			"limit allows no more ('ulimit -n')\n", st->jobs_cut);
	if (st->disagreeing)
		cli_err("gicat: fetch: warning: %llu of them say other "
			"things of their URL than its first row (first: line %d, "
			"against line %d): the first row is taken\n",
			(unsigned long long)st->disagreeing, st->disagree_line,
			st->disagree_first);
}

static int parse_count(const char *opt, const char *v, uint64_t lo,
		       uint64_t hi, uint64_t *out)
{
	if (hi == UINT64_MAX) /* a limit in bytes or pixels */
		return cli_limit_opt("fetch", opt, v, out);
	return cli_number_opt("fetch", opt, v, lo, hi, out);
}

/* A numeric option into its field; returns -1 to go on or an exit code. */
static int number(struct args *a, int ch, const char *v)
{
	static const struct { int ch; const char *name; uint64_t lo, hi; } k[] = {
		{ 'j', "--jobs", 1, 1024 }, { 'H', "--per-host", 1, 1024 },
		{ 'r', "--retries", 0, 100 }, { 't', "--timeout", 1, 86400 },
		{ 'T', "--max-time", 0, 604800 },
		{ 'B', "--max-bytes", 1, UINT64_MAX },
		{ 'M', "--max-memory", 1, UINT64_MAX },
		{ 'P', "--max-pixels", 1, UINT64_MAX } };
	struct gic_fetch_opts *o = &a->o;
	uint64_t n = 0;
	int i = 0, rc;

	while (k[i].ch != ch)
		i++;
	if ((rc = parse_count(k[i].name, v, k[i].lo, k[i].hi, &n)) >= 0)
		return rc;
	switch (ch) {
	case 'j': o->jobs = (int)n; break;
	case 'H': o->per_host = (int)n; break;
	case 'r': o->retries = (int)n; break;
	case 't': o->timeout = (long)n; break;
	case 'T': o->max_time = n ? (long)n : -1; break;
	case 'B': o->max_bytes = n; break;
	case 'M': o->max_memory = n; break;
	default: o->max_pixels = n; break;
	}
	return -1;
}

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "jobs", 1, 0, 'j' }, { "per-host", 1, 0, 'H' },
		{ "retries", 1, 0, 'r' }, { "timeout", 1, 0, 't' },
		{ "max-time", 1, 0, 'T' },
		{ "max-bytes", 1, 0, 'B' }, { "max-pixels", 1, 0, 'P' },
		{ "max-memory", 1, 0, 'M' },
		{ "cacert", 1, 0, 'C' }, { "dataset", 1, 0, 'd' },
		{ "generator", 1, 0, 'g' }, { "label", 1, 0, 'l' },
		{ "split", 1, 0, 's' }, { "class", 1, 0, 'c' },
		{ "license", 1, 0, 'i' }, { "status", 0, 0, 'S' },
		{ "forget-failed", 0, 0, 'F' },
		{ "download-known", 0, 0, 'K' }, { "layout", 1, 0, 'y' },
		{ "val-labels", 1, 0, 'v' }, { "mode", 1, 0, 'm' },
		{ "format", 1, 0, 'f' }, { "help", 0, 0, 'h' }, { 0 } };
	struct gic_fetch_opts *o = &a->o;
	int ch, rc, i = -1;

	while ((ch = cli_getopt(argc, argv, "hj:m:f:", opts, &i)) != -1) {
		/* --status reads the state, --forget-failed edits it: only
		 * --dataset and --format mean anything to them, and --format
		 * only to --status */
		if (ch != 'S' && ch != 'F' && ch != 'd' && ch != 'f' &&
		    ch != 'h' &&
		    ch != '?' && !a->fetch_opt)
			a->fetch_opt = i >= 0 ? opts[i].name : ch == 'j' ? "jobs" : "mode";
		i = -1;
		switch (ch) {
		case 'j': case 'H': case 'r': case 't': case 'T': case 'B':
		case 'P': case 'M':
			if ((rc = number(a, ch, optarg)) >= 0)
				return rc;
			break;
		case 'C': o->cacert = optarg; break;
		case 'd': o->dataset = optarg; break;
		case 'g': o->generator = cli_generator(optarg); break;
		case 'l': o->label = optarg; break;
		case 's': o->split = optarg; break;
		case 'c': a->class_arg = optarg; break;
		case 'i': o->license = optarg; break;
		case 'S': a->status = 1; break;
		case 'F': a->forget = 1; break;
		case 'K': o->download_known = 1; break;
		case 'v': a->val_path = optarg; break;
		case 'y':
			if (gic_layout_from_name(optarg, &o->layout) < 0)
				return cli_usage_error("fetch", "%s",
						       gic_errmsg());
			o->use_layout = 1;
			break;
		case 'm':
			if (strcmp(optarg, "copy"))
				return cli_usage_error("fetch", "--mode %s: "
						       "downloaded images are "
						       "stored as copies; only "
						       "--mode copy applies",
						       optarg);
			break;
		case 'f':
			a->format_given = 1;
			if ((rc = cli_format_opt("fetch", optarg, 0,
						 &a->fmt)) >= 0)
				return rc;
			break;
		default:
			return cli_getopt_end("fetch", ch);
		}
	}
	if (a->val_path && !o->use_layout)
		return cli_usage_error("fetch", "--val-labels is read with "
				       "--layout: give one (auto, genimage)");
	if (a->status && a->forget)
		return cli_usage_error("fetch", "--forget-failed and --status: "
				       "give one");
	if ((a->status || a->forget) && a->fetch_opt)
		return cli_usage_error("fetch", "--%s is for fetching, not for "
				       "--%s", a->fetch_opt, a->status ?
				       "status" : "forget-failed");
	if (!a->status && a->format_given)
		return cli_usage_error("fetch", "--format is for --status");
	if ((rc = cli_entry_opts("fetch", o->dataset, o->generator,
				 o->label, o->split)) >= 0)
		return rc;
	if (argc - optind > 1 ||
	    (!a->status && !a->forget && argc - optind != 1))
		return cli_usage_error("fetch", a->status || a->forget ?
				       "give at most one URLLIST" :
				       "give one URLLIST");
	if (o->cacert && access(o->cacert, R_OK) < 0)
		return cli_fail(gic_seterr(errno == ENOENT ? GIC_ENOTFOUND :
					   GIC_EIO, "cannot open: %s",
					   strerror(errno)), "fetch", o->cacert);
	return -1;
}

/* Prints the failed URLs of a status query; returns how many. */
static long print_failed(sqlite3_stmt *s)
{
	long n = 0;

	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *why = sqlite3_column_type(s, 3) == SQLITE_NULL ?
				  "failed" : (const char *)sqlite3_column_text(s, 3);
		const char *url = (const char *)sqlite3_column_text(s, 0);

		/* one URL may have failed for several datasets */
		cli_err(FAILURE_LINE " (dataset %s)\n", url, why,
			(const char *)sqlite3_column_text(s, 4));
		n++;
	}
	return n;
}

/* Without --dataset, where a list's URLs are done (or failed, status)
 * if not under its own name: a note (what is "this" that a run fetches
 * into, counts or forgets of). */
static int elsewhere(struct gic_catalog *c, const struct gic_fetch_list *l,
		     const struct args *a, const char *status, const char *what,
		     const char *tail)
{
	char ds[256], *e = NULL, *p = NULL, *name = NULL;
	uint64_t n;
	int rc;

	if (!l || a->o.dataset)
		return 0;
	if ((rc = gic_fetch_elsewhere(c, l, status, ds, sizeof(ds), &n)) < 0)
		return cli_fail(rc, "fetch", NULL);
	if (n && (e = cli_escaped(ds)) && (p = cli_escaped(l->path)) &&
	    (name = cli_escaped(l->name)))
		cli_err("gicat: fetch: note: %llu URL%s of '%s' %s in dataset "
			"'%s', not in '%s', %s; --dataset %s %s\n",
			(unsigned long long)n, cli_s(n), p,
			strcmp(status, "done") ? status : n == 1 ? "is done" :
			"are done", e, name, what, e, tail);
	free(e);
	free(p);
	free(name);
	return 0;
}

#define NO_URLS_MAX 384

/* What a status with no rows, or a forget that found nothing, says
 * (with --dataset, which datasets have URLs: it may be misspelt). */
static const char *no_urls(struct gic_catalog *c,
			   const struct gic_fetch_list *l,
			   const struct args *a, char *buf)
{
	char there[160] = "";

	if (a->o.dataset && gic_fetch_datasets(c, there, sizeof(there)) < 0)
		there[0] = '\0';
	snprintf(buf, NO_URLS_MAX, "the catalog has no URL%s%s%s%s%s%s",
		 l ? " of this list" : "", a->o.dataset ? " in dataset '" : "",
		 a->o.dataset ? a->o.dataset : "", a->o.dataset ? "'" : "",
		 there[0] ? "; it has URLs in: " : "", there);
	return buf;
}

static int status(struct gic_catalog *c, const struct gic_fetch_list *l,
		  const struct args *a)
{
	char none[NO_URLS_MAX];
	sqlite3_stmt *sum = NULL, *bad = NULL;
	long failed;
	int rc;

	if ((rc = elsewhere(c, l, a, "done", "which this counts",
			    "counts those")))
		return rc;
	if ((rc = gic_fetch_status(c, l, a->o.dataset, &sum, &bad)) < 0)
		return cli_fail(rc, "fetch", NULL);
	if (out_rows(sum, a->fmt, stdout) == 0)
		cli_err("fetch: %s\n", no_urls(c, l, a, none));
	failed = print_failed(bad);
	sqlite3_finalize(sum);
	sqlite3_finalize(bad);
	return failed ? EXIT_PROBLEMS : EXIT_OK;
}

static int forget(struct gic_catalog *c, const struct gic_fetch_list *l,
		  const struct args *a)
{
	sqlite3_stmt *sum = NULL, *bad = NULL;
	char none[NO_URLS_MAX], why[NO_URLS_MAX + 4] = "";
	uint64_t n;
	int rc;

	if ((rc = elsewhere(c, l, a, "failed", "which this forgets of",
			    "forgets those")))
		return rc;
	if ((rc = gic_fetch_forget_failed(c, l, a->o.dataset, &n)) < 0)
		return cli_fail(rc, "fetch", c->dir);
	/* a dataset named wrong forgets nothing: say that it has nothing */
	if (n == 0 && !l && a->o.dataset &&
	    (rc = gic_fetch_status(c, NULL, a->o.dataset, &sum, &bad)) == 0 &&
	    sqlite3_step(sum) != SQLITE_ROW)
		snprintf(why, sizeof(why), " (%s)", no_urls(c, l, a, none));
	sqlite3_finalize(sum);
	sqlite3_finalize(bad);
	if (rc < 0)
		return cli_fail(rc, "fetch", NULL);
	cli_err("fetch: forgot %llu failed URL%s%s\n", (unsigned long long)n,
		cli_s(n), why);
	return EXIT_OK;
}

static int fetch(struct gic_catalog *c, const struct gic_fetch_list *l,
		 struct args *a)
{
	struct gic_fetch_stats st;
	struct run r = { .nurls = l->n };
	double t0;
	int rc;

	if ((rc = cli_license_opt("fetch", c, a->o.license)) >= 0)
		return rc;
	if ((rc = elsewhere(c, l, a, "done", "which this run fetches into",
			    "goes on with that one")))
		return rc;
	a->o.on_failure = on_failure;
	a->o.on_progress = on_progress;
	a->o.arg = &r;
	signal(SIGPIPE, SIG_IGN);
	progress_start(&r.prog);
	t0 = gic_now();
	rc = gic_fetch(c, l, &a->o, &st);
	progress_end(&r.prog);
	for (size_t i = 0; i < r.nfail; i++) {
		cli_err("%s\n", r.failures[i]);
		free(r.failures[i]);
	}
	free(r.failures);
	if (rc < 0)  /* a failure that stops a run is the catalog's */
		return cli_fail(rc, "fetch", rc == GIC_EUSAGE ? NULL : c->dir);
	summary(&st, gic_now() - t0, &a->o);
	return st.failed ? EXIT_PROBLEMS : EXIT_OK;
}

static int run_cmd(struct args *a, const char *path, struct gic_classes *cls)
{
	struct gic_fetch_list *l = NULL;
	struct gic_catalog *c = NULL;
	struct gic_val_labels *val = NULL;
	int rc;

	if (a->val_path && (rc = gic_val_labels_load(a->val_path, &val)) < 0)
		return cli_fail(rc, "fetch: --val-labels", a->val_path);
	a->o.val = val;
	if (path && (rc = gic_fetch_list_load(path, cls, a->o.label, &l)) < 0) {
		gic_val_labels_free(val);
		return cli_fail(rc, "fetch", path);
	}
	if ((rc = cli_open("fetch", &c)) == 0)
		rc = a->status ? status(c, l, a) : a->forget ?
		     forget(c, l, a) : fetch(c, l, a);
	gic_catalog_close(c);
	gic_fetch_list_free(l);
	gic_val_labels_free(val);
	return rc;
}

int cmd_fetch(int argc, char **argv)
{
	struct args a = { .o = { .class_idx = -1,
				 .retries = GIC_FETCH_DEFAULT_RETRIES },
			  .fmt = OUT_TABLE };
	struct gic_classes *cls = NULL;
	int rc;

	if ((rc = parse(argc, argv, &a)) >= 0)
		return rc;
	if ((rc = gic_classes_builtin(&cls)) < 0)
		return cli_fail(rc, "fetch", "classes");
	a.o.classes = cls;
	if (a.class_arg)
		a.o.class_idx = gic_class_parse(cls, a.class_arg);
	if (a.class_arg && a.o.class_idx < 0)
		rc = cli_bad_class("fetch", a.class_arg);
	else
		rc = run_cmd(&a, optind < argc ? cli_input(argv[optind]) : NULL,
			     cls);
	gic_classes_free(cls);
	return rc;
}
