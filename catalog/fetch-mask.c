/*
 * fetch-mask.c - credentials in URLs shown and stored as ***: a user
 * part's password (or, without one, the user name itself: a token used
 * as one, as GitHub takes it), and the query parameters of signed URLs
 * and API tokens.  The URL requested keeps them; the catalog, messages
 * and --status never do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch-int.h"

/* Which part of u's user part is the credential: its password, else
 * the user name; 0 when it has neither. */
static CURLUPart secret_part(CURLU *u)
{
	char *s = NULL;
	CURLUPart part = CURLUPART_PASSWORD;

	if (curl_url_get(u, part, &s, 0) || !s) {
		curl_free(s);
		s = NULL;
		part = curl_url_get(u, CURLUPART_USER, &s, 0) || !s || !*s
			       ? (CURLUPart)0 : CURLUPART_USER;
	}
	curl_free(s);
	return part;
}

/* u's URL with the credential of its user part as ***, or NULL when it
 * has none. */
char *gic_fetch_masked(CURLU *u)
{
	CURLUPart part = secret_part(u);
	char *m = NULL, *out = NULL;

	if (part && !curl_url_set(u, part, "***", 0) &&
	    !curl_url_get(u, CURLUPART_URL, &m, 0))
		out = strdup(m);
	curl_free(m);
	return out;
}

char *gic_fetch_mask_listed(CURLU *u, const char *url)
{
	CURLUPart part = secret_part(u);
	char *m = part ? gic_fetch_mask_text(url, 1) : NULL, *secret = NULL;

	/* the text's reading of the user part is libcurl's for a URL that
	 * parsed; should they differ, the credential must still not show */
	if (m && (curl_url_get(u, part, &secret, 0) || !secret ||
		  strstr(m, secret))) {
		free(m);
		m = NULL;
	}
	curl_free(secret);
	return m ? m : gic_fetch_masked(u);
}

/* Query parameters that carry credentials: signed URLs (S3, GCS,
 * CloudFront, Azure SAS) and API tokens. */
static const char *const secret_params[] = { "x-amz-signature",
	"x-amz-security-token", "x-amz-credential", "x-goog-signature",
	"x-goog-credential", "signature", "sig", "token", "access_token",
	"api_key", "apikey", NULL };

static int secret_param(const char *name, size_t n)
{
	for (int i = 0; secret_params[i]; i++)
		if (strlen(secret_params[i]) == n &&
		    !strncasecmp(name, secret_params[i], n))
			return 1;
	return 0;
}

/* url with the values of its query's credential parameters as ***,
 * malloc'd into *out; *out NULL when it has none.  < 0: out of memory. */
static int mask_query(const char *url, char **out)
{
	const char *end = url + strcspn(url, "#"), *eq, *amp;
	const char *q = memchr(url, '?', (size_t)(end - url));
	size_t len;
	char *m;

	*out = NULL;
	if (!q)
		return 0;
	/* each "***" replaces at least one byte of a value */
	if (!(m = malloc(2 * strlen(url) + 4)))
		return gic_seterr(GIC_ENOMEM, "out of memory");
	memcpy(m, url, len = (size_t)(q + 1 - url));
	for (const char *p = q + 1; p < end; p = amp + (amp < end)) {
		amp = p + strcspn(p, "&#");
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq && eq + 1 < amp && secret_param(p, (size_t)(eq - p))) {
			memcpy(m + len, p, (size_t)(eq + 1 - p));
			len += (size_t)(eq + 1 - p);
			memcpy(m + len, "***", 3);
			len += 3;
			*out = m;
		} else {
			memcpy(m + len, p, (size_t)(amp - p));
			len += (size_t)(amp - p);
		}
		if (amp < end)
			m[len++] = '&';
	}
	memcpy(m + len, end, strlen(end) + 1);
	if (!*out)
		free(m);
	return 0;
}

/* pw (url with its user part masked, or NULL: none; owned) with
 * its query's credentials masked too; NULL when url has neither to mask
 * or when out of memory (*rc < 0 then). */
char *gic_fetch_mask_secrets(const char *url, char *pw, int *rc)
{
	char *q;

	if ((*rc = mask_query(pw ? pw : url, &q)) < 0) {
		free(pw);
		return NULL;
	}
	if (!q)
		return pw;
	free(pw);
	return q;
}

char *gic_fetch_mask_url(const char *url)
{
	CURLU *u = NULL;
	char *pw = NULL;
	int rc;

	/* without '@', no user part, so nothing in it (libcurl is open: the
	 * URL came from a list parsed, or a fetch) */
	if (strchr(url, '@') && gic_curl_load() == 0) {
		if ((u = curl_url()) && !curl_url_set(u, CURLUPART_URL, url, 0))
			pw = gic_fetch_mask_listed(u, url);
		curl_url_cleanup(u);
	}
	return gic_fetch_mask_secrets(url, pw, &rc);
}

int gic_fetch_has_userinfo(CURLU *u)
{
	return secret_part(u) != 0;
}

/* url with the credential of its user part as ***, malloc'd; NULL when
 * it has none (or out of memory).  The user part ends at the last '@'
 * before the path: without a ':' there, the user name is the credential.
 * A password ends there when authority_only (a URL that parsed: its user
 * part holds no '/', '?' or '#'), else at the last '@' anywhere (a URL
 * that did not parse may have a password with them, still to be masked;
 * a path holding '@' after a port is masked too: better more than less).
 * A path's '@' never makes a user name ("h/img@2x.png"). */
char *gic_fetch_mask_text(const char *url, int authority_only)
{
	const char *auth = strstr(url, "://"), *at, *colon, *last, *c;
	char *out = NULL;

	auth = auth ? auth + 3 : url;
	at = memrchr(auth, '@', strcspn(auth, "/?#"));
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (!authority_only && (!at || colon) && (last = strrchr(auth, '@')) &&
	    (c = memchr(auth, ':', (size_t)(last - auth))))
		at = last, colon = c;
	if (at && at > auth &&
	    asprintf(&out, "%.*s***%s", (int)((colon ? colon + 1 : auth) - url),
		     url, at) < 0)
		out = NULL;
	return out;
}
