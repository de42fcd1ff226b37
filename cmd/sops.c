/* `covert sops` (and a link named `sops`): the sops v3.13.2 command line.
 *
 * Flags follow urfave/cli v1 over Go's flag package: global flags before
 * the subcommand, the subcommand's flags before its file. Errors are printed
 * as sops prints them (the message alone) with sops's exit codes. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/flags.h"
#include "cmd/sops.h"
#include "crypto/base/io.h"
#include "crypto/base/limits.h"
#include "crypto/base/par.h"
#include "crypto/prim/pk.h"
#include "secrets/sops/agekey.h"
#include "secrets/sops/crypt.h"
#include "secrets/doc/yaml.h"
#include "secrets/sops/store.h"

const char cv_sops_version[] = "3.13.2";

/* ---- exit codes (sops cmd/sops/codes) ---------------------------------------------- */

enum {
    EX_GENERIC = 1,
    EX_READ_INPUT = 2,
    EX_WRITE_OUTPUT = 3,
    EX_DUMP_TREE = 4,
    EX_CONFLICT = 8,
    EX_ENCRYPT_MAC = 21,
    EX_ENCRYPT_TREE = 23,
    EX_DECRYPT_TREE = 25,
    EX_MAC_MISMATCH = 51,
    EX_TREE_PATH = 91,
    EX_NEED_DOCUMENT = 92,
    EX_NO_FILE = 100,
    EX_DUP_ORDER = 112,
    EX_NO_KEY = 128,
    EX_ALREADY_ENCRYPTED = 203,
};

void cv_sops_wrap(const char *text, size_t width, FILE *f)
{
    /* go-wordwrap: break at the last space that keeps a line within
     * width; a longer word stays whole; existing newlines are kept. */
    const char *p = text;
    while (*p) {
        size_t line = strcspn(p, "\n");
        size_t cut = line;
        if (line > width) {
            size_t last = 0;
            for (size_t i = 0; i < line && (i <= width || last == 0); i++)
                if (p[i] == ' ') last = i;
            if (last) cut = last;
        }
        fwrite(p, 1, cut, f);
        p += cut;
        if (*p == ' ' || *p == '\n') p++;
        if (*p || p[-1] == '\n') fputc('\n', f);
    }
}

_Noreturn void cv_sops_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

/* ---- options ------------------------------------------------------------------------ */

void cv_sops_opts_env(cv_sops_opts *o)
{
    if (o->age == NULL) o->age = getenv("SOPS_AGE_RECIPIENTS");
    if (o->pgp == NULL) o->pgp = getenv("SOPS_PGP_FP");
    if (o->kms == NULL) o->kms = getenv("SOPS_KMS_ARN");
    if (o->gcp_kms == NULL) o->gcp_kms = getenv("SOPS_GCP_KMS_IDS");
    if (o->azure_kv == NULL) o->azure_kv = getenv("SOPS_AZURE_KEYVAULT_URLS");
    if (o->hc_vault == NULL) o->hc_vault = getenv("SOPS_VAULT_URIS");
    if (o->hckms == NULL) o->hckms = getenv("SOPS_HUAWEICLOUD_KMS_IDS");
    if (o->decryption_order == NULL) o->decryption_order = getenv("SOPS_DECRYPTION_ORDER");
    if (o->config == NULL) o->config = getenv("SOPS_CONFIG");
}

/* ---- .sops.yaml ---------------------------------------------------------------------- */

#include "secrets/sops/config.h"

static char *config_path;
static cv_sops_config *config;
static bool config_loaded;

/* The config in force: --config / SOPS_CONFIG, else .sops.yaml found from
 * the working directory upwards. NULL when there is none. Loaded once. */
cv_sops_config *cv_sops_config_get(const cv_sops_opts *o, const char **path)
{
    if (!config_loaded) {
        config_loaded = true;
        char *warning = NULL;
        if (o->config && *o->config) {
            config_path = strdup(o->config);
        } else if (!cv_is_ok(cv_sops_config_lookup(&config_path, &warning))) {
            config_path = NULL;
        }
        if (warning) fprintf(stderr, "%s\n", warning);
        free(warning);
        if (config_path) {
            cv_buf b;
            cv_doc d;
            cv_buf_init(&b, CV_DOC_MAX_INPUT);
            cv_result r = cv_cli_read_file(config_path, &b);
            if (cv_is_ok(r)) r = cv_doc_init(&d);
            if (cv_is_ok(r)) {
                r = cv_yaml_load(cv_buf_slice(&b), &d);
                if (cv_is_ok(r)) r = cv_sops_config_decode(&d, &config);
                cv_doc_clear(&d);
            }
            cv_buf_release(&b);
            if (!cv_is_ok(r))
                cv_sops_fail(EX_GENERIC, "error loading config: %s", cv_cli_msg(r));
        }
    }
    if (path) *path = config_path;
    return config;
}

int cv_sops_indent(const cv_sops_opts *o, cv_store s)
{
    /* sops's store defaults: JSON (and binary's JSON) indent with a tab (-1),
     * YAML with 4 spaces (0 = the store default); .sops.yaml `stores` may
     * change them, --indent changes all. */
    if (o->indent == NULL) {
        cv_sops_cfg_stores st;
        const cv_sops_config *c = cv_sops_config_get(o, NULL);
        if (c) cv_sops_config_stores(c, &st);
        else cv_sops_stores_default(&st);
        return (int)(s == CV_STORE_JSON ? st.json_indent
                     : s == CV_STORE_BINARY ? st.json_binary_indent
                     : s == CV_STORE_YAML ? st.yaml_indent : 0);
    }
    char *end;
    long v = strtol(o->indent, &end, 0);
    if (*o->indent == '\0' || *end != '\0' || v < -1000 || v > 1000)
        cv_sops_fail(EX_GENERIC, "invalid value \"%s\" for flag -indent: parse error", o->indent);
    return (int)v;
}

/* The decryption order: "age,pgp" by default; a repeated type is exit 112. */
static const char *check_order(const char *order)
{
    if (order == NULL || *order == '\0') return "age,pgp";
    size_t n = strlen(order);
    for (const char *p = order; p < order + n;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        for (const char *q = e ? e + 1 : order + n; q < order + n;) {
            const char *f = strchr(q, ',');
            size_t m = f ? (size_t)(f - q) : strlen(q);
            if (m == l && memcmp(p, q, l) == 0)
                cv_sops_fail(EX_DUP_ORDER, "Duplicate decryption key type: %.*s", (int)l, p);
            q = f ? f + 1 : order + n;
        }
        p = e ? e + 1 : order + n;
    }
    return order;
}

/* ---- files ------------------------------------------------------------------------- */

char *cv_sops_target(const cv_sops_opts *o, int argc, char **argv, bool encrypting,
                           char **file, cv_store *in, cv_store *out)
{
    if (argc == 0 && o->in_place)
        cv_sops_fail(EX_CONFLICT, "Error: cannot use --in-place when reading from stdin");
    if (encrypting && argc == 0 && o->filename_override == NULL)
        cv_sops_fail(EX_CONFLICT, "Error: must specify --filename-override when reading from stdin");
    if (o->in_place && o->output)
        cv_sops_fail(EX_CONFLICT, "Error: cannot operate on both --output and --in-place");
    *file = argc ? cv_sops_existing_file(argv[0]) : NULL;
    char *name = o->filename_override ? cv_cli_abs_path(o->filename_override) : *file;
    cv_sops_stores(o, name, in, out);
    return name;
}

char *cv_sops_existing_file(const char *arg)
{
    char *abs = cv_cli_abs_path(arg);
    struct stat st;
    if (stat(abs, &st) != 0 && errno == ENOENT)
        cv_sops_fail(EX_NO_FILE, "Error: cannot operate on non-existent file \"%s\"", abs);
    return abs;
}

/* Put sops's message (prefix + detail) in msg; returns the exit code. */
static int fail_msg(cv_buf *msg, int code, const char *prefix, const char *detail)
{
    cv_buf_reset(msg);
    if (!cv_is_ok(cv_buf_addf(msg, "%s%s", prefix, detail)) || !cv_is_ok(cv_buf_nul(msg)))
        msg->len = 0;
    return code;
}

/* Read a file (NULL: stdin) into b; on failure, sops's words in msg. */
static int read_code(const char *path, cv_buf *b, cv_buf *msg)
{
    cv_result r = cv_cli_read_file(path ? path : "-", b);
    if (cv_is_ok(r)) return 0;
    return fail_msg(msg, EX_READ_INPUT, path ? "Error reading file: " : "Error reading from stdin: ",
                    cv_cli_msg(r));
}

void cv_sops_read_input(const char *path, cv_buf *b)
{
    cv_buf msg;
    cv_buf_init_secret(b, CV_DOC_MAX_INPUT);
    cv_buf_init(&msg, 64 * 1024);
    int code = read_code(path, b, &msg);
    if (code) cv_sops_fail(code, "%s", msg.len ? (const char *)msg.p : "failed");
    cv_buf_release(&msg);
}

void cv_sops_write_output(const cv_sops_opts *o, const char *file, cv_slice data)
{
    const char *target = o->in_place ? file : o->output;
    if (target == NULL) {
        if (fwrite(data.p, 1, data.len, stdout) != data.len || fflush(stdout) != 0)
            cv_sops_fail(EX_GENERIC, "write /dev/stdout: %s", strerror(errno));
        return;
    }
    cv_outfile out;
    cv_outfile_init(&out, target, 0644);
    cv_result r = cv_sink_write(&out.sink, data.p, data.len);
    if (cv_is_ok(r)) r = cv_outfile_commit(&out);
    if (!cv_is_ok(r)) {
        cv_outfile_abort(&out);
        cv_sops_fail(EX_WRITE_OUTPUT, "Could not open %s file for writing: %s",
                     o->in_place ? "in-place" : "output", cv_cli_msg(r));
    }
}

/* The stores for a file: --input-type/--output-type, else the path. */
void cv_sops_stores(const cv_sops_opts *o, const char *path, cv_store *in, cv_store *out)
{
    const char *p = path ? path : "";
    if (!cv_store_from_name(o->input_type, in)) *in = cv_store_for_path(p);
    if (!cv_store_from_name(o->output_type, out)) *out = cv_store_for_path(p);
}

/* ---- decryption shared by decrypt, edit, set, unset, rotate, exec-* --------------- */

static const cv_age_ui *ui(void);

/* The process's keyring: identities are found and loaded once. */
cv_sops_keyring *cv_sops_keyring_get(void)
{
    static cv_sops_keyring *kr;
    if (kr == NULL && !cv_is_ok(cv_sops_keyring_new(ui(), &kr)))
        cv_sops_fail(EX_GENERIC, "out of memory");
    return kr;
}

/* Load into f->doc (initialised). */
static int load_code(cv_sops_file *f, cv_slice in, cv_store store, bool keep_ivs, cv_buf *msg)
{
    cv_result r = cv_store_load_encrypted(store, in, &f->doc, &f->meta);
    if (cv_is(r, CV_E_SOPS_NO_METADATA)) return fail_msg(msg, EX_GENERIC, "", "sops metadata not found");
    if (cv_is_ok(r) && keep_ivs) r = cv_sops_stash_new(&f->doc, &f->stash);
    if (!cv_is_ok(r)) return fail_msg(msg, EX_GENERIC, "", cv_cli_msg(r));
    return 0;
}

/* The steps after loading: data key, values, MAC. The file's text is no
 * longer needed (the tree and metadata live in the doc's arena). */
static int open_loaded(cv_sops_file *f, const cv_sops_opts *o, cv_buf *msg)
{
    int code = 0;
    cv_buf report;
    cv_buf_init(&report, 256 * 1024);
    cv_result r = cv_sops_data_key(cv_sops_keyring_get(), &f->meta,
                                   check_order(o->decryption_order), &f->key, &report);
    if (!cv_is_ok(r)) {
        if (cv_is(r, CV_E_SOPS_NO_KEY) && report.len && cv_is_ok(cv_buf_nul(&report)))
            code = fail_msg(msg, EX_NO_KEY, "", (const char *)report.p);
        else
            code = fail_msg(msg, EX_NO_KEY, "", cv_cli_msg(r));
    }
    cv_buf_release(&report);
    if (code) return code;
    char mac[CV_SOPS_MAC_HEX + 1];
    r = cv_sops_tree_decrypt(&f->doc, &f->meta, f->key->data, f->stash, mac);
    if (!cv_is_ok(r)) return fail_msg(msg, EX_DECRYPT_TREE, "Error decrypting tree: ", cv_cli_msg(r));
    if (o->ignore_mac) return 0;
    r = cv_sops_mac_verify(&f->doc, &f->meta, f->key->data, mac, f->stash);
    if (!cv_is_ok(r)) return fail_msg(msg, EX_MAC_MISMATCH, "", cv_cli_msg(r));
    return 0;
}

int cv_sops_try_open(cv_sops_file *f, const cv_sops_opts *o, cv_slice in, cv_store store,
                     bool keep_ivs, cv_buf *msg)
{
    memset(f, 0, sizeof(*f));
    cv_result r = cv_doc_init(&f->doc);
    if (!cv_is_ok(r)) return fail_msg(msg, EX_GENERIC, "", cv_cli_msg(r));
    int code = load_code(f, in, store, keep_ivs, msg);
    return code ? code : open_loaded(f, o, msg);
}

/* A large file is read straight into its document's arena
 * (cv_doc_read_source), where the JSON and binary codecs leave its long
 * values: they are decrypted or encrypted where they lie, rather than
 * first copied out of a read buffer (for a MiB value, hundreds of pages
 * faulted and copied twice). */
bool cv_sops_read_source(const char *path, cv_doc *d, cv_slice *text)
{
    if (path == NULL || strcmp(path, "-") == 0) return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    cv_fd_src src;
    cv_fd_src_init(&src, fd);
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= CV_ARENA_SOLO &&
              (uint64_t)st.st_size <= CV_DOC_MAX_INPUT &&
              cv_is_ok(cv_doc_read_source(d, &src.src, (size_t)st.st_size, text));
    close(fd);
    return ok;
}

static void *preload_main(void *kr)
{
    cv_sops_keyring_preload(kr);
    return NULL;
}

/* The process's first file: its identities are loaded on a second thread
 * while the file is read and parsed (a quarter of a millisecond off a
 * one-file decrypt). Later files find them loaded. */
static bool preload_start(pthread_t *t)
{
    static bool done;
    if (done) return false;
    done = true;
    return cv_par_start(t, preload_main, cv_sops_keyring_get()) == 0;
}

void cv_sops_open(cv_sops_file *f, const cv_sops_opts *o, const char *path, cv_store store,
                  bool keep_ivs)
{
    cv_buf in, msg;
    cv_slice text;
    memset(f, 0, sizeof(*f));
    cv_result r = cv_doc_init(&f->doc);
    if (!cv_is_ok(r)) cv_sops_fail(EX_GENERIC, "%s", cv_cli_msg(r));
    pthread_t loader;
    bool loading = preload_start(&loader);
    /* An encrypted file is public (ciphertext and metadata): unless it is
     * read into the document, its text needs no wiping, so it is not read
     * into secret memory. */
    cv_buf_init(&in, CV_DOC_MAX_INPUT);
    cv_buf_init(&msg, 512 * 1024);
    int code = 0;
    if (!cv_sops_read_source(path, &f->doc, &text)) {
        code = read_code(path, &in, &msg);
        text = cv_buf_slice(&in);
    }
    if (code == 0) code = load_code(f, text, store, keep_ivs, &msg);
    /* Joined before any exit: the loader may be inside OpenSSL, which exit's
     * handlers tear down. */
    if (loading) pthread_join(loader, NULL);
    /* Released before decryption, whose buffers then need no room beside it. */
    cv_buf_release(&in);
    if (code == 0) code = open_loaded(f, o, &msg);
    if (code) cv_sops_fail(code, "%s", msg.len ? (const char *)msg.p : "failed");
    cv_buf_release(&msg);
}

void cv_sops_file_clear(cv_sops_file *f)
{
    cv_sops_mac_discard(&f->mac);
    cv_secret_free(&f->key);
    cv_doc_clear(&f->doc);
}

int cv_sops_reencrypt_code(cv_sops_file *f, cv_result *r)
{
    *r = cv_sops_tree_encrypt(&f->doc, &f->meta, f->key->data, f->stash, &f->mac);
    if (!cv_is_ok(*r)) {
        *r = CV_FAILF(r->err, "Error encrypting tree: %s", cv_err_detail());
        return EX_ENCRYPT_TREE;
    }
    cv_gotime_now_utc(&f->meta.lastmodified);
    return 0;
}

void cv_sops_reencrypt(cv_sops_file *f)
{
    cv_result r;
    int code = cv_sops_reencrypt_code(f, &r);
    if (code) cv_sops_fail(code, "%s", cv_cli_msg(r));
}

/* The hashed MAC, encrypted into the metadata. */
static int seal_mac(cv_sops_file *f, cv_result *r)
{
    char mac[CV_SOPS_MAC_HEX + 1];
    *r = cv_sops_mac_wait(&f->mac, mac);
    if (!cv_is_ok(*r)) {
        *r = CV_FAILF(r->err, "Error encrypting tree: %s", cv_err_detail());
        return EX_ENCRYPT_TREE;
    }
    *r = cv_sops_mac_seal(&f->doc, &f->meta, f->key->data, mac, f->stash);
    cv_wipe(mac, sizeof(mac));
    if (cv_is_ok(*r)) return 0;
    *r = CV_FAILF(r->err, "Could not encrypt MAC: %s", cv_err_detail());
    return EX_ENCRYPT_MAC;
}

static int emit(cv_sops_file *f, cv_store store, int indent, cv_buf *out, cv_result *r)
{
    out->len = 0;
    *r = cv_store_emit_encrypted(store, &f->doc, &f->meta, indent, out);
    if (cv_is_ok(*r)) return 0;
    *r = CV_FAILF(r->err, "Could not marshal tree: %s", cv_err_detail());
    return EX_DUMP_TREE;
}

/* Where `text` is in the output: the metadata comes last, so the search
 * starts at the end and widens. */
static char *find_from_end(cv_buf *out, cv_slice text)
{
    for (size_t w = 16 * 1024;; w *= 8) {
        size_t from = out->len > w ? out->len - w : 0;
        char *at = memmem(out->p + from, out->len - from, text.p, text.len);
        if (at || from == 0) return at;
    }
}

/* The document is written out while its MAC is still being hashed, with a
 * stand-in for the encrypted MAC that the real one replaces once hashed.
 * Several YAML documents (the metadata in each) are written once the MAC
 * is sealed; a stand-in that did not come out verbatim, written again. */
int cv_sops_emit_sealed(cv_sops_file *f, cv_store store, int indent, cv_buf *out, cv_result *r)
{
    if (f->mac == NULL) return emit(f, store, indent, out, r); /* sealed already */
    if (f->doc.n != 1 || !cv_sops_mac_hashing(f->mac)) {
        int code = seal_mac(f, r);
        return code ? code : emit(f, store, indent, out, r);
    }
    *r = cv_sops_mac_seal_stand_in(&f->doc, &f->meta, f->key->data);
    if (!cv_is_ok(*r)) {
        cv_sops_mac_discard(&f->mac);
        *r = CV_FAILF(r->err, "Could not encrypt MAC: %s", cv_err_detail());
        return EX_ENCRYPT_MAC;
    }
    cv_slice held = cv_slice_of(f->meta.mac, f->meta.mac_len);
    int code = emit(f, store, indent, out, r);
    if (code) {
        cv_sops_mac_discard(&f->mac);
        return code;
    }
    code = seal_mac(f, r);
    if (code) return code;
    char *at = find_from_end(out, held);
    if (at && f->meta.mac_len == held.len) {
        memcpy(at, f->meta.mac, held.len);
        return 0;
    }
    return emit(f, store, indent, out, r);
}

void cv_sops_emit_encrypted(cv_sops_file *f, cv_store store, int indent, cv_buf *out)
{
    cv_buf_init(out, CV_DOC_MAX_INPUT * 4);
    cv_result r;
    int code = cv_sops_emit_sealed(f, store, indent, out, &r);
    if (code) cv_sops_fail(code, "%s", cv_cli_msg(r));
}

/* ---- the terminal for passphrases --------------------------------------------------- */

#include "cmd/term.h"

static cv_result ask_secret(void *ctx, const char *prompt, cv_secret **out)
{
    (void)ctx;
    return cv_term_read_secret(prompt, out);
}

static void warn(void *ctx, const char *text)
{
    (void)ctx;
    fprintf(stderr, "[AGE]\t WARN %s\n", text);
}

static const cv_age_ui *ui(void)
{
    static cv_age_ui u;
    u.request_secret = ask_secret;
    u.warning = warn;
    return &u;
}

/* ---- metadata for new files ---------------------------------------------------------- */

#include "crypto/age/keys.h"

void cv_sops_add_age_keys(cv_doc *d, cv_sops_group *g, const char *list)
{
    if (list == NULL || *list == '\0') return;
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, ',');
        cv_slice s = cv_slice_trim(cv_slice_of(p, e ? (size_t)(e - p) : strlen(p)));
        cv_age_recipient *r;
        cv_result res = cv_age_recipient_parse(s, NULL, &r);
        if (!cv_is_ok(res))
            cv_sops_fail(EX_GENERIC, "failed to parse input as age recipient: %s", cv_cli_msg(res));
        cv_age_recipient_free(&r);
        cv_sops_key k;
        memset(&k, 0, sizeof(k));
        k.type = CV_SOPS_AGE;
        res = cv_sops_key_set(d, &k, "recipient", s);
        if (cv_is_ok(res)) res = cv_sops_group_add(d, g, &k);
        if (!cv_is_ok(res)) cv_sops_fail(EX_GENERIC, "%s", cv_cli_msg(res));
        if (!e) break;
        p = e + 1;
    }
}

static void unsupported_key_flags(const cv_sops_opts *o)
{
    const char *names[] = { "pgp", "kms", "gcp-kms", "azure-kv", "hc-vault-transit", "hckms" };
    const char *vals[] = { o->pgp, o->kms, o->gcp_kms, o->azure_kv, o->hc_vault, o->hckms };
    for (size_t i = 0; i < 6; i++)
        if (vals[i] && *vals[i])
            cv_sops_fail(EX_GENERIC, "covert encrypts data keys with age only: --%s is not "
                                     "supported", names[i]);
}

static void rules_from_flags(const cv_sops_opts *o, cv_store store, cv_sops_meta *m)
{
    const char *v[CV_SOPS_NRULES] = {
        o->unencrypted_suffix, o->encrypted_suffix, o->unencrypted_regex,
        o->encrypted_regex, o->unencrypted_comment_regex, o->encrypted_comment_regex,
    };
    int count = 0;
    for (int i = 0; i < CV_SOPS_NRULES; i++) {
        m->rule[i] = v[i] && *v[i] && store != CV_STORE_BINARY ? v[i] : NULL;
        count += m->rule[i] != NULL;
    }
    if (count > 1)
        cv_sops_fail(EX_CONFLICT, "Error: cannot use more than one of encrypted_suffix, "
                                  "unencrypted_suffix, encrypted_regex, unencrypted_regex, "
                                  "encrypted_comment_regex, or unencrypted_comment_regex in the "
                                  "same file");
    if (count == 0 && store != CV_STORE_BINARY)
        m->rule[CV_SOPS_RULE_UNENCRYPTED_SUFFIX] = "_unencrypted";
    m->mac_only_encrypted = o->mac_only_encrypted && store != CV_STORE_BINARY;
}

static bool any_key_flag(const cv_sops_opts *o)
{
    const char *v[] = { o->age, o->pgp, o->kms, o->gcp_kms, o->azure_kv, o->hc_vault, o->hckms };
    for (size_t i = 0; i < 7; i++)
        if (v[i] && *v[i]) return true;
    return false;
}

/* The creation rule's groups, as metadata groups (age keys only). */
static void groups_from_rule(cv_doc *d, cv_sops_meta *m, const cv_sops_cfg_rule *rule)
{
    for (size_t gi = 0; gi < rule->n_groups; gi++) {
        cv_sops_group *g;
        if (!cv_is_ok(cv_sops_meta_add_group(d, m, &g))) cv_sops_fail(EX_GENERIC, "out of memory");
        for (size_t k = 0; k < rule->groups[gi].n; k++) {
            const cv_sops_cfg_key *ck = &rule->groups[gi].keys[k];
            if (ck->type != CV_SOPS_KEY_AGE)
                cv_sops_fail(EX_GENERIC, "covert encrypts data keys with age only: the creation "
                                         "rule names a %s key (%s)",
                             cv_sops_key_type_name(ck->type), ck->id);
            cv_sops_add_age_keys(d, g, ck->id);
        }
    }
}

/* Rules from .sops.yaml where no flag set one (flags win, as in sops). */
static void rules_from_config(const cv_sops_opts *o, const cv_sops_cfg_rule *rule,
                              cv_sops_opts *merged)
{
    *merged = *o;
    if (rule == NULL) return;
    const char **slot[] = { NULL, &merged->unencrypted_suffix, &merged->encrypted_suffix,
                            &merged->unencrypted_regex, &merged->encrypted_regex,
                            &merged->unencrypted_comment_regex, &merged->encrypted_comment_regex };
    if (rule->selection != CV_SOPS_SEL_NONE) {
        const char **t = slot[rule->selection];
        if (*t == NULL || **t == '\0') *t = rule->selection_value;
    }
    if (!merged->mac_only_encrypted) merged->mac_only_encrypted = rule->mac_only_encrypted;
}

void cv_sops_encrypt_meta(const cv_sops_opts *o, const char *path, cv_store store, cv_doc *d,
                          cv_sops_meta *m)
{
    memset(m, 0, sizeof(*m));
    m->version = cv_sops_version;
    m->mac = "";
    const char *cfg_path;
    cv_sops_config *cfg = cv_sops_config_get(o, &cfg_path);
    cv_sops_cfg_rule *rule = NULL;
    cv_result r = cv_ok();
    if (cfg) r = cv_sops_config_rule(cfg, cfg_path, path, NULL, 0, &rule);
    bool keys_from_flags = any_key_flag(o);
    if (!cv_is_ok(r) && !keys_from_flags) cv_sops_fail(EX_GENERIC, "%s", cv_cli_msg(r));
    cv_sops_opts merged;
    rules_from_config(o, cv_is_ok(r) ? rule : NULL, &merged);
    rules_from_flags(&merged, store, m);
    /* The rule's strings die with it: keep copies in the document. */
    for (int i = 0; i < CV_SOPS_NRULES; i++) {
        char *copy;
        if (m->rule[i] && !cv_is_ok(cv_arena_strndup(d->arena, m->rule[i], strlen(m->rule[i]),
                                                      &copy)))
            cv_sops_fail(EX_GENERIC, "out of memory");
        if (m->rule[i]) m->rule[i] = copy;
    }
    if (keys_from_flags) {
        unsupported_key_flags(o);
        cv_sops_group *g;
        if (!cv_is_ok(cv_sops_meta_add_group(d, m, &g))) cv_sops_fail(EX_GENERIC, "out of memory");
        cv_sops_add_age_keys(d, g, o->age);
    } else if (rule) {
        groups_from_rule(d, m, rule);
    } else {
        cv_sops_fail(EX_GENERIC, "config file not found, or has no creation rules, and no keys "
                                 "provided through command line options");
    }
    if (o->shamir_threshold && *o->shamir_threshold)
        m->shamir_threshold = (int)strtol(o->shamir_threshold, NULL, 10);
    else if (rule)
        m->shamir_threshold = (int)rule->shamir_threshold;
    cv_sops_cfg_rule_free(&rule);
}
