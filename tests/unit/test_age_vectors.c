/* Every C2SP CCTV age vector through the library's full decrypt path
 * (armor detection, header, identities in the vector's order, MAC, STREAM):
 * the outcome class must match `expect`, and the released plaintext must
 * hash to `payload`. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "crypto/age/age.h"
#include "crypto/prim/hash.h"
#include "tests/lib/vectors.h"

typedef struct {
    char name[96];
} vec_name;

ParameterizedTestParameters(cctv, decrypt)
{
    char dir[512];
    size_t n = 0;
    snprintf(dir, sizeof(dir), "%s/testvectors/age", tv_shared_dir());
    char **names = tv_list_dir(dir, &n);
    vec_name *params = cr_malloc(sizeof(vec_name) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) snprintf(params[i].name, sizeof(params[i].name), "%s", names[i]);
    tv_free_list(names, n);
    return cr_make_param_array(vec_name, params, n);
}

static const char *class_name(cv_age_class c)
{
    static const char *const names[] = { "success",         "header failure", "no match",
                                         "HMAC failure",    "payload failure", "armor failure",
                                         "other failure" };
    return names[c];
}

static void load_ids(const cctv_vector *v, cv_age_identities *ids)
{
    size_t ii = 0, pi = 0;
    for (size_t k = 0; k < v->norder; k++) {
        cv_age_identity *id = NULL;
        if (v->order[k] == 'i') {
            cr_assert(cv_is_ok(cv_age_identity_parse(cv_slice_str(v->identities[ii++]), NULL, &id)),
                      "identity did not parse");
        } else {
            cv_secret *p = NULL;
            const char *s = v->passphrases[pi++];
            cr_assert(cv_is_ok(cv_secret_dup(&p, s, strlen(s))));
            cr_assert(cv_is_ok(cv_age_scrypt_identity_new(p, 0, &id)));
            cv_secret_free(&p);
        }
        cr_assert(cv_is_ok(cv_age_identities_push(ids, id)));
    }
}

ParameterizedTest(vec_name *p, cctv, decrypt)
{
    char path[600];
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/testvectors/age/%s", tv_shared_dir(), p->name);
    uint8_t *raw = tv_read_file(path, &len);
    cr_assert_not_null(raw, "cannot read %s", path);
    cctv_vector v;
    cr_assert(cctv_parse(raw, len, &v), "%s: malformed vector", p->name);
    free(raw);
    if (v.unknown_key) {
        cctv_free(&v);
        cr_skip_test("%s: unknown header key", p->name);
    }
    cv_age_identities ids;
    cv_age_identities_init(&ids);
    load_ids(&v, &ids);
    cv_buf out;
    cv_buf_init(&out, (size_t)64 << 20);
    cv_mem_src src;
    cv_buf_sink sink;
    cv_mem_src_init(&src, cv_slice_of(v.body, v.body_len));
    cv_buf_sink_init(&sink, &out);
    cv_age_opts opts = { false, 2 };
    /* As the reference test kit does, armored vectors are read through the
     * armor decoder unconditionally (the CLI auto-detects instead). */
    cv_age_armor_reader ar;
    cv_age_armor_reader_init(&ar, &src.src);
    cv_result r = cv_age_decrypt(&ids, v.armored ? &ar.src : &src.src, &sink.sink, &opts);
    cv_age_armor_reader_release(&ar);
    cv_age_class got = cv_age_error_class(r.err);
    cr_expect_str_eq(class_name(got), v.expect, "%s: got %s (%s: %s), want %s", p->name,
                     class_name(got), cv_strerror(r.err), cv_err_detail(), v.expect);
    if (v.has_payload && (got == CV_AGE_CLASS_OK || got == CV_AGE_CLASS_PAYLOAD)) {
        uint8_t h[32];
        cv_sha256(h, out.p ? out.p : (const uint8_t *)"", out.len);
        cr_expect(memcmp(h, v.payload, 32) == 0, "%s: payload hash mismatch (%zu bytes)",
                  p->name, out.len);
    }
    cv_buf_release(&out);
    cv_age_identities_clear(&ids);
    cctv_free(&v);
}
