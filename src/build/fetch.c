/* SPDX-License-Identifier: MIT */
#include "build/fetch.h"
#include "registry/curl-dl.h"
#include "util/fs.h"

struct sink {
	int fd;
	int werr;
};

static size_t write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;

	if (write_all(s->fd, data, size * n) < 0) {
		s->werr = errno;
		return 0;
	}
	return size * n;
}

int build_fetch(const char *url, int fd, char **ret_name, time_t *ret_mtime, struct hull_err **err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct sink sink = {.fd = fd};
	_cleanup_free_ char *path = NULL;
	curl_off_t ft = -1;
	long code = 0;
	const char *p, *end;
	CURL *c;
	CURLcode rc;
	int r;

	/* the name first: docker refuses a URL without one before downloading */
	p = strstr(url, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	end = p ? p + strcspn(p, "?#") : NULL;
	path = p ? xstrndup(p, (size_t) (end - p)) : xstrdup("");
	while (*path && path[strlen(path) - 1] == '/')
		path[strlen(path) - 1] = '\0';
	if (!strrchr(path, '/') || !strrchr(path, '/')[1])
		return err_setx(err, EINVAL, "cannot determine filename from url: %s", url);
	r = curl_dl_load(err);
	if (r < 0)
		return r;
	c = sym_curl_easy_init();
	if (!c)
		return err_setx(err, ENOMEM, "initialise libcurl");
	sym_curl_easy_setopt(c, CURLOPT_URL, url);
	sym_curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	sym_curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	sym_curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
	sym_curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	sym_curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	sym_curl_easy_setopt(c, CURLOPT_USERAGENT, "hull/" HULL_VERSION);
	sym_curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	sym_curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	rc = sym_curl_easy_perform(c);
	sym_curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	sym_curl_easy_getinfo(c, CURLINFO_FILETIME_T, &ft);
	sym_curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		if (sink.werr)
			return err_set(err, sink.werr, "download '%s'", url);
		return err_setx(err, EIO, "download '%s': %s", url,
				*errbuf ? errbuf : sym_curl_easy_strerror(rc));
	}
	if (code >= 400)
		return err_setx(err, EIO, "download '%s': invalid response status %ld", url, code);
	*ret_name = xstrdup(strrchr(path, '/') + 1);
	*ret_mtime = ft > 0 ? (time_t) ft : 0;
	return 0;
}
