/*
 * fetch-http.c - the libcurl side of one attempt: the easy handle's
 * options (protocols, redirects, TLS, timeouts, Range), the header and
 * body callbacks that keep the image in memory and enforce the size cap
 * while it arrives, and how a failure is classified and described.
 *
 * The body is kept only from 2xx responses; a 206 must continue exactly
 * where the kept bytes end, a 200 starts them over.  Nothing here touches
 * the catalog: a body is only checked and stored once it is complete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch-int.h"

#define BACKOFF_BASE 0.5
#define BACKOFF_CAP 30.0
#define RETRY_AFTER_CAP 60.0
#define RESERVE_MAX (4u << 20) /* held for an announced length, at most:
				    memory is charged as bytes arrive */

/* A new response starts: forget what the previous one said. */
static void status_line(struct gic_fetch_job *j, const char *line)
{
	const char *sp = strchr(line, ' ');

	j->resp_code = sp ? strtol(sp + 1, NULL, 10) : 0;
	j->resp_range = j->resp_length = j->resp_total = -1;
	j->resp_ranges = j->resp_coded = 0;
	j->resp_validator[0] = j->resp_encoding[0] = '\0';
	j->keep = j->resp_done = 0;
	if (sp && (sp = strchr(sp + 1, ' ')))
		snprintf(j->phrase, sizeof(j->phrase), "%s", sp + 1);
	else
		j->phrase[0] = '\0';
}

static void header_field(struct gic_fetch_job *j, const char *name,
			 const char *v)
{
	const char *slash;

	if (!strcasecmp(name, "content-range")) {
		j->resp_range = !strncasecmp(v, "bytes ", 6) ?
			strtoll(v + 6, NULL, 10) : -1;
		slash = strchr(v, '/');
		j->resp_total = slash && slash[1] >= '0' && slash[1] <= '9' ?
			strtoll(slash + 1, NULL, 10) : -1;
	}
	else if (!strcasecmp(name, "content-length") && !j->resp_coded)
		j->resp_length = strtoll(v, NULL, 10);
	else if (!strcasecmp(name, "transfer-encoding"))
		j->resp_coded = 1, j->resp_length = -1;
	else if (!strcasecmp(name, "accept-ranges"))
		j->resp_ranges = !strcasecmp(v, "bytes");
	else if (!strcasecmp(name, "etag") && strncmp(v, "W/", 2))
		snprintf(j->resp_validator, sizeof(j->resp_validator), "%s", v);
	else if (!strcasecmp(name, "last-modified") && !j->resp_validator[0])
		snprintf(j->resp_validator, sizeof(j->resp_validator), "%s", v);
	else if (!strcasecmp(name, "content-encoding") &&
		 strcasecmp(v, "identity"))
		snprintf(j->resp_encoding, sizeof(j->resp_encoding), "%s", v);
}

/* Does a response's validator say the file is the one begun?  An ETag
 * is quoted, a Last-Modified date is not: only like is compared, and a
 * response without one says nothing. */
static int same_file(const char *was, const char *now)
{
	return !*now || (*was == '"') != (*now == '"') || !strcmp(was, now);
}

/* Room for n more bytes, within the memory budget: a download that would
 * pass it while others hold memory stops, and is retried. */
static int grow(struct gic_fetch_job *j, size_t n)
{
	struct gic_fetcher *f = j->f;
	/* a first reservation is what it asks for: mostly the announced
	 * length, which is small (and held from malloc's free chunks) */
	size_t cap = j->cap ? j->cap : n > 16384 ? n : 16384;
	uint64_t held = atomic_load(&f->held);
	unsigned char *b;

	if (j->len + n <= j->cap)
		return 0;
	while (cap < j->len + n)
		cap *= 2;
	if (held > j->cap && held + (cap - j->cap) > f->max_memory) {
		j->over_memory = 1;
		return -1;
	}
	if (!(b = realloc(j->buf, cap)))
		return -1;
	atomic_fetch_add(&f->held, cap - j->cap);
	j->buf = b;
	j->cap = cap;
	return 0;
}

/*
 * The headers of a response are complete: is its body the image, and
 * where does it go?  Returns -1 to abort the transfer.
 */
static int headers_done(struct gic_fetcher *f, struct gic_fetch_job *j)
{
	long code = j->resp_code;

	j->resp_done_at = gic_now();
	/* the rest of the file asked for is not there (the file was replaced
	 * by a shorter one, and the server ignores If-Range): start over */
	if (code == 416 && j->len) {
		j->bad_range = 1;
		return -1;
	}
	/* a redirect's or an error's page said to be over the cap is not
	 * read to find out (at a low-speed floor's pace, up to --max-time) */
	if (code / 100 != 2 && code / 100 != 1 && j->resp_length >= 0 &&
	    (uint64_t)j->resp_length > f->max_bytes) {
		j->too_big = 1;
		return -1;
	}
	if (code / 100 != 2)
		return 0; /* interim, redirect or error: body ignored */
	/* the whole file sent as a range of itself (bytes 0-(N-1)/N) to a
	 * request for all of it, as curl takes it: the file */
	if (code == 206 && !j->len && j->resp_range == 0 &&
	    j->resp_total >= 0 && j->resp_length == j->resp_total &&
	    !j->resp_encoding[0])
		code = 200;
	/* the rest of the same file: where the kept bytes end, of the size
	 * the first response gave and with its validator (a server ignoring
	 * If-Range says another length for a file replaced by a longer or
	 * shorter one, and its ETag for one of the same length) */
	if (code == 206 && (j->resp_range != (int64_t)j->len ||
			    j->resp_total != j->total || j->total < 0 ||
			    j->resp_encoding[0] ||
			    !same_file(j->validator, j->resp_validator))) {
		j->bad_range = 1;
		return -1;
	}
	if (code != 206) {
		j->len = 0;
		j->total = j->resp_length;
	} else { /* a resume the server took, not one only asked for */
		atomic_fetch_add(&f->resumed, 1);
	}
	j->keep = 1;
	memcpy(j->validator, j->resp_validator, sizeof(j->validator));
	/* libcurl undoes a Content-Encoding: what is kept are the decoded
	 * bytes, capped as they come; the length and any range would count
	 * the encoded ones, so such a body is never resumed.  Nor is one
	 * without a validator: only If-Range can tell that the file is still
	 * the same (one replaced by another of the same length would say so
	 * by nothing else) */
	j->ranges = (j->resp_ranges || code == 206) && !j->resp_encoding[0] &&
		    j->validator[0];
	if (j->resp_encoding[0])
		j->total = -1;
	else if (j->resp_length >= 0 &&
		 j->len + (uint64_t)j->resp_length > f->max_bytes) {
		j->too_big = 1;
		return -1;
	}
	/* room for what is announced, up to RESERVE_MAX: a server that
	 * announces 150 MB and sends 3 KB/s would otherwise hold a share of
	 * --max-memory that the other downloads wait for, for a day */
	if (j->resp_length > 0 && !j->resp_encoding[0] &&
	    grow(j, (size_t)j->resp_length < RESERVE_MAX ?
		    (size_t)j->resp_length : RESERVE_MAX) < 0) {
		if (!j->over_memory)
			snprintf(j->err, sizeof(j->err), "cannot hold the "
				 "announced %lld bytes in memory",
				 (long long)j->resp_length);
		return -1;
	}
	return 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct gic_fetch_job *j = arg;
	size_t len = size * n, k = len < 1023 ? len : 1023;
	char line[1024], *colon, *v;

	memcpy(line, p, k);
	while (k && (line[k - 1] == '\r' || line[k - 1] == '\n'))
		k--;
	line[k] = '\0';
	if (!strncmp(line, "HTTP/", 5)) {
		status_line(j, line);
	} else if (j->resp_done) {
		return len; /* trailers of a chunked body */
	} else if (!k) {
		j->resp_done = 1;
		if (headers_done(j->f, j) < 0)
			return 0;
	} else if ((colon = strchr(line, ':'))) {
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		header_field(j, line, v);
	}
	return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct gic_fetch_job *j = arg;
	size_t len = size * n;

	atomic_fetch_add(&j->f->bytes, len);
	if (!j->keep) {  /* an error page: read, within the same cap */
		j->ignored += len;
		if (j->ignored > j->f->max_bytes) {
			j->too_big = 1;
			return 0;
		}
		return len;
	}
	if (j->len + len > j->f->max_bytes) {
		j->too_big = 1;
		return 0;
	}
	if (grow(j, len) < 0)
		return 0;
	memcpy(j->buf + j->len, p, len);
	j->len += len;
	return len;
}

/* --max-time, from the attempt's start: libcurl's own total timeout
 * (CURLOPT_TIMEOUT) counts from when the transfer is added, so the time
 * it waits in libcurl's queue for a connection to its host (--per-host)
 * is in it, and the last of a queue timed out before it was sent.
 * libcurl reports nothing on a transfer in that queue.
 * Also, libcurl reads a redirect's body past on_body: capped here, in
 * bytes like any other, and in time, as it carries nothing (a server
 * sending one without end held a transfer for as long as it sent). */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct gic_fetch_job *j = arg;
	struct gic_fetcher *f = j->f;
	double now = gic_now();

	(void)ultotal, (void)ulnow;
	if (!j->started)
		j->started = now;
	if (f->max_time && now - j->started > (double)f->max_time) {
		j->over_time = 1;
		return 1;
	}
	if (!j->resp_done || j->resp_code / 100 != 3)
		return 0;
	if ((uint64_t)dltotal > f->max_bytes || (uint64_t)dlnow > f->max_bytes) {
		j->too_big = 1;
		return 1;
	}
	if (now - j->resp_done_at > (double)f->timeout) {
		j->endless_redirect = 1;
		return 1;
	}
	return 0;
}

/* Asks for the rest of a partial body, if the same content still is
 * what the server has (If-Range: only bodies with a validator resume). */
static int ask_rest(struct gic_fetch_job *j, CURL *e)
{
	char range[32], cond[300];

	snprintf(range, sizeof(range), "%zu-", j->len);
	curl_easy_setopt(e, CURLOPT_RANGE, range);
	snprintf(cond, sizeof(cond), "If-Range: %s", j->validator);
	if (!(j->headers = curl_slist_append(NULL, cond)))
		return -1;
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
	return 0;
}

/* The options every attempt has: safety first. */
static void set_common(struct gic_fetcher *f, struct gic_fetch_job *j,
		       CURL *e)
{
	int tls = !strncasecmp(f->list->items[j->item].url, "https:", 6);

	curl_easy_setopt(e, CURLOPT_URL, f->list->items[j->item].url);
	if (j->stale)
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->err);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, j);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, GIC_FETCH_USER_AGENT);
	/* asks for the file as it is, yet decodes (gzip, deflate, br, zstd,
	 * as libcurl was built) what a server compresses unasked */
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "identity");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	/* what began over TLS stays there: no redirect to plain http */
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, tls ? "https"
							     : "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)GIC_FETCH_MAX_REDIRS);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (f->o->cacert) {  /* instead of the system's: its CA directory,
				which libcurl reads beside CAINFO, goes too */
		curl_easy_setopt(e, CURLOPT_CAINFO, f->o->cacert);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, f->timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)GIC_FETCH_LOW_SPEED);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, f->timeout);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* over https, wait to learn whether a connection multiplexes (h2)
	 * rather than open another; plain http never does */
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, (long)tls);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* through an https proxy, the proxy's "200 Connection established"
	 * is not the server's response: seen by on_header, it started a
	 * resumed body over, and the server's 206 then failed the URL */
	curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	curl_easy_setopt(e, CURLOPT_SHARE, f->share);
}

int gic_fetch_easy(struct gic_fetcher *f, struct gic_fetch_job *j, CURL **out)
{
	CURL *e = curl_easy_init();

	*out = NULL;
	if (!e)
		return gic_seterr(GIC_ENOMEM, "cannot start a transfer");
	set_common(f, j, e);
	j->err[0] = '\0';
	j->started = 0;
	j->too_big = j->bad_range = j->keep = j->resp_done = 0;
	j->endless_redirect = j->over_time = 0;
	j->over_memory = 0;
	j->ignored = 0;
	j->resp_code = j->http = 0;
	curl_slist_free_all(j->headers);
	j->headers = NULL;
	if (!j->ranges || !j->len || j->total < 0)  /* resume what is known */
		j->len = 0;
	else if (ask_rest(j, e) < 0) {
		curl_easy_cleanup(e);
		return gic_seterr(GIC_ENOMEM, "out of memory");
	}
	*out = e;
	return 0;
}

int gic_fetch_transient(CURLcode res, long http)
{
	/* a 404 whose page breaks off is still a 404: not retried */
	if (http >= 400 && http <= 499 && http != 408 && http != 429)
		return 0;
	switch (res) {
	case CURLE_OK:
		return (http >= 500 && http <= 599) || http == 429 || http == 408;
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_AGAIN:
		return 1;
	default:
		return 0;
	}
}

double gic_fetch_backoff(int attempts, long retry_after, double rnd)
{
	double d = BACKOFF_BASE;

	if (retry_after > 0)
		return retry_after < RETRY_AFTER_CAP ? (double)retry_after
						     : RETRY_AFTER_CAP;
	for (int i = 1; i < attempts && d < BACKOFF_CAP; i++)
		d *= 2;
	if (d > BACKOFF_CAP)
		d = BACKOFF_CAP;
	return d / 2 + d / 2 * rnd;
}

void gic_fetch_reason(struct gic_fetch_job *j, CURLcode res, char *buf,
		      size_t n)
{
	const char *what = j->err[0] ? j->err : curl_easy_strerror(res);
	const char *url = j->f->list->items[j->item].key, *to = j->final_url;
	char cut[GIC_SHOWN_BUF];  /* where a redirect went, as quoted: cut,
				     so that what became of it follows */
	int k;

	gic_esc_cut(to ? to : url, GIC_SHOWN_MAX, cut, sizeof(cut));

	if (j->too_big && !j->keep)
		k = snprintf(buf, n, "HTTP %ld with a body over the %llu-byte "
			     "limit", j->resp_code ? j->resp_code : j->http,
			     (unsigned long long)j->f->max_bytes);
	else if (j->too_big && j->resp_length > 0 && !j->resp_encoding[0] &&
		 (uint64_t)j->resp_length > j->f->max_bytes)
		k = snprintf(buf, n, "file too large: %lld bytes, over the "
			     "%llu-byte limit", (long long)j->resp_length,
			     (unsigned long long)j->f->max_bytes);
	else if (j->too_big)
		k = snprintf(buf, n, "file too large: over the %llu-byte limit",
			     (unsigned long long)j->f->max_bytes);
	else if (j->endless_redirect)
		k = snprintf(buf, n, "HTTP %ld whose body did not end within "
			     "%ld s (--timeout)", j->resp_code, j->f->timeout);
	else if (j->over_time)
		k = snprintf(buf, n, "transfer not over after %ld s "
			     "(--max-time): %zu bytes received", j->f->max_time,
			     j->keep ? j->len : (size_t)j->ignored);
	else if (j->bad_range && res == CURLE_OK)
		k = snprintf(buf, n, "resumed download: %zu bytes in all, where "
			     "the file has %lld", j->len, (long long)j->total);
	else if (res == CURLE_OK)
		k = snprintf(buf, n, "HTTP %ld%s%s", j->http,
			     j->phrase[0] ? " " : "", j->phrase);
	else if (j->http >= 400 && j->resp_done && !j->keep && !j->bad_range)
		k = snprintf(buf, n, "HTTP %ld%s%s (its page broke off: %s)",
			     j->http, j->phrase[0] ? " " : "", j->phrase, what);
	else if (j->bad_range && !j->len)  /* no Range was asked */
		k = snprintf(buf, n, "HTTP 206 (a part of the file) to a "
			     "request for all of it");
	else if (j->bad_range && j->resp_code == 416)
		k = snprintf(buf, n, "resumed download: HTTP 416, the server "
			     "has no such range (the file changed?)");
	else if (j->bad_range && !same_file(j->validator, j->resp_validator))
		k = snprintf(buf, n, "resumed download: the file changed (%s "
			     "%s now, %s before)", *j->validator == '"' ?
			     "ETag" : "Last-Modified", j->resp_validator,
			     j->validator);
	else if (j->bad_range)
		k = snprintf(buf, n, "resumed download: the server sent "
			     "another range than asked");
	else if (j->over_memory)
		k = snprintf(buf, n, "downloads in memory would pass the "
			     "%llu-byte budget (--max-memory)",
			     (unsigned long long)j->f->max_memory);
	else if (res == CURLE_OUT_OF_MEMORY)  /* what libcurl says of both */
		k = snprintf(buf, n, "libcurl gave up ('%s'): response "
			     "headers over its limit (100 KiB), or a redirect "
			     "to a URL too long", what);
	else if (res == CURLE_BAD_CONTENT_ENCODING && j->resp_encoding[0])
		k = snprintf(buf, n, "body sent with Content-Encoding: %s: %s",
			     j->resp_encoding, what);
	else if (res == CURLE_UNSUPPORTED_PROTOCOL && to &&
		 !strncasecmp(url, "https:", 6) && !strncasecmp(to, "http:", 5))
		k = snprintf(buf, n, "redirect to '%s' refused: from https to "
			     "plain http", cut);
	else if (res == CURLE_TOO_MANY_REDIRECTS)
		k = snprintf(buf, n, "more than %d redirects (a loop?), the "
			     "last to '%s'", GIC_FETCH_MAX_REDIRS, cut);
	else if (res == CURLE_UNSUPPORTED_PROTOCOL && to && strcmp(to, url) &&
		 /* to http(s), the response was refused, not the redirect:
		  * an HTTP/0.9 one (no status line) */
		 strncasecmp(to, "http:", 5) && strncasecmp(to, "https:", 6))
		k = snprintf(buf, n, "redirect to '%s' refused: %s", cut, what);
	else if (j->redirects > 0 && to)  /* a TLS error of an http URL */
		k = snprintf(buf, n, "%s (after a redirect to '%s')", what, cut);
	else
		k = snprintf(buf, n, "%s", what);
	if (j->attempts > 1 && k >= 0 && (size_t)k < n)
		snprintf(buf + k, n - (size_t)k, " (%d attempts)", j->attempts);
}
