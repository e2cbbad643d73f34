/*
 * dl.h - libraries loaded when a command first needs them.
 *
 * libcurl (fetch) and libarchive (webdataset shards) bring 40 shared
 * libraries with them (Kerberos, LDAP, GnuTLS, ICU, libstdc++, ...), and
 * the loader resolving them took 23 ms of every gicat command's start,
 * two thirds of a `gicat query`.  So gicat is not linked with them: the
 * commands that use them open them here, once (git keeps libcurl out of
 * its main binary the same way, in git-remote-http).  The headers are
 * still those pkg-config names, the soname the one the build found.
 */
#ifndef GIC_DL_H
#define GIC_DL_H

#include <stddef.h>

/* Opens soname and resolves each of the n names into syms (for the
 * command what: "fetch"): 0, or GIC_EIO saying which library or symbol
 * is missing ("cannot load libcurl.so.4, which fetch needs: ..."). */
int gic_dl_open(const char *soname, const char *what,
		const char *const *names, size_t n, void **syms);

#endif
