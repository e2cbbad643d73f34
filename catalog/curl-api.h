/*
 * curl-api.h - libcurl, opened when fetch first needs it (see dl.h).
 *
 * Include this instead of <curl/curl.h>: the calls read as they always
 * do, through pointers that gic_curl_load fills.  Every library entry
 * point that reaches libcurl calls gic_curl_load first.  (curl's GCC
 * type checks of setopt's arguments are macros over the functions, so
 * they are off here.)
 */
#ifndef GIC_CURL_API_H
#define GIC_CURL_API_H

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#define GIC_CURL_FUNCTIONS(X) \
	X(curl_global_init) X(curl_global_cleanup) X(curl_free) \
	X(curl_easy_init) X(curl_easy_cleanup) X(curl_easy_setopt) \
	X(curl_easy_getinfo) X(curl_easy_strerror) \
	X(curl_multi_init) X(curl_multi_cleanup) X(curl_multi_add_handle) \
	X(curl_multi_remove_handle) X(curl_multi_perform) \
	X(curl_multi_poll) X(curl_multi_info_read) X(curl_multi_setopt) \
	X(curl_multi_wakeup) X(curl_share_init) X(curl_share_cleanup) \
	X(curl_share_setopt) X(curl_slist_append) X(curl_slist_free_all) \
	X(curl_url) X(curl_url_cleanup) X(curl_url_get) X(curl_url_set) \
	X(curl_url_strerror)

struct gic_curl_api {
#define GIC_CURL_POINTER(f) __typeof__(f) *f;
	GIC_CURL_FUNCTIONS(GIC_CURL_POINTER)
#undef GIC_CURL_POINTER
};
extern struct gic_curl_api gic_curl;

/* 0 once libcurl is open and every function above found (the first
 * call opens it; later ones return what it returned), else GIC_EIO. */
int gic_curl_load(void);

#ifndef GIC_CURL_API_IMPL
#undef curl_easy_setopt  /* curl.h's plain macros when type checks are off */
#undef curl_easy_getinfo
#undef curl_share_setopt
#undef curl_multi_setopt
#define curl_global_init (*gic_curl.curl_global_init)
#define curl_global_cleanup (*gic_curl.curl_global_cleanup)
#define curl_free (*gic_curl.curl_free)
#define curl_easy_init (*gic_curl.curl_easy_init)
#define curl_easy_cleanup (*gic_curl.curl_easy_cleanup)
#define curl_easy_setopt (*gic_curl.curl_easy_setopt)
#define curl_easy_getinfo (*gic_curl.curl_easy_getinfo)
#define curl_easy_strerror (*gic_curl.curl_easy_strerror)
#define curl_multi_init (*gic_curl.curl_multi_init)
#define curl_multi_cleanup (*gic_curl.curl_multi_cleanup)
#define curl_multi_add_handle (*gic_curl.curl_multi_add_handle)
#define curl_multi_remove_handle (*gic_curl.curl_multi_remove_handle)
#define curl_multi_perform (*gic_curl.curl_multi_perform)
#define curl_multi_poll (*gic_curl.curl_multi_poll)
#define curl_multi_info_read (*gic_curl.curl_multi_info_read)
#define curl_multi_setopt (*gic_curl.curl_multi_setopt)
#define curl_multi_wakeup (*gic_curl.curl_multi_wakeup)
#define curl_share_init (*gic_curl.curl_share_init)
#define curl_share_cleanup (*gic_curl.curl_share_cleanup)
#define curl_share_setopt (*gic_curl.curl_share_setopt)
#define curl_slist_append (*gic_curl.curl_slist_append)
#define curl_slist_free_all (*gic_curl.curl_slist_free_all)
#define curl_url (*gic_curl.curl_url)
#define curl_url_cleanup (*gic_curl.curl_url_cleanup)
#define curl_url_get (*gic_curl.curl_url_get)
#define curl_url_set (*gic_curl.curl_url_set)
#define curl_url_strerror (*gic_curl.curl_url_strerror)
#endif

#endif
