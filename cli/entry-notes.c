/*
 * entry-notes.c - the lines under the summary of an ingest or a fetch:
 * what was rejected, and what the entries lack or their paths say
 * otherwise (no label, no class, no generator, a layout they do not fit).
 */
#include <string.h>

#include "cli.h"

void cli_note(uint64_t n, const char *one, const char *many, const char *what,
	      const char *first, int quote, const char *tail)
{
	char e[1024];  /* escaped: 4 bytes for each of 256 at most */

	if (n)
		cli_err("  %llu %s %s (first: %s%s%s): %s\n",
			(unsigned long long)n, n == 1 ? one : many, what,
			quote ? "'" : "", gic_esc(first, e, sizeof(e)),
			quote ? "'" : "", tail);
}

#define SHOWN_KINDS 15  /* kinds of reject a summary names; the rest are
			  "other" */

void cli_print_rejects(const struct gic_ingest_stats *st)
{
	int order[GIC_MAX_REASONS], n = 0;
	uint64_t other = 0;

	/* the most frequent first; alike, the first met first */
	for (int i = 0; i < st->nreasons; i++) {
		int k = n++;

		for (; k > 0 && st->reasons[order[k - 1]].n < st->reasons[i].n; k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
	for (int k = 0; k < n; k++) {
		const char *why = st->reasons[order[k]].reason;
		uint64_t c = st->reasons[order[k]].n;

		if (k < SHOWN_KINDS && strcmp(why, "other"))
			cli_err("  rejected %llu: %s\n", (unsigned long long)c,
				why);
		else
			other += c;
	}
	if (other)
		cli_err("  rejected %llu: other\n", (unsigned long long)other);
}

void cli_print_entry_notes(const char *cmd, const struct gic_ingest_stats *st,
			   enum gic_layout layout, int val_given)
{
	char e[1024], later[160];  /* e: escaped, 4 bytes for each of 256 */

	if (st->unknown_wnids)
		cli_err("  %llu entr%s a wnid that is none of the "
			"1000 ImageNet classes (first: %s): kept with no class\n",
			(unsigned long long)st->unknown_wnids, st->unknown_wnids ==
			1 ? "y has" : "ies have", st->unknown_wnid);
	if (st->fakes_without_generator && strcmp(cmd, "fetch"))
		cli_err("  %llu fake entr%s no generator: no folder of "
			"the path names one (first: '%s'); --generator G sets "
			"it\n", (unsigned long long)st->fakes_without_generator,
			st->fakes_without_generator == 1 ? "y has" : "ies have",
			gic_esc(st->fake_without_generator, e, sizeof(e)));
	else  /* a URL's folders are read only with --layout */
		cli_note(st->fakes_without_generator, "fake entry has",
			 "fake entries have", "no generator",
			 st->fake_without_generator, 1, "neither the list's "
			 "generator column nor --generator gives one (nor, with "
			 "--layout, a folder of the URL)");
	snprintf(later, sizeof(later), "--val-labels LOC_val_solution.csv "
		 "(ImageNet's) gives them one, now or in a later %s", cmd);
	cli_note(st->val_unlabelled, "ImageNet val photo has", "ImageNet val "
		 "photos have", "no class", st->val_unlabelled_first, 1,
		 val_given ? "not in the --val-labels file" : later);
	cli_note(st->odd_class_names, "fake entry has", "fake entries have",
		 "a name that gives no class of 0..999 (GenImage names a fake "
		 "CLASS_..., 7_sdv4_00001.png)", st->odd_class_name, 1,
		 "kept with no class; --class N sets one");
	cli_note(st->misfits, "file does not", "files do not", layout ==
		 GIC_LAYOUT_GENIMAGE ? "fit --layout genimage, .../{train,val}/"
		 "{ai,nature}/FILE" : "fit --layout imagefolder, a label or "
		 "class folder above FILE", st->misfit, 1, layout ==
		 GIC_LAYOUT_GENIMAGE ? "its path gives it no label, split or "
		 "generator" : "its path gives it no label or class");
	cli_note(st->unlabelled, "entry has", "entries have", "no label",
		 st->unlabelled_first, 1, strcmp(cmd, "fetch") ? "no folder "
		 "of the path says real or fake (.../{train,val}/{ai,nature}/"
		 "FILE, or a label folder such as real, fake, 0_real, 1_fake); "
		 "--label sets it" : "neither the list's label column nor "
		 "--label gives one (nor, with --layout, a folder of the URL)");
	/* their firsts are "'path': how" */
	cli_note(st->misnamed, "file is", "files are", "named as the other "
		 "format", st->misnamed_first, 0, "catalogued as what its bytes "
		 "are (the query field format); a loader that goes by the name "
		 "may misread it");
	cli_note(st->disagreeing, "entry has", "entries have", st->disagreeing ==
		 1 ? "a file name that says otherwise than its folders" : "a "
		 "file name that says otherwise than their folders",
		 st->disagree, 0, "the folders are taken, the name only for a "
		 "class they do not give");
}
