/*
 * main.c - gicat's entry point: global options, the command table, and the
 * final check that stdout really reached its destination.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct cmd commands[] = {
	{ "init", cmd_init, "[DIR]", "create a catalog (DIR/.gicat)",
	  "  DIR  default: --catalog DIR, else $GICAT_DIR, else here; DIR and\n"
	  "       --catalog may both be given only when they agree\n" },
	{ "ingest", cmd_ingest,
	  "[--layout auto|genimage|imagefolder|flat] [--dataset NAME] "
	  "[--generator G] [--label real|fake] [--split S] [--class IDX|WNID] "
	  "[--license ID] [--mode copy|reflink|link|ref] [--val-labels FILE] "
	  "[--jobs N] [--max-pixels N] [--max-bytes N] [--repair] PATH...",
	  "add image files and trees to the catalog",
	  "  --layout L       how paths are read (auto: GenImage trees, then\n"
	  "                   label/wnid folders, else nothing but file names)\n"
	  "  --dataset NAME   default: genimage for GenImage trees, else the\n"
	  "                   name of the directory given, or of the one\n"
	  "                   holding a file given ('.', '..' resolved:\n"
	  "                   'ingest .' in ~/pics gives pics)\n"
	  "  --mode M         copy (default), reflink, link (hard link) or ref\n"
	  "                   (store nothing; remember path, size and mtime)\n"
	  "  --val-labels F   ImageNet LOC_val_solution.csv for ILSVRC2012_val_*\n"
	  "  --jobs N         decoding workers (default: number of CPUs)\n"
	  "  --max-pixels N   reject larger images (default 100M)\n"
	  "  --max-bytes N    reject larger files (default 256M)\n"
	  "  --repair         re-hash the stored object of every file already\n"
	  "                   catalogued and replace it when damaged (without\n"
	  "                   it, only a missing or resized object is)\n"
	  "  --generator, --label, --split, --class and --license also set\n"
	  "  those fields on files already catalogued.\n" },
	{ "rm", cmd_rm, "[-n|--dry-run] EXPR",
	  "remove the entries matching EXPR (gc then deletes unused images)",
	  "  --dry-run  say how many entries would go, changing nothing\n"
	  "  The entries go in one transaction; their images and objects stay\n"
	  "  until gc finds no entry uses them.  A fetched entry's URL is no\n"
	  "  longer done: the next fetch of its list takes it again.\n" },
	{ "mv", cmd_mv, "[-n|--dry-run] [--dataset NAME] FROM TO",
	  "rename the paths of the entries under FROM (a tree that moved)",
	  "  FROM, TO   path prefixes as the entries have them (gicat query\n"
	  "             shows them): 'old' takes old/x.png, not oldish.png\n"
	  "  --dataset  only that dataset's entries\n"
	  "  --dry-run  say how many entries would move, changing nothing\n"
	  "  Nothing on disk is touched.  When a new path is one an entry of\n"
	  "  the dataset already has, nothing moves (exit 1); nor when one\n"
	  "  would pass 4095 bytes (exit 2).  Fetched entries keep their\n"
	  "  paths: their URLs.\n" },
	{ "query", cmd_query,
	  "[--format table|csv|jsonl|paths] [--count] [--group-by F,F] "
	  "[--fields F,F] [--limit N] [EXPR]", "list entries matching EXPR",
	  "  EXPR       field op value, joined by and/or/not and parentheses;\n"
	  "             ops = != < <= > >= ~ 'glob*', in (a, b), in 0..99;\n"
	  "             none: every entry (README: Query language)\n"
	  "  --format   table (default), csv, jsonl, or paths (one a line)\n"
	  "  --count    the number of matches only (with --group-by: per group)\n"
	  "  --group-by F,F  counts per value of those fields\n"
	  "  --fields F,F    the columns of the listing (default: table a\n"
	  "             short set, csv and jsonl every field)\n"
	  "  --limit N  the first N matches (in insertion order)\n"
	  "  fields: sha256 dataset generator subset label split class wnid\n"
	  "    class_name class_source path width height short_side format\n"
	  "    bytes mode channels bit_depth jpeg_quality subsampling\n"
	  "    progressive phash license source has_icc has_exif has_xmp\n"
	  "    has_c2pa text_keys exif_software exif_make exif_model\n"
	  "    xmp_source_type trailing_bytes storage quality_exact\n"
	  "    interlaced orientation added_at\n" },
	{ "show", cmd_show, "[--format text|json] SHA256|PREFIX|PATH",
	  "an image's metadata and every entry of it",
	  "  --format json  one JSON document: the image's columns (null where\n"
	  "                 not known), \"object\", \"entries\" (licenses as a\n"
	  "                 list), \"derived_from\", \"derivations\" and\n"
	  "                 \"rejected\" (entries' files a later ingest\n"
	  "                 refused; the entries keep this image)\n" },
	{ "cat", cmd_cat, "SHA256|PREFIX|PATH", "write an image's bytes to stdout",
	  "  The image by its hash, a prefix of 4+ hex digits that only it\n"
	  "  has, an entry's path, or a file here that is catalogued.  The\n"
	  "  bytes are read whole and checked against the hash before any\n"
	  "  is written: a damaged object or a changed ref'd file is an\n"
	  "  error (exit 3) and nothing is written.  A terminal as stdout\n"
	  "  is refused: redirect it (gicat cat 3fa9c2 > image.png).\n" },
	{ "stats", cmd_stats, "[--format table|json] [EXPR] | --rejects "
	  "[--format table|csv|jsonl]", "counts per dataset, subset, generator, "
	  "label, split",
	  "  --format json  the totals, \"groups\", \"formats\" and \"rejected\"\n"
	  "                 (without EXPR) as one JSON document\n"
	  "  --rejects      every file ingest or fetch refused: path, reason\n"
	  "                 and time of the last attempt\n" },
	{ "verify", cmd_verify, "[--full]",
	  "check the catalog and the store agree (--full re-hashes)",
	  "  Checks the catalog file (SQLite's quick_check) and its foreign\n"
	  "  keys, that every image's object is there with its size, and\n"
	  "  that every ref'd file an entry uses is there, readable, of its\n"
	  "  size and mtime.  Each problem is one line naming the image, its\n"
	  "  entries and the remedy; exit 1 when there is any.\n"
	  "  --full     also re-hash every object and ref'd file (read ahead\n"
	  "             by 16 threads; a file only touched passes) and run\n"
	  "             integrity_check instead of quick_check\n" },
	{ "gc", cmd_gc, "[--grace S] [-n|--dry-run] [--vacuum] "
	  "[--forget-gone]",
	  "remove unreferenced objects and temporary files",
	  "  --grace S  keep those whose ctime (last change of content, links\n"
	  "             or mode) is less than S seconds old (default 3600): a\n"
	  "             running ingest may be about to commit them.  gc says\n"
	  "             how many it kept; --grace 0 removes them all.\n"
	  "  --dry-run  say what gc would remove and free, removing nothing\n"
	  "  --vacuum   then rewrite the catalog file without its free pages\n"
	  "             (left by deleted rows: later writes reuse them; gc\n"
	  "             says when they are 1 MB and a tenth of the file or\n"
	  "             more); for a while it needs free disk space of twice\n"
	  "             the rewritten file (a temporary copy, the WAL)\n"
	  "  --forget-gone\n"
	  "             also forget the records of symlink and manifest\n"
	  "             exports whose --out is gone (below), letting go of\n"
	  "             the objects they alone kept\n"
	  "gc also forgets the records of splits and exports whose --out\n"
	  "directory no longer exists (split --check of a moved output reads\n"
	  "its MANIFEST.sha256), but for symlink and manifest exports, whose\n"
	  "files point into the store: moved, not deleted, they would break.\n" },
	{ "migrate", cmd_migrate, "[--status | --measure]",
	  "apply or list schema migrations",
	  "  --status   applied and pending migrations, changing nothing; exit 0\n"
	  "             also for a catalog from a newer gicat (never written:\n"
	  "             migrate without --status refuses it, exit 3)\n"
	  "  --measure  also decode the images catalogued before a migration\n"
	  "             that added what only a decode finds (trailing_bytes,\n"
	  "             0012; EXIF and XMP fields, 0006), to fill it in; one\n"
	  "             that cannot be read or\n"
	  "             decoded is named and left empty (exit 1)\n" },
	{ "task", cmd_task, "list | cat FILE | show [--format table | --items "
	  "[--format csv|jsonl]] FILE | check [--strict] [--format table | "
	  "--items [--format csv|jsonl]] FILE",
	  "shipped tasks; a task's text; a task's sets; a task checked",
	  "  FILE is a task file or a shipped task's name (genimage/cross-sd14)\n"
	  "  cat: the task's text, to start one of your own from a shipped one\n"
	  "        (gicat task cat genimage/cross-sd14 >mine.ini)\n"
	  "  show: images per set and label (--format table, the default);\n"
	  "        --items, or --format csv or jsonl, lists every image\n"
	  "        (a degraded set's with its derived_sha256, as eval scores it)\n"
	  "  check: errors (exit 1) and warnings (on stderr): empty or unbalanced\n"
	  "         sets, unknown keys, test images that are training images too;\n"
	  "         --strict: warnings exit 1 too; --items and --format as\n"
	  "         for show (the count of warnings then goes to stderr)\n" },
	{ "split", cmd_split, "TASK --out DIR [--format imagefolder|genimage|hf|"
	  "webdataset|manifest] [--mode link|symlink|copy|reflink] [--names "
	  "hash|original] [--shard-size N] [--shard-bytes N] [--force] "
	  "[--jobs N] [--strict] | "
	  "--check DIR [--jobs N] | [TASK] --out DIR --check [--jobs N]",
	  "materialize a task's sets for a trainer; check an output",
	  "  TASK       a task file or a shipped task (genimage/cross-sd14)\n"
	  "  --format   imagefolder (default): SET/0_real, SET/1_fake\n"
	  "             genimage: SET/nature, SET/ai   hf: SET/metadata.jsonl\n"
	  "             webdataset: SET-000000.tar...  manifest: SET.csv/.jsonl\n"
	  "  --mode     link (default; copies across file systems), symlink,\n"
	  "             copy, reflink\n"
	  "  --names    hash (default: first 16 hex digits of the SHA-256) or\n"
	  "             original (base names, prefixed when two collide)\n"
	  "  --shard-size N  webdataset samples per tar (default 1000, or no\n"
	  "             limit with --shard-bytes alone)\n"
	  "  --shard-bytes N  and at most N bytes of tar members per shard (K,\n"
	  "             M, G: KiB, MiB, GiB); a sample over N is a shard alone\n"
	  "  --force    replace an earlier export in DIR\n"
	  "  --jobs N   threads deriving degraded images and placing files\n"
	  "             (default: CPUs); with --check, files read at once\n"
	  "             (default 16)\n"
	  "  --strict   a warning (as task check gives) is an error: exit 2,\n"
	  "             nothing written\n"
	  "  --check    every file present with its hash, nothing extra; with\n"
	  "             TASK, also that TASK wrote the latest export into DIR\n" },
	{ "export", cmd_export, "[EXPR] --out DIR [--format F] [--mode M] "
	  "[--names hash|original] [--shard-size N] [--shard-bytes N] "
	  "[--force] [--fraction F] "
	  "[--max-per-class N] [--balance label] [--seed N] [--jobs N]",
	  "write the entries matching EXPR as a one-set split",
	  "  --format --mode --names --shard-size --shard-bytes --force --jobs: as for\n"
	  "                     split\n"
	  "  --fraction F       a seeded sample: that share of the images\n"
	  "  --max-per-class N  at most N images per ImageNet class\n"
	  "  --balance label    as many real as fake images\n"
	  "  --seed N           the sample's seed (default 0), in task.ini\n" },
	{ "fetch", cmd_fetch, "[--jobs N] [--per-host N] [--retries N] "
	  "[--max-bytes N] [--max-memory N] [--max-pixels N] [--timeout S] "
	  "[--max-time S] [--cacert FILE] [--dataset NAME] "
	  "[--generator G] [--label real|fake] [--split S] [--class IDX|WNID] "
	  "[--license ID] [--layout L [--val-labels F]] [--mode copy] "
	  "[--download-known] URLLIST | --status [--dataset NAME] [--format F] "
	  "[URLLIST] | --forget-failed [--dataset NAME] [URLLIST]",
	  "download a URL list into the catalog; what is fetched so far",
	  "  URLLIST      CSV, TSV or JSONL with a url column and any of sha256,\n"
	  "               dataset, generator, label, split, class, license;\n"
	  "               or one URL a line (- reads standard input).\n"
	  "               Options fill empty columns.\n"
	  "  --jobs N     transfers at once (default 16); --per-host N: to one\n"
	  "               host (default: --jobs)\n"
	  "  --retries N  after timeouts, connection errors, 5xx, 408, 429\n"
	  "               (default 3)\n"
	  "  --timeout S  to connect, and below 1 KiB/s (default 30)\n"
	  "  --max-time S one attempt in all (default 600; 0: no limit)\n"
	  "  --max-bytes  per image, while downloading (default 256M)\n"
	  "  --max-memory all downloads held in memory at once (default 1G;\n"
	  "               one download alone may always go on)\n"
	  "  --max-pixels per image, from its header (default 100M)\n"
	  "  --cacert F   trust the CAs in F instead of the system's\n"
	  "  --layout L   read each URL's path as ingest reads a file's\n"
	  "               (auto, genimage, imagefolder, flat); --val-labels F\n"
	  "               as for ingest.  Without it: the list and options only\n"
	  "  --mode copy  as downloads are always stored (the other modes\n"
	  "               of ingest do not apply)\n"
	  "  --download-known  also a URL never tried whose sha256 column\n"
	  "               names an image the store holds (without it: catalogued\n"
	  "               from the store, no transfer)\n"
	  "  --status     URLs per state (of URLLIST, or all; with --dataset,\n"
	  "               only that dataset's); failures listed\n"
	  "  --forget-failed  forget those failed URLs (--status stops\n"
	  "               listing them; a run tries them as new)\n" },
	{ "degrade", cmd_degrade, "OPS SHA256|PREFIX|PATH > FILE",
	  "one degraded image (derived once, then reused) on stdout",
	  "  OPS: operations joined by '|', applied in order:\n"
	  "    jpeg(quality=Q[,subsampling=420|444])  baseline JPEG, IJG tables\n"
	  "    png()                 lossless PNG (ends any chain that does not\n"
	  "                          end with jpeg() or png())\n"
	  "    blur(sigma=S)         Gaussian, radius ceil(3 sigma), mirrored edges\n"
	  "    resize(short=N[,filter=F])  short side N, aspect kept; F as PIL:\n"
	  "                          bicubic (default), bilinear, lanczos\n"
	  "    resize(size=N[,filter=F])  N x N\n"
	  "    center_crop(N[,align=A])  the central N x N (its offsets rounded\n"
	  "                          down to multiples of A: 16 keeps JPEG blocks)\n"
	  "  e.g. gicat degrade 'resize(short=64)|jpeg(quality=65)' 3fa9c2 > out.jpg\n" },
	{ "eval", cmd_eval, "TASK --predictions FILE [--threshold T] [--format "
	  "table|csv|json] [--html FILE] [--allow-missing] | --matrix RUNS.tsv "
	  "[--metric M] [--threshold T] [--format F] [--html FILE] "
	  "[--allow-missing]",
	  "score a detector's predictions per test set; cross-generator matrix",
	  "  --predictions F  CSV (header) or JSONL: sha256 (or a 16+ hex prefix)\n"
	  "                   or path (in an export of TASK, or the original),\n"
	  "                   and score (probability of fake, 0..1) or pred\n"
	  "                   (real, fake, 0, 1); an optional set column;\n"
	  "                   - reads standard input\n"
	  "  --threshold T    score >= T means fake (default 0.5)\n"
	  "  --format F       table (%, GenImage's column order), csv\n"
	  "                   (set,n,acc,real_acc,fake_acc,ap as fractions), json\n"
	  "  --allow-missing  score the images that have a prediction (those\n"
	  "                   without are listed as notes); --matrix too\n"
	  "  --matrix RUNS    one run a line: TASK<TAB>PREDICTIONS; rows = trained\n"
	  "                   on, columns = tested on, with averages\n"
	  "  --metric M       the matrix's metric: acc (default), real_acc,\n"
	  "                   fake_acc, ap\n"
	  "  --html FILE      the scores as a self-contained heatmap page\n" },
	{ "dedup", cmd_dedup, "[--near [--distance N]] [--format table|csv|jsonl] "
	  "[EXPR]", "images with several entries, or near-duplicate clusters",
	  "  without --near: every image (sha256) with more than one entry\n"
	  "  --near           clusters of images whose pHashes differ in at most\n"
	  "                   N bits, linked transitively; a cluster's id is its\n"
	  "                   smallest sha256\n"
	  "  --distance N     0..10 (default 4)\n" },
	{ "leakcheck", cmd_leakcheck, "TASK [--distance N] [--format table|csv|"
	  "jsonl]", "train/test pairs that are the same image or near duplicates",
	  "  exit 1 when any image of another set of the task (val, test or\n"
	  "  [set NAME]) is a training image, byte for byte or within N bits\n"
	  "  of pHash (default 4, at most 10);\n"
	  "  derived images are compared through their originals\n" },
	{ "license", cmd_license, "list [--format table|csv|jsonl] | set EXPR "
	  "ID... | set --dataset NAME|--generator G ID... | unset --dataset "
	  "NAME|--generator G | rules [--format F]",
	  "the license registry; the licenses of entries, datasets, generators",
	  "  list   every registered license (SPDX ids and LicenseRef-...) with\n"
	  "         its flags: commercial use, redistribution, attribution,\n"
	  "         share-alike; csv and jsonl add the URL and terms\n"
	  "  set    give every entry matching EXPR these licenses (all apply);\n"
	  "         an id not in the registry is a usage error\n"
	  "  set --dataset NAME | --generator G\n"
	  "         attach them to a dataset or generator: added to the\n"
	  "         licenses of its entries now, and of its new entries\n"
	  "         when ingest or fetch is given no license\n"
	  "  unset  --dataset NAME | --generator G: no longer attached (the\n"
	  "         entries keep theirs)\n"
	  "  rules  what is attached to datasets and generators\n" },
	{ "audit", cmd_audit, "license [--use commercial|research|redistribute] "
	  "[EXPR | --task FILE] [--format table|json] [--html FILE] | "
	  "provenance [EXPR | --task FILE] [--format table|json] [--html FILE] "
	  "[--max-shortcut A] | "
	  "bias [EXPR | "
	  "--task FILE] [--format table|json] [--html FILE] [--max-shortcut A]",
	  "licenses, label-leaking metadata and shortcut bias of a selection",
	  "  license     entries per license; every entry whose licenses forbid\n"
	  "              --use, or that has no or an unknown license (exit 1)\n"
	  "  provenance  EXIF, XMP, ICC, C2PA, PNG text per generator and label;\n"
	  "              metadata only one label carries is a leak (exit 1)\n"
	  "              (with --max-shortcut, so is metadata that points to\n"
	  "              one label above A)\n"
	  "  bias        formats, JPEG quality, sizes, subsampling, metadata per\n"
	  "              generator and label; balanced accuracy of trivial rules\n"
	  "              (png => fake, side in 128/256/512/1024 => fake, best\n"
	  "              thresholds on side, quality, bytes per pixel)\n"
	  "  --task F    a task's sets as exported (degraded images included)\n"
	  "  --html F    a self-contained page with charts\n"
	  "  --max-shortcut A  exit 1 when a rule scores above A (0..1)\n"
	  "              (provenance: \"present => label\", balanced)\n" },
	{ "help", cmd_help, "[COMMAND]", "usage of gicat or of a command", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

const char *cli_catalog_opt;

const struct cmd *cli_find_cmd(const char *name)
{
	for (const struct cmd *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void overview(FILE *f)
{
	fputs("usage: gicat [--catalog DIR] COMMAND [ARGS]\n\ncommands:\n", f);
	for (const struct cmd *c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fputs("\nenvironment:\n"
	      "  GICAT_DIR           the catalog when --catalog is not given\n"
	      "  GICAT_BUSY_TIMEOUT  seconds a writer waits for another "
	      "(default 30)\n", f);
	fputs("\n'gicat help COMMAND' or 'gicat COMMAND -h' shows a command's "
	      "options;\n'gicat --version' the version.\n", f);
}

/* The command meant by a name that is none, or NULL. */
static const struct cmd *near_cmd(const char *name)
{
	const struct cmd *near = NULL;
	size_t best = GIC_SUGGEST_FAR;

	for (const struct cmd *k = commands; k->name; k++)
		if (gic_suggest_closer(name, strlen(name), k->name, &best))
			near = k;
	/* the words other tools taught people for rm and mv */
	if (!strcmp(name, "remove") || !strcmp(name, "delete") ||
	    !strcmp(name, "del"))
		near = cli_find_cmd("rm");
	if (!strcmp(name, "move") || !strcmp(name, "rename"))
		near = cli_find_cmd("mv");
	return near;
}

int cmd_help(int argc, char **argv)
{
	const struct cmd *c, *near;

	if (argc < 2) {
		overview(stdout);
		return 0;
	}
	if (argc > 2)
		return cli_usage_error("help", "one COMMAND at a time, not '%s'",
				       argv[2]);
	/* gicat help -h: help's own usage */
	c = cli_find_cmd(!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ?
			 "help" : argv[1]);
	if (!c && (near = near_cmd(argv[1])))
		return cli_usage_error("help", "no command '%s' (did you mean "
				       "'%s'?)", argv[1], near->name);
	if (!c)
		return cli_usage_error("help", "no command '%s' ('gicat help' "
				       "lists them)", argv[1]);
	cli_usage(c, stdout);
	return 0;
}

/* Takes --catalog DIR / --catalog=DIR out of argv, wherever it is. */
static int take_catalog_opt(int *argc, char **argv)
{
	int i, j;

	for (i = 1, j = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < *argc)
				argv[j++] = argv[i++];
			break;
		}
		if (!strcmp(argv[i], "--catalog")) {
			if (i + 1 >= *argc)
				return -1;
			cli_catalog_opt = argv[++i];
		} else if (!strncmp(argv[i], "--catalog=", 10)) {
			cli_catalog_opt = argv[i] + 10;
		} else {
			argv[j++] = argv[i];
		}
	}
	*argc = j;
	argv[j] = NULL;
	return 0;
}

/* SQLite reads the catalog through mmap: a disk error, or the file
 * truncated underneath, then arrives as SIGBUS instead of an error code.
 * One line and exit 3 rather than a core dump; the catalog is what its
 * journal makes it, as after a kill. */
static void on_sigbus(int sig)
{
	static const char msg[] = "gicat: a memory-mapped file could not be "
		"read (a disk I/O error, or a file truncated while in use); "
		"stopped, the catalog as of its last commit\n";

	ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);

	(void)sig;
	(void)n;
	_exit(EXIT_RUNTIME);
}

/* Ctrl-C, SIGTERM or SIGHUP (the terminal closed): the process ends as
 * the signal would end it (the shell sees 130, 143 or 129), after a line
 * saying what became of the work: a
 * kill leaves the catalog as of its last commit, and a re-run goes on.
 * On a terminal the progress line is cleared first. */
static volatile sig_atomic_t err_tty;

static void on_interrupt(int sig)
{
	static const char clear[] = "\r\033[K", msg[] = "gicat: interrupted; "
		"the catalog stays as of its last commit (run the command "
		"again to finish)\n";
	ssize_t n = err_tty ? write(STDERR_FILENO, clear, sizeof(clear) - 1) : 0;

	n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)n;
	signal(sig, SIG_DFL);
	raise(sig);
}

/* SIGINT, SIGTERM and SIGHUP to on_interrupt, unless ignored (a
 * background job of a script, nohup): those stay ignored. */
static void catch_interrupts(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_interrupt }, old;

	err_tty = isatty(STDERR_FILENO);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

/* $GICAT_BUSY_TIMEOUT: seconds to wait for another process's write to
 * end (digits, a fraction allowed), 0 to 86400; unset, SQLite waits 30 s.
 * Scripts that would rather fail at once than wait set 0. */
static int take_busy_timeout(void)
{
	const char *v = getenv("GICAT_BUSY_TIMEOUT");
	char *end;
	double s;

	if (!v)
		return 0;
	s = strtod(v, &end);
	if (v[0] < '0' || v[0] > '9' || *end || strspn(v, "0123456789.") !=
	    strlen(v) || !(s <= 86400)) {
		cli_err("gicat: GICAT_BUSY_TIMEOUT takes seconds (0 to 86400), "
			"not '%s'\n", v);
		return -1;
	}
	gic_set_busy_timeout((int)(s * 1000 + 0.5));
	return 0;
}

/* arg is opt, or a start of it that getopt_long would take: "--vers". */
static int long_opt(const char *arg, const char *opt)
{
	size_t n = strlen(arg);

	return n > 2 && !strncmp(arg, opt, n);
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	struct sigaction sa = { .sa_handler = on_sigbus };
	char shown[CLI_SHOWN_BUF];

	gic_malloc_tune();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	catch_interrupts();
	if (take_catalog_opt(&argc, argv) < 0) {
		fputs("gicat: --catalog needs a directory\n", stderr);
		return EXIT_USAGE;
	}
	if (take_busy_timeout() < 0)
		return EXIT_USAGE;
	if (argc < 2 && cli_catalog_opt && cli_find_cmd(cli_catalog_opt)) {
		cli_err("gicat: --catalog took '%s' as its directory and no "
			"command is left: give the directory first, as in "
			"'gicat --catalog DIR %s'\n", cli_catalog_opt,
			cli_catalog_opt);
		return EXIT_USAGE;
	}
	if (argc < 2) {
		overview(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || long_opt(argv[1], "--help")) {
		overview(stdout);
		return cli_finish_stdout(0);
	}
	if (!strcmp(argv[1], "-V") || long_opt(argv[1], "--version")) {
		printf("gicat 0.1 (schema %d)\n", gic_migrations_latest());
		return cli_finish_stdout(0);
	}
	if (argv[1][0] == '-') { /* an option before the command */
		static const char *const own[] = { "--catalog", "--version",
						   "--help", NULL };

		cli_err("gicat: '%s' is not an option of gicat itself%s "
			"(its own are --catalog DIR, --version, --help; a "
			"command's options go after it)\n",
			cli_shown(argv[1], shown), cli_meant(argv[1], own));
		return EXIT_USAGE;
	}
	if (!(c = cli_find_cmd(argv[1]))) {
		const struct cmd *near = near_cmd(argv[1]);

		if (near)
			cli_err("gicat: '%s' is not a command; did you "
				"mean '%s'?\n", cli_shown(argv[1], shown),
				near->name);
		else
			cli_err("gicat: '%s' is not a command; see "
				"'gicat help'\n", cli_shown(argv[1], shown));
		return EXIT_USAGE;
	}
	return cli_finish_stdout(c->fn(argc - 1, argv + 1));
}
