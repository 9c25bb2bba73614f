// Typed wrappers around libcurl's variadic calls, which Swift cannot import
// (curl_easy_setopt, curl_easy_getinfo), plus the callbacks' signatures.
#ifndef VERDANT_CURL_SHIM_H
#define VERDANT_CURL_SHIM_H

#include <curl/curl.h>

typedef size_t (*vd_curl_data_callback)(char *data, size_t size, size_t count, void *context);

CURLcode vd_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode vd_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode vd_curl_set_pointer(CURL *handle, CURLoption option, void *value);
CURLcode vd_curl_set_size(CURL *handle, CURLoption option, curl_off_t value);
CURLcode vd_curl_set_callback(CURL *handle, CURLoption option, vd_curl_data_callback callback);
CURLcode vd_curl_get_long(CURL *handle, CURLINFO info, long *value);
CURLcode vd_curl_get_double(CURL *handle, CURLINFO info, double *value);

#endif
