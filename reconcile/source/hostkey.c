/* known_hosts checking for ssh sources (see git.h). Hosts are compared the
 * way golang.org/x/crypto/ssh/knownhosts (what Flux uses) does: the address
 * is "host" on port 22 and "[host]:port" otherwise, and so are patterns. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "crypto/base/enc.h"
#include "reconcile/source/git.h"

#define MAX_KEY_BLOB 16384u

/* '*' and '?' wildcards, as OpenSSH's match_pattern. */
static bool wild(const uint8_t *p, size_t pn, const uint8_t *s, size_t sn)
{
    if (pn == 0) return sn == 0;
    if (p[0] == '*') {
        for (size_t i = 0; i <= sn; i++)
            if (wild(p + 1, pn - 1, s + i, sn - i)) return true;
        return false;
    }
    if (sn == 0) return false;
    if (p[0] != '?' && p[0] != s[0]) return false;
    return wild(p + 1, pn - 1, s + 1, sn - 1);
}

/* "|1|base64(salt)|base64(hmac-sha1(salt, address))" */
static bool hashed_match(cv_slice pat, cv_slice addr)
{
    const uint8_t *s = pat.p + 3, *end = pat.p + pat.len;
    const uint8_t *bar = memchr(s, '|', (size_t)(end - s));
    if (bar == NULL) return false;
    uint8_t salt[64], want[64], got[EVP_MAX_MD_SIZE];
    size_t sl, wl;
    unsigned gl = 0;
    if ((size_t)(bar - s) > 80 || (size_t)(end - bar - 1) > 80) return false;
    if (!cv_is_ok(cv_b64_decode(salt, &sl, cv_slice_of(s, (size_t)(bar - s)), true))) return false;
    if (!cv_is_ok(cv_b64_decode(want, &wl, cv_slice_of(bar + 1, (size_t)(end - bar - 1)), true)))
        return false;
    if (HMAC(EVP_sha1(), salt, (int)sl, addr.p, addr.len, got, &gl) == NULL) return false;
    return wl == gl && memcmp(want, got, wl) == 0;
}

static cv_slice normalise(cv_slice host, char *buf, size_t cap)
{
    /* A pattern "[h]:22" means "h", as knownhosts.Normalize does. */
    if (host.len > 4 && host.p[0] == '[' && cv_slice_eq_str(cv_slice_of(host.p + host.len - 4, 4), "]:22"))
        return cv_slice_of(host.p + 1, host.len - 5);
    (void)buf, (void)cap;
    return host;
}

/* The host field of one line: 1 match, -1 negated match, 0 no match. */
static int hosts_match(cv_slice field, cv_slice addr)
{
    int res = 0;
    size_t start = 0;
    for (size_t i = 0; i <= field.len; i++) {
        if (i < field.len && field.p[i] != ',') continue;
        cv_slice pat = cv_slice_of(field.p + start, i - start);
        start = i + 1;
        bool neg = pat.len > 0 && pat.p[0] == '!';
        if (neg) pat = cv_slice_of(pat.p + 1, pat.len - 1);
        bool m = cv_slice_starts_with(pat, "|1|") ? hashed_match(pat, addr)
                                                   : (pat = normalise(pat, NULL, 0),
                                                      wild(pat.p, pat.len, addr.p, addr.len));
        if (m && neg) return -1;
        if (m) res = 1;
    }
    return res;
}

static cv_slice field(cv_slice *line)
{
    size_t i = 0;
    while (i < line->len && (line->p[i] == ' ' || line->p[i] == '\t')) i++;
    size_t j = i;
    while (j < line->len && line->p[j] != ' ' && line->p[j] != '\t') j++;
    cv_slice f = cv_slice_of(line->p + i, j - i);
    *line = cv_slice_of(line->p + j, line->len - j);
    return f;
}

/* 1: this line lists the key for addr; -1: it lists another key for addr. */
static int line_verdict(cv_slice line, cv_slice addr, cv_slice key)
{
    cv_slice hosts = field(&line);
    if (hosts.len == 0 || hosts.p[0] == '#' || hosts.p[0] == '@') return 0;
    if (hosts_match(hosts, addr) != 1) return 0;
    (void)field(&line); /* key type: the blob names it too */
    cv_slice b64 = field(&line);
    if (b64.len == 0 || b64.len > MAX_KEY_BLOB) return 0;
    uint8_t *blob = malloc(cv_b64_dec_max(b64.len));
    if (blob == NULL) return 0;
    size_t n = 0;
    int v = 0;
    if (cv_is_ok(cv_b64_decode(blob, &n, b64, true)))
        v = n == key.len && memcmp(blob, key.p, n) == 0 ? 1 : -1;
    free(blob);
    return v;
}

cv_result cv_git_hostkey_check(cv_slice kh, const cv_git_url *u, cv_slice key)
{
    char addr[300];
    int an = u->port == 22 || u->port == 0 ? snprintf(addr, sizeof(addr), "%s", u->host)
                                           : snprintf(addr, sizeof(addr), "[%s]:%u", u->host, u->port);
    CV_ENSURE(an > 0 && (size_t)an < sizeof(addr), CV_E_GIT_URL);
    cv_slice a = cv_slice_of(addr, (size_t)an);
    bool other = false;
    cv_reader r = cv_reader_of(kh);
    while (!cv_reader_eof(&r)) {
        cv_slice line;
        if (!cv_is_ok(cv_reader_line_opt(&r, &line, 65536))) break;
        int v = line_verdict(cv_slice_trim(line), a, key);
        if (v == 1) return cv_ok();
        other = other || v == -1;
    }
    if (other) CV_BAILF(CV_E_GIT_HOSTKEY, "the host key of %s does not match known_hosts", addr);
    CV_BAILF(CV_E_GIT_HOSTKEY, "%s is not in known_hosts", addr);
}
