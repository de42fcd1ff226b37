/* secrets/http helpers that need no server: Retry-After (RFC 9110 10.2.3:
 * delay-seconds or an HTTP-date), percent-encoding (RFC 3986 unreserved
 * set), response header lookup. Requests themselves are exercised against
 * the real API server by tests/e2e. */
#include <criterion/criterion.h>
#include <string.h>

#include "secrets/http/http.h"

Test(http, retry_after)
{
    unsigned long ms = 0;
    cr_assert(cv_http_retry_after_ms(cv_slice_str("120"), 0, &ms) && ms == 120000);
    cr_assert(cv_http_retry_after_ms(cv_slice_str("0"), 0, &ms) && ms == 0);
    /* RFC 9110's example date; 946684799 = date -d '1999-12-31 23:59:59Z' +%s */
    cr_assert(cv_http_retry_after_ms(cv_slice_str("Fri, 31 Dec 1999 23:59:59 GMT"), 946684700, &ms));
    cr_assert_eq(ms, 99000);
    cr_assert(cv_http_retry_after_ms(cv_slice_str("Fri, 31 Dec 1999 23:59:59 GMT"), 946684800, &ms));
    cr_assert_eq(ms, 0, "a date in the past means now");
    cr_assert(!cv_http_retry_after_ms(cv_slice_str("soon"), 0, &ms));
    cr_assert(!cv_http_retry_after_ms(cv_slice_str("-5"), 0, &ms));
    cr_assert(!cv_http_retry_after_ms(cv_slice_str(""), 0, &ms));
}

Test(http, escape)
{
    cv_buf b;
    cv_buf_init(&b, 256);
    cr_assert(cv_is_ok(cv_http_escape(&b, cv_slice_str("a b/\xc3\xa9~_.-=&?"))));
    cr_assert(cv_is_ok(cv_buf_nul(&b)));
    cr_assert_str_eq((const char *)b.p, "a%20b%2F%C3%A9~_.-%3D%26%3F");
    cv_buf_release(&b);
}

Test(http, response_headers)
{
    cv_http_resp r;
    cv_http_resp_init(&r);
    const char *h = "HTTP/2 429\r\ncontent-type: application/json\r\nretry-after:  7 \r\n\r\n";
    cr_assert(cv_is_ok(cv_buf_add_str(&r.headers, h)));
    cv_slice v;
    cr_assert(cv_http_resp_header(&r, "Retry-After", &v));
    cr_assert_eq(v.len, 1);
    cr_assert_eq(v.p[0], '7');
    cr_assert(cv_http_resp_header(&r, "CONTENT-TYPE", &v) && cv_slice_eq_str(v, "application/json"));
    cr_assert(!cv_http_resp_header(&r, "content", &v));
    cv_http_resp_release(&r);
}
