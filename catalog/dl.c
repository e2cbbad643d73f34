/* dl.c - opening a library when a command first needs it (see dl.h). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define GIC_CURL_API_IMPL
#define GIC_ARCHIVE_API_IMPL
#include "archive-api.h"
#include "catalog.h"
#include "curl-api.h"
#include "dl.h"

#ifndef GIC_CURL_SONAME
#define GIC_CURL_SONAME "libcurl.so.4"
#endif
#ifndef GIC_ARCHIVE_SONAME
#define GIC_ARCHIVE_SONAME "libarchive.so.13"
#endif

struct gic_curl_api gic_curl;
struct gic_archive_api gic_archive;

#define GIC_NAME(f) #f,
static const char *const curl_names[] = { GIC_CURL_FUNCTIONS(GIC_NAME) };
static const char *const archive_names[] = {
	GIC_ARCHIVE_FUNCTIONS(GIC_NAME) };
#undef GIC_NAME

/* The tables are their functions' pointers in order, as dlsym gives
 * them (POSIX: a function pointer and a void * are alike). */
_Static_assert(sizeof(gic_curl) == sizeof(curl_names), "curl table");
_Static_assert(sizeof(gic_archive) == sizeof(archive_names),
	       "archive table");

#define MAX_SYMS 32

int gic_dl_open(const char *soname, const char *what,
		const char *const *names, size_t n, void **syms)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	const char *why;

	if (!h)  /* "libcurl.so.4": is libcurl installed? */
		return gic_seterr(GIC_EIO, "cannot load %s, which %s needs: %s "
				  "(is %.*s installed?)", soname, what,
				  (why = dlerror()) ? why : "?",
				  (int)strcspn(soname, "."), soname);
	for (size_t i = 0; i < n; i++)
		if (!(syms[i] = dlsym(h, names[i]))) {
			int rc;

			why = dlerror();  /* dlclose frees it: said first */
			rc = gic_seterr(GIC_EIO, "%s has no %s, which %s needs "
					"(an older version?): %s", soname,
					names[i], what, why ? why : "?");
			dlclose(h);
			return rc;
		}
	return 0;  /* kept open: the pointers live as long as the process */
}

/* One library: opened once, by whichever thread comes first; a failure
 * is said again to each later caller. */
struct lib {
	pthread_mutex_t mu;
	int done, rc;
	char err[512];
};

static int load(struct lib *l, const char *soname, const char *what,
		const char *const *names, size_t n, void *table)
{
	void *syms[MAX_SYMS];
	int rc;

	pthread_mutex_lock(&l->mu);
	if (!l->done) {
		l->rc = gic_dl_open(soname, what, names, n, syms);
		if (l->rc == 0)
			memcpy(table, syms, n * sizeof(*syms));
		else
			snprintf(l->err, sizeof(l->err), "%s", gic_errmsg());
		l->done = 1;
	}
	rc = l->rc;
	pthread_mutex_unlock(&l->mu);
	return rc ? gic_seterr(rc, "%s", l->err) : 0;
}

int gic_curl_load(void)
{
	static struct lib l = { PTHREAD_MUTEX_INITIALIZER, 0, 0, "" };

	_Static_assert(sizeof(curl_names) / sizeof(*curl_names) <= MAX_SYMS,
		       "curl symbols");
	return load(&l, GIC_CURL_SONAME, "fetch", curl_names,
		    sizeof(curl_names) / sizeof(*curl_names), &gic_curl);
}

int gic_archive_load(void)
{
	static struct lib l = { PTHREAD_MUTEX_INITIALIZER, 0, 0, "" };

	_Static_assert(sizeof(archive_names) / sizeof(*archive_names) <=
		       MAX_SYMS, "archive symbols");
	return load(&l, GIC_ARCHIVE_SONAME, "--format webdataset",
		    archive_names, sizeof(archive_names) /
		    sizeof(*archive_names), &gic_archive);
}
