/* Internal to the YAML codec: yaml.v3's resolution of plain scalars. */
#ifndef CV_DOC_YAML_RES_H
#define CV_DOC_YAML_RES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { CV_YR_STR, CV_YR_NULL, CV_YR_BOOL, CV_YR_INT, CV_YR_UINT, CV_YR_FLOAT, CV_YR_TIME, CV_YR_MERGE };

typedef struct {
    int kind;
    bool b;
    int64_t i;
    double f;
    char time[64]; /* MarshalText form */
    size_t time_len;
} cv_yres;

/* What yaml.v3's resolve("", s) gives; ts_ok allows timestamps (plain or
 * !!timestamp scalars only). */
void cv_yaml_resolve(const char *s, size_t n, bool ts_ok, cv_yres *r);
/* yaml.v3's parseTimestamp; on success out holds Go's MarshalText form. */
bool cv_yaml_parse_time(const char *s, size_t n, char *out, size_t *out_len);

#endif
