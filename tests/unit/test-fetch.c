/*
 * test-fetch.c - the parts of fetch that need no server: reading URL lists
 * (CSV quoting, TSV, JSONL, plain lists, every kind of bad row with its
 * line), the dataset a row lands in, options refused by name, which
 * failures are retried, and the backoff schedule.  Transfers themselves are tested against real servers
 * in tests/t/t0800-fetch.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dl.h"
#include "fetch-int.h"
#include "testdata.h"

static struct gic_classes *classes;

static int setup(void **state)
{
	(void)state;
	return gic_classes_builtin(&classes) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	gic_classes_free(classes);
	return 0;
}

static struct gic_fetch_list *parse(const char *text, const char *path)
{
	struct gic_fetch_list *l = NULL;

	if (gic_fetch_list_parse(text, strlen(text), path, classes, NULL, &l) < 0)
		fail_msg("%s: %s", path, gic_errmsg());
	return l;
}

/* A list of one row, read as its url and label. */
static void one_row(const char *text, const char *path, const char *url,
		    const char *label)
{
	struct gic_fetch_list *l = parse(text, path);

	assert_int_equal(l->n, 1);
	assert_string_equal(l->items[0].url, url);
	assert_string_equal(l->items[0].label, label);
	gic_fetch_list_free(l);
}

/* The error message of a list that must be refused. */
static const char *refused(const char *text, const char *path)
{
	struct gic_fetch_list *l = NULL;

	assert_int_equal(gic_fetch_list_parse(text, strlen(text), path,
					      classes, NULL, &l), GIC_EUSAGE);
	assert_null(l);
	return gic_errmsg();
}

static void test_csv_columns_and_quotes(void **state)
{
	struct gic_fetch_list *l = parse(
		"\xef\xbb\xbfURL,Label,class,caption,sha256\r\n"
		"http://h/a.png,real,n01440764,\"a, quoted \"\"caption\"\"\","
		"ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789\r\n"
		"\r\n"
		"\"http://h/b,c.png\",fake,7,,\n", "lists/mine.csv");

	(void)state;
	assert_int_equal(l->n, 2);
	assert_string_equal(l->name, "mine");
	assert_string_equal(l->items[0].url, "http://h/a.png");
	assert_string_equal(l->items[0].label, "real");
	assert_int_equal(l->items[0].class_idx, 0);
	assert_string_equal(l->items[0].sha256, "abcdef0123456789abcdef0123456789"
			    "abcdef0123456789abcdef0123456789");
	assert_int_equal(l->items[0].line, 2);
	assert_string_equal(l->items[1].url, "http://h/b,c.png");
	assert_int_equal(l->items[1].class_idx, 7);
	assert_null(l->items[1].sha256);
	assert_null(l->items[1].generator);
	assert_int_equal(l->items[1].line, 4);
	gic_fetch_list_free(l);
}

/* A quoted field may hold line endings (RFC 4180); lines are counted
 * through it, and a lone CR ends a line as CRLF and LF do. */
static void test_csv_multiline_fields(void **state)
{
	struct gic_fetch_list *l = parse(
		"url,caption,label\r"
		"http://h/a.png,\"two\nlines, \"\"quoted\"\"\r\nthree\",real\r"
		"http://h/b.png,plain,fake\n"
		"\"http://h/c.png\" , \"x\ny\" ,fake\n", "l.csv");
	const char *why;

	(void)state;
	assert_int_equal(l->n, 3);
	assert_int_equal(l->items[0].line, 2);
	assert_string_equal(l->items[0].label, "real");
	assert_int_equal(l->items[1].line, 5);
	assert_string_equal(l->items[1].url, "http://h/b.png");
	assert_int_equal(l->items[2].line, 6);
	gic_fetch_list_free(l);

	why = refused("url,caption,label\n"
		      "http://h/a.png,\"a\n\nb\",real\n"
		      "http://h/b.png,x,maybe\n", "l.csv");
	assert_non_null(strstr(why, "line 5"));
	why = refused("url,caption\nhttp://h/a.png,ok\n"
		      "http://h/b.png,\"never closed\nhttp://h/c.png,x\n",
		      "l.csv");
	assert_non_null(strstr(why, "line 3"));
	assert_non_null(strstr(why, "quote"));
}

/* A row of empty fields, as spreadsheets write below their data, is a
 * blank line, not a row without a URL. */
static void test_empty_rows_skipped(void **state)
{
	struct gic_fetch_list *l = parse("url,label,class\n"
					 "http://h/a.png,real,1\n"
					 ",,\n , ,\"\"\n,,\n", "l.csv");

	(void)state;
	assert_int_equal(l->n, 1);
	gic_fetch_list_free(l);
	l = parse("url\tlabel\n\t\nhttp://h/b.png\tfake\n\t\t\n", "l.tsv");
	assert_int_equal(l->n, 1);
	assert_int_equal(l->items[0].line, 3);
	gic_fetch_list_free(l);
}

static void test_tsv_and_sniffing(void **state)
{
	struct gic_fetch_list *l = parse("split\turl\tgenerator\n"
					 "train\thttp://h/x,y.png\tsd14\n",
					 "list.data");

	(void)state;
	assert_int_equal(l->n, 1);
	assert_string_equal(l->items[0].url, "http://h/x,y.png");
	assert_string_equal(l->items[0].split, "train");
	assert_string_equal(l->items[0].generator, "sd14");
	gic_fetch_list_free(l);
	/* quoted as pandas' to_csv(sep='\t') quotes, like predictions */
	one_row("\"url\"\t\"label\"\n\"http://h/a.png\"\t\"fake\"\n",
		"l.tsv", "http://h/a.png", "fake");
}

static void test_jsonl(void **state)
{
	struct gic_fetch_list *l = parse(
		"{\"url\": \"http://h/1.png\", \"class\": 999, \"dataset\": \"d\"}\n"
		"\n"
		"{\"url\": \"http://h/2.png\", \"class\": \"n01443537\", "
		"\"license\": null, \"width\": 512}\n", "x.jsonl");

	(void)state;
	assert_int_equal(l->n, 2);
	assert_int_equal(l->items[0].class_idx, 999);
	assert_string_equal(l->items[0].dataset, "d");
	assert_int_equal(l->items[1].class_idx, 1);
	assert_null(l->items[1].license);
	assert_int_equal(l->items[1].line, 3);
	assert_string_equal(gic_fetch_dataset(l, 0, "opt"), "d");
	assert_string_equal(gic_fetch_dataset(l, 1, "opt"), "opt");
	assert_string_equal(gic_fetch_dataset(l, 1, NULL), "x");
	gic_fetch_list_free(l);
	/* values lose the spaces around them, as CSV fields do: a URL's
	 * trailing space would be requested as %20, another URL */
	l = parse("{\"url\": \" http://h/3.png \", \"label\": \"fake \", "
		  "\"split\": \" val\"}\n", "y.jsonl");
	assert_int_equal(l->n, 1);
	assert_string_equal(l->items[0].url, "http://h/3.png");
	assert_string_equal(l->items[0].key, "http://h/3.png");
	assert_string_equal(l->items[0].label, "fake");
	assert_string_equal(l->items[0].split, "val");
	gic_fetch_list_free(l);
	/* keys in any case, as CSV headers are matched */
	one_row("{\"URL\": \"http://h/4.png\", \"Label\": \"real\"}\n",
		"z.jsonl", "http://h/4.png", "real");
	assert_string_equal(refused("{\"url\": \"http://h/5.png\", "
				    "\"Url\": \"http://h/6.png\"}\n", "z.jsonl"),
			    "line 1: two 'url' keys: 'url' and 'Url'");
}

static void test_plain(void **state)
{
	struct gic_fetch_list *l = parse("  https://h/a.png  \n# comment\n"
					 "http://h/b.png?x=1,2\n", "urls");

	(void)state;
	assert_int_equal(l->n, 2);
	assert_string_equal(l->items[0].url, "https://h/a.png");
	assert_string_equal(l->items[1].url, "http://h/b.png?x=1,2");
	assert_int_equal(l->items[1].line, 3);
	gic_fetch_list_free(l);
	l = parse("# images\nhttp://h/c.png\n", "urls.txt");
	assert_int_equal(l->n, 1);
	gic_fetch_list_free(l);
}

static void test_bad_rows_name_their_line(void **state)
{
	static const char *const cases[][3] = {
		{ "url,label\nhttp://h/a,real\nhttp://h/b,maybe\n", "l.csv",
		  "line 3: label must be 'real' or 'fake', not 'maybe'" },
		{ "url,split\nhttp://h/a,valid\n", "l.csv",
		  "line 2: split must be train, val or test, not 'valid'" },
		{ "url,class\nhttp://h/a,1000\n", "l.csv",
		  "line 2: class must be 0..999 or an ImageNet wnid, not '1000'" },
		{ "url,class\nhttp://h/a,Tench\n", "l.csv",
		  "line 2: class must be 0..999 or an ImageNet wnid, not "
		  "'Tench', the name of class 0 (n01440764)" },
		{ "url,sha256\nhttp://h/a,abc\n", "l.csv",
		  "line 2: sha256 must be 64 hex digits, not 'abc'" },
		{ "url,label\n,real\n", "l.csv", "line 2: url is empty" },
		{ "link,label\n", "l.csv", "line 1: no 'url' column in the header "
		  "(it has: link, label; name 'link' url, if it holds the URLs)" },
		{ "key,label\n", "l.csv", "line 1: no 'url' column in the header "
		  "(it has: key, label)" },
		{ "url\n\"http://h/a\n", "l.csv", "line 2: a quote is not closed where its field ends" },
		{ "url\n\"http://h/a\"x\n", "l.csv", "line 2: text after the quote that closes a field" },
		{ "{\"url\": \"http://h/a\"}\n[1]\n", "l.jsonl",
		  "line 2: not a JSON object" },
		{ "{\"url\": 5}\n", "l.jsonl", "line 1: 'url' must be a string" },
		{ "{\"url\": \"http://h/a\",\n", "l.jsonl", "line 1: not JSON: " },
		{ "{\"url\": \"http://h/a\\u0000\"}\n", "l.jsonl",
		  "line 1: not JSON: a string holds \\u0000, a NUL near "
		  "'\"http://h/a\\u0000\"'" },
		{ "url,generator\nhttp://h/a,0123456789012345678901234567890123\n",
		  "l.csv", "line 2: generator is 34 bytes long: at most 31" },
		{ "url\n\n", "l.csv", "no URLs in the list" },
		{ "url,label,generator\nhttp://h/a,fake,adm\nhttp://h/b,real,adm\n",
		  "l.csv", "line 3: a real image has no generator (generator 'adm')" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *msg = refused(cases[i][0], cases[i][1]);

		if (strncmp(msg, cases[i][2], strlen(cases[i][2])))
			fail_msg("case %zu: expected '%s', got '%s'", i,
				 cases[i][2], msg);
	}
	/* --label real for rows without a label: a generator is bad too,
	 * and one with its own label fake is not */
	assert_int_equal(gic_fetch_list_parse(
		"url,label,generator\nhttp://h/a,fake,adm\nhttp://h/b,,adm\n",
		56, "l.csv", classes, "real", &(struct gic_fetch_list *){ 0 }),
		GIC_EUSAGE);
	assert_string_equal(gic_errmsg(), "line 3: a real image has no generator "
			    "(generator 'adm', label real from --label)");
	assert_int_equal(gic_fetch_list_parse("url\0x", 5, "l.csv", classes, NULL,
					      &(struct gic_fetch_list *){ 0 }),
			 GIC_EUSAGE);
}

/* gic_fetch_mask_url(url), "-" for NULL (nothing to mask) */
static void masks(const char *url, const char *want)
{
	char *got = gic_fetch_mask_url(url);

	assert_string_equal(got ? got : "-", want);
	free(got);
}

static void test_credentials_masked(void **state)
{
	(void)state;
	masks("http://h/a.png", "-");
	masks("http://h/a.png?token=t0k#frag", "http://h/a.png?token=***#frag");
	masks("http://h/a?X-Amz-Date=1&x-amz-signature=s&X-Amz-Credential=c",
	      "http://h/a?X-Amz-Date=1&x-amz-signature=***&X-Amz-Credential=***");
	/* a name that only starts like one, an empty value, no value */
	masks("http://h/a?tokens=1&token=&sig&x=token=1", "-");
	masks("http://h/a?x=1&&SIG=2&", "http://h/a?x=1&&SIG=***&");
	masks("http://u:pw@h/a?api_key=k&b=2", "http://u:***@h/a?api_key=***&b=2");
	masks("http://u:pw@h/a", "http://u:***@h/a");
	/* a user name with no password is the credential: a token */
	masks("http://ghp_t0k@h/a", "http://***@h/a");
	masks("http://t0k@h:8080/a@2x.png?sig=s", "http://***@h:8080/a@2x.png?sig=***");
	masks("http://h/a@2x.png", "-");
	masks("http://h/a#?token=1", "-");
}

static void test_class_parse(void **state)
{
	(void)state;
	assert_int_equal(gic_class_parse(classes, "0"), 0);
	assert_int_equal(gic_class_parse(classes, "999"), 999);
	assert_int_equal(gic_class_parse(classes, "n15075141"), 999);
	assert_int_equal(gic_class_parse(classes, "-1"), -1);
	assert_int_equal(gic_class_parse(classes, "12x"), -1);
	assert_int_equal(gic_class_parse(NULL, "n15075141"), -1);
}

/* gic_class_name_note(s) is want, naming n classes */
static void names(const char *s, int n, const char *want)
{
	char out[160];

	assert_int_equal(gic_class_name_note(s, out, sizeof(out)), n);
	assert_string_equal(out, want);
}

static void test_class_names_noted(void **state)
{
	(void)state;
	names("goldfish", 1, ", the name of class 1 (n01443537)");
	names("Carassius Auratus", 1, ", the name of class 1 (n01443537)");
	names("goldfish, Carassius auratus", 1, ", the name of class 1 (n01443537)");
	names("great_white_shark", 1, ", the name of class 2 (n01484850)");
	names("crane", 2, ", a name of classes 134 (n02012849) and 517 (n03126707)");
	names("gold", 0, "");
	names("goldfishes", 0, "");
	names("", 0, "");
	/* a short buffer holds what fits */
	char out[12];
	assert_int_equal(gic_class_name_note("crane", out, sizeof(out)), 2);
	assert_string_equal(out, ", a name of");
}

/* The library refuses bad options itself (the CLI checks its own first),
 * naming the option, before any transfer. */
static void test_negative_option_named(void **state)
{
	char dir[] = "/tmp/gicat-test-fetch-XXXXXX";
	struct gic_fetch_list *l = parse("http://127.0.0.1:9/a.png\n", "urls");
	struct gic_fetch_opts o = { .jobs = 4, .retries = -1, .class_idx = -1 };
	struct gic_fetch_stats st;
	struct gic_catalog *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(gic_catalog_init(dir, &c), 0);
	assert_int_equal(gic_fetch(c, l, &o, &st), GIC_EUSAGE);
	assert_string_equal(gic_errmsg(), "fetch option retries is negative");
	gic_catalog_close(c);
	gic_fetch_list_free(l);
	assert_int_equal(test_rm_tree(dir), 0);
}

static void test_what_is_retried(void **state)
{
	(void)state;
	assert_true(gic_fetch_transient(CURLE_OK, 500));
	assert_true(gic_fetch_transient(CURLE_OK, 503));
	assert_true(gic_fetch_transient(CURLE_OK, 429));
	assert_true(gic_fetch_transient(CURLE_OK, 408));
	assert_false(gic_fetch_transient(CURLE_OK, 404));
	assert_false(gic_fetch_transient(CURLE_OK, 403));
	assert_false(gic_fetch_transient(CURLE_OK, 302));
	assert_true(gic_fetch_transient(CURLE_OPERATION_TIMEDOUT, 0));
	assert_true(gic_fetch_transient(CURLE_COULDNT_CONNECT, 0));
	assert_true(gic_fetch_transient(CURLE_PARTIAL_FILE, 200));
	assert_true(gic_fetch_transient(CURLE_RECV_ERROR, 200));
	assert_false(gic_fetch_transient(CURLE_TOO_MANY_REDIRECTS, 302));
	assert_false(gic_fetch_transient(CURLE_UNSUPPORTED_PROTOCOL, 302));
	assert_false(gic_fetch_transient(CURLE_PEER_FAILED_VERIFICATION, 0));
	assert_false(gic_fetch_transient(CURLE_WRITE_ERROR, 200));
	/* an error page cut short says its status still */
	assert_false(gic_fetch_transient(CURLE_PARTIAL_FILE, 404));
	assert_false(gic_fetch_transient(CURLE_RECV_ERROR, 403));
	assert_true(gic_fetch_transient(CURLE_PARTIAL_FILE, 429));
	assert_true(gic_fetch_transient(CURLE_PARTIAL_FILE, 503));
}

static void test_backoff(void **state)
{
	(void)state;
	/* exponential from 0.5 s with jitter in [d/2, d] */
	assert_true(gic_fetch_backoff(1, 0, 0.0) == 0.25);
	assert_true(gic_fetch_backoff(1, 0, 1.0) == 0.5);
	assert_true(gic_fetch_backoff(2, 0, 1.0) == 1.0);
	assert_true(gic_fetch_backoff(4, 0, 1.0) == 4.0);
	assert_true(gic_fetch_backoff(60, 0, 1.0) == 30.0);
	assert_true(gic_fetch_backoff(60, 0, 0.0) == 15.0);
	/* Retry-After wins, capped */
	assert_true(gic_fetch_backoff(1, 7, 0.5) == 7.0);
	assert_true(gic_fetch_backoff(1, 3600, 0.5) == 60.0);
}

/* libcurl is opened when first needed: a library or a function that is
 * not there is an error naming it, not a crash. */
static void test_libraries_opened_when_needed(void **state)
{
	static const char *const names[] = { "curl_version", "curl_nonesuch" };
	void *syms[2];

	(void)state;
	assert_int_equal(gic_curl_load(), 0);
	/* the macro reads through the table's pointer: filled */
	assert_non_null((void *)&curl_url);
	assert_non_null((void *)&curl_url_strerror);
	assert_int_equal(gic_curl_load(), 0);  /* once */
	assert_int_equal(gic_dl_open("libgicat-nonesuch.so.0", "fetch", names,
				     1, syms), GIC_EIO);
	assert_non_null(strstr(gic_errmsg(), "cannot load "
			       "libgicat-nonesuch.so.0, which fetch needs: "));
	assert_non_null(strstr(gic_errmsg(), " (is libgicat-nonesuch "
			       "installed?)"));
	assert_int_equal(gic_dl_open(GIC_CURL_SONAME, "fetch", names, 2,
				     syms), GIC_EIO);
	assert_non_null(strstr(gic_errmsg(), "has no curl_nonesuch, which "
			       "fetch needs (an older version?)"));
	assert_int_equal(gic_dl_open(GIC_CURL_SONAME, "fetch", names, 1,
				     syms), 0);
	assert_non_null(syms[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_columns_and_quotes),
		cmocka_unit_test(test_csv_multiline_fields),
		cmocka_unit_test(test_tsv_and_sniffing),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_empty_rows_skipped),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_bad_rows_name_their_line),
		cmocka_unit_test(test_credentials_masked),
		cmocka_unit_test(test_class_parse),
		cmocka_unit_test(test_class_names_noted),
		cmocka_unit_test(test_negative_option_named),
		cmocka_unit_test(test_what_is_retried),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_libraries_opened_when_needed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
