/*
 * cmd-ingest.c - gicat ingest [options] PATH...: walks files and trees,
 * decodes and stores every image, and prints a summary.  Exit 1 when any
 * file was rejected (each is named on stderr and kept in `rejects`).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct run {
	struct progress prog;
};

static void on_reject(void *arg, const char *path, const char *reason)
{
	struct run *r = arg;

	progress_end(&r->prog);
	cli_error_line("rejected", path, reason, strlen(reason));
}

static void on_progress(void *arg, const struct gic_ingest_stats *st)
{
	struct run *r = arg;

	progress_show(&r->prog, "ingest", st->files_done, st->files_total);
}

/* One "  skipped N WHAT (reason n, ...)" line of the n parts with a
 * count. */
static void skipped_line(const char *one, const char *many,
			 const uint64_t *n, const char *const *why, size_t k)
{
	uint64_t sum = 0;
	const char *sep = "";

	for (size_t i = 0; i < k; i++)
		sum += n[i];
	if (!sum)
		return;
	cli_err("  skipped %llu %s (", (unsigned long long)sum,
		sum == 1 ? one : many);
	for (size_t i = 0; i < k; i++) {
		if (!n[i])
			continue;
		cli_err("%s%s %llu", sep, why[i], (unsigned long long)n[i]);
		sep = ", ";
	}
	cli_err(")\n");
}

/* "skipped 5 files (non-image or dangling link 3, hidden name 2)", then
 * the directories not walked (their images are not ingested) the same
 * way. */
static void skipped(const struct gic_ingest_stats *st)
{
	uint64_t dirs = st->skip_loop + st->skip_rewalk +
			st->skip_hidden_dirs;
	const uint64_t files[] = {
		st->skipped - dirs - st->skip_long - st->skip_catalog -
		st->skip_hidden - st->skip_noread,
		st->skip_noread, st->skip_hidden, st->skip_long,
		st->skip_catalog };
	const char *const files_why[] = {
		"non-image or dangling link",
		"unreadable, with no image extension", "hidden name",
		"non-image, path over 4095 bytes", "link into the catalog" };
	const uint64_t dir[] = { st->skip_hidden_dirs, st->skip_loop,
				 st->skip_rewalk };
	const char *const dir_why[] = {
		"hidden name", "symlink loop",
		"directory reached by links over 64 times" };

	skipped_line("file", "files", files, files_why, 5);
	skipped_line("directory", "directories", dir, dir_why, 3);
}

static void summary(const struct gic_ingest_stats *st, double secs,
		    const struct gic_ingest_opts *o)
{
	enum gic_store_mode mode = o->mode;
	int val_given = o->val != NULL;
	/* paths escaped: 4 bytes for each of 256 at most */
	char updated[64] = "", now[1024], was[1024];

	if (st->updated)
		snprintf(updated, sizeof(updated), " (%llu updated from the "
			 "options)", (unsigned long long)st->updated);
	cli_err("ingest: %llu file%s: %llu new image%s, %llu new %s, "
		"%llu already present%s, %llu changed, %llu rejected "
		"(%.1f MB in %.1f s, %.0f files/s)\n",
		(unsigned long long)st->files_total, cli_s(st->files_total),
		(unsigned long long)st->new_images, cli_s(st->new_images),
		(unsigned long long)st->new_entries,
		cli_word(st->new_entries, "entry", "entries"),
		(unsigned long long)st->present, updated,
		(unsigned long long)st->changed,
		(unsigned long long)st->rejected, st->bytes / 1e6, secs,
		secs > 0 ? st->files_done / secs : 0);
	cli_print_rejects(st);
	if (st->rejects_forgotten)
		cli_err("  %llu file%s rejected before %s gone from the "
			"directories read: no longer counted as rejected\n",
			(unsigned long long)st->rejects_forgotten,
			cli_s(st->rejects_forgotten),
			st->rejects_forgotten == 1 ? "is" : "are");
	cli_note(st->gone_entries, "entry names", "entries name", "a file "
		 "gone from the directories read", st->gone_first, 1, "kept, "
		 "with the images in the store; 'gicat rm' takes out what "
		 "should go");
	cli_print_entry_notes("ingest", st, o->layout, val_given);
	if (st->repaired)
		cli_err("  %llu object%s missing or damaged in the "
			"store, stored again from the file%s\n",
			(unsigned long long)st->repaired, cli_s(st->repaired),
			cli_s(st->repaired));
	if (st->skipped)
		skipped(st);
	if (st->respelled)
		cli_err("  %llu of those already present %s "
			"under another spelling of their path (first: '%s', "
			"catalogued as '%s'): not added again; paths are kept as "
			"given, so ingest a tree from the same directory each "
			"time\n", (unsigned long long)st->respelled,
			st->respelled == 1 ? "is an entry" : "are entries",
			gic_esc(st->respelled_now, now, sizeof(now)),
			gic_esc(st->respelled_was, was, sizeof(was)));
	cli_note(st->other_files, "of those changed is", "of those changed "
		 "are", st->other_files == 1 ? "another file (device and "
		 "inode) than the one catalogued at its path" : "another file "
		 "(device and inode) than the one catalogued at their path",
		 st->other_file, 1, "a file saved by renaming (rsync, editors) "
		 "is one; if it is another tree's under the same relative path, "
		 "it replaced the first tree's entry: ingest each tree from the "
		 "same directory, or give it a --dataset of its own");
	if (st->other_subsets) {
		snprintf(was, sizeof(was), "'%s': %s there, %s here",
			 gic_esc(st->other_subset, now, sizeof(now)),
			 st->other_subset_was, st->other_subset_now);
		cli_note(st->other_subsets, "file is another subset's",
			 "files are other subsets'", "at the path of an entry",
			 was, 0, "not added; paths are kept as given, so ingest "
			 "the subsets from one directory (the one above them), "
			 "or each with a --dataset of its own");
	}
	if (st->other_datasets) {
		char ds[1024], ds2[1024];

		cli_err("  %llu new entr%s of dataset '%s' (named after the "
			"folder) %s already catalogued in dataset '%s' "
			"(first: '%s'): --dataset '%s' adds to that one instead\n",
			(unsigned long long)st->other_datasets,
			st->other_datasets == 1 ? "y" : "ies",
			gic_esc(st->other_dataset_now, ds, sizeof(ds)),
			st->other_datasets == 1 ? "is a file" : "are files",
			gic_esc(st->other_dataset_was, ds2, sizeof(ds2)),
			gic_esc(st->other_dataset_path, now, sizeof(now)),
			ds2);
	}
	if (st->ref_held)
		cli_err("  %llu file%s content the store already holds as "
			"an object: %s entr%s that object (--mode ref keeps "
			"nothing by reference for %s)\n",
			(unsigned long long)st->ref_held,
			st->ref_held == 1 ? "'s" : "s'",
			st->ref_held == 1 ? "its" : "their",
			st->ref_held == 1 ? "y uses" : "ies use",
			st->ref_held == 1 ? "it" : "them");
	if (st->upgraded)
		cli_err("  %llu image%s kept by reference before %s now in the "
			"store as well (%.1f MB %s): an ingest without --mode "
			"ref stores what it reads\n",
			(unsigned long long)st->upgraded, cli_s(st->upgraded),
			st->upgraded == 1 ? "is" : "are",
			st->upgraded_bytes / 1e6, mode == GIC_MODE_LINK ?
			"hard-linked" : mode == GIC_MODE_REFLINK ? "reflinked" :
			"copied");
	if (st->linked)
		cli_err("  %llu original%s now hard-linked into the store, "
			"read-only (--mode link): write to a copy, never to the "
			"file, which is the object\n",
			(unsigned long long)st->linked,
			st->linked == 1 ? " is" : "s are");
	if (st->link_fallbacks)
		cli_err("  %llu %s copied, not %s: %s\n",
			(unsigned long long)st->link_fallbacks,
			st->link_fallbacks == 1 ? "file was" : "files were",
			mode == GIC_MODE_LINK ? "hard-linked" : "reflinked",
			mode == GIC_MODE_LINK ? "a hard link cannot cross file "
			"systems (is the catalog on another one?)" : "the file "
			"system cannot clone files, or the catalog is on another "
			"one");
}

/* Fills o from argv; returns -1 to go on or an exit code. */
static int parse(int argc, char **argv, struct gic_ingest_opts *o,
		 const char **val_path, const char **class_arg)
{
	static const struct option opts[] = {
		{ "layout", 1, 0, 'L' }, { "dataset", 1, 0, 'd' },
		{ "generator", 1, 0, 'g' }, { "label", 1, 0, 'l' },
		{ "split", 1, 0, 's' }, { "class", 1, 0, 'c' },
		{ "license", 1, 0, 'i' }, { "mode", 1, 0, 'm' },
		{ "val-labels", 1, 0, 'v' }, { "jobs", 1, 0, 'j' },
		{ "max-pixels", 1, 0, 'P' }, { "max-bytes", 1, 0, 'B' },
		{ "repair", 0, 0, 'R' }, { "help", 0, 0, 'h' }, { 0 } };
	uint64_t n;
	int ch, rc;

	while ((ch = cli_getopt(argc, argv, "hj:m:", opts, NULL)) != -1) {
		switch (ch) {
		case 'L':
			if (gic_layout_from_name(optarg, &o->layout) < 0)
				return cli_usage_error("ingest", "%s", gic_errmsg());
			break;
		case 'd': o->dataset = optarg; break;
		case 'g': o->generator = cli_generator(optarg); break;
		case 'l': o->label = optarg; break;
		case 's': o->split = optarg; break;
		case 'c': *class_arg = optarg; break;
		case 'i': o->license = optarg; break;
		case 'v': *val_path = optarg; break;
		case 'm':
			if (gic_store_mode_from_name(optarg, &o->mode) < 0)
				return cli_usage_error("ingest", "%s", gic_errmsg());
			break;
		case 'j':
			if ((rc = cli_number_opt("ingest", "--jobs", optarg, 1,
						 256, &n)) >= 0)
				return rc;
			o->jobs = (int)n;
			break;
		case 'P': case 'B':
			if ((rc = cli_limit_opt("ingest", ch == 'P' ?
						"--max-pixels" : "--max-bytes",
						optarg, &n)) >= 0)
				return rc;
			*(ch == 'P' ? &o->max_pixels : &o->max_bytes) = n;
			break;
		case 'R': o->repair = 1; break;
		default:
			return cli_getopt_end("ingest", ch);
		}
	}
	if ((rc = cli_entry_opts("ingest", o->dataset, o->generator,
				 o->label, o->split)) >= 0)
		return rc;
	if (optind >= argc)
		return cli_usage_error("ingest", "no PATH given");
	if (o->repair && o->mode == GIC_MODE_REF)
		return cli_usage_error("ingest", "--repair mends stored objects; "
				       "--mode ref stores none");
	return -1;
}

static int ingest(struct gic_ingest_opts *o, char **paths, int n)
{
	struct gic_ingest_stats st;
	struct gic_catalog *c;
	struct run r;
	double took;
	int rc;

	if ((rc = cli_open("ingest", &c)))
		return rc;
	if ((rc = cli_license_opt("ingest", c, o->license)) >= 0) {
		gic_catalog_close(c);
		return rc;
	}
	o->on_reject = on_reject;
	o->on_progress = on_progress;
	o->arg = &r;
	progress_start(&r.prog);
	took = gic_now();
	rc = gic_ingest(c, (const char *const *)paths, n, o, &st);
	took = gic_now() - took;
	progress_end(&r.prog);
	/* a failure that stops a batch is the catalog's */
	rc = rc < 0 ? cli_fail(rc, "ingest", rc == GIC_EUSAGE ? NULL : c->dir)
		    : 0;
	gic_catalog_close(c);
	if (rc)
		return rc;
	summary(&st, took, o);
	return st.rejected ? EXIT_PROBLEMS : EXIT_OK;
}

int cmd_ingest(int argc, char **argv)
{
	struct gic_ingest_opts o = { .class_idx = -1, .mode = GIC_MODE_COPY };
	const char *val_path = NULL, *class_arg = NULL;
	struct gic_classes *cls = NULL;
	struct gic_val_labels *val = NULL;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int rc;

	o.jobs = cpus > 0 ? (int)cpus : 1;
	if ((rc = parse(argc, argv, &o, &val_path, &class_arg)) >= 0)
		return rc;
	if ((rc = gic_classes_builtin(&cls)) < 0)
		return cli_fail(rc, "ingest", "classes");
	o.classes = cls;
	if (class_arg && (o.class_idx = gic_class_parse(cls, class_arg)) < 0) {
		rc = cli_bad_class("ingest", class_arg);
		goto out;
	}
	if (val_path && (rc = gic_val_labels_load(val_path, &val)) < 0) {
		rc = cli_fail(rc, "ingest: --val-labels", val_path);
		goto out;
	}
	o.val = val;
	rc = ingest(&o, argv + optind, argc - optind);
out:
	gic_val_labels_free(val);
	gic_classes_free(cls);
	return rc;
}
