/*
 * driver.c - runs a fuzz target over files, without libFuzzer: each
 * argument is a file or a directory of files (not recursive).  Prints how
 * many inputs ran; a crash or a sanitizer report is the failure.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) || !(buf = malloc((size_t)n + 1)) ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int run_dir(const char *dir, int *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096];

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(p) < 0) {
				closedir(d);
				return -1;
			}
			++*count;
		}
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	int count = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		int rc;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "%s: cannot read '%s'\n", argv[0], argv[i]);
			return 2;
		}
		rc = S_ISDIR(st.st_mode) ? run_dir(argv[i], &count)
					 : run_file(argv[i]);
		count += !S_ISDIR(st.st_mode);
		if (rc < 0) {
			fprintf(stderr, "%s: cannot read '%s'\n", argv[0], argv[i]);
			return 2;
		}
	}
	printf("%d inputs\n", count);
	return 0;
}
