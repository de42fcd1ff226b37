/* Every size, count and depth cap in covert, in one place. A parser that hits
 * one of these fails with CV_E_TOO_LARGE or CV_E_LIMIT and a detail naming
 * the limit; it never allocates past it. */
#ifndef CV_BASE_LIMITS_H
#define CV_BASE_LIMITS_H

/* age header: a hybrid stanza's argument line is 1512 bytes, a tag-PQ
 * recipient line 2015; allow generous room above both. */
#define CV_AGE_MAX_HEADER (1024u * 1024u)
#define CV_AGE_MAX_STANZAS 4096u
#define CV_AGE_MAX_ARGS 64u
#define CV_AGE_MAX_LINE 8192u
#define CV_AGE_MAX_STANZA_BODY (64u * 1024u)
/* scrypt log2(N): age accepts at most 22 (4 GiB of memory). */
#define CV_AGE_SCRYPT_MAX_LOGN 22u
#define CV_AGE_SCRYPT_DEFAULT_LOGN 18u
/* Key files and recipient files (as age: 16 MiB files, 8 KiB lines). */
#define CV_AGE_MAX_KEYFILE (16u * 1024u * 1024u)
#define CV_AGE_MAX_RECIPIENT_LINE 8192u
#define CV_SSH_MAX_KEYFILE (16u * 1024u)
#define CV_SSH_MAX_RSA_BITS 16384u
#define CV_SSH_MIN_RSA_BITS 2048u
/* bcrypt_pbkdf rounds in an encrypted OpenSSH key (ssh-keygen -a; default
 * 16, ~9 ms each here): the cap stops a hostile key file from pinning a CPU
 * for days, while leaving ~2 minutes of headroom for paranoid settings. */
#define CV_SSH_MAX_KDF_ROUNDS 16384u
/* bcrypt salt in an encrypted OpenSSH key (ssh-keygen writes 16 bytes). */
#define CV_SSH_MAX_KDF_SALT 1024u
/* Whitespace allowed around an armored block. */
#define CV_AGE_ARMOR_MAX_WS 1024u
/* STREAM: chunk size is fixed by the format. */
#define CV_AGE_CHUNK 65536u
#define CV_AGE_TAG 16u
#define CV_AGE_CHUNK_CT (CV_AGE_CHUNK + CV_AGE_TAG)
/* Parallel STREAM: chunks per batch (one unit of reading and writing), the
 * thread cap, and the most memory the batch buffers may take together (the
 * batch shrinks when many threads would exceed it). */
#define CV_AGE_BATCH_CHUNKS 16u
#define CV_AGE_MAX_THREADS 64u
#define CV_AGE_STREAM_MAX_MEM (8u * 1024u * 1024u)
/* Threads cv_par_run starts for work inside one document or command (the
 * sops batch and the values of one large file). */
#define CV_PAR_MAX_THREADS 64u
/* Values of one SOPS document per thread before a second thread pays for
 * itself (a value costs a few microseconds, a thread tens). */
#define CV_SOPS_VALUES_PER_THREAD 1024u
/* A SOPS value whose ENC text is this long is decrypted with its MAC input
 * hashed alongside on a second thread (in steps of CV_SOPS_FEED_STEP bytes
 * of plaintext), and an encryption's last batch with this much text is
 * hashed on a thread that outlives the walk: below it, starting the thread
 * costs more than it saves. */
#define CV_SOPS_FEED_MIN (256u * 1024u)
#define CV_SOPS_FEED_STEP (48u * 1024u)
/* Plugin protocol messages. */
#define CV_AGE_PLUGIN_MAX_MSG (1024u * 1024u)
/* Passphrases typed or read from a file. */
#define CV_MAX_PASSPHRASE 4096u

/* Documents (secrets/doc): a whole document tree lives in one secret arena;
 * its total size, the input read for it, and nesting depth are capped. */
#define CV_ARENA_MAX (1024u * 1024u * 1024u)
/* Arena allocations from this size up get chunks of their own, so a large
 * replaced value (a binary file's ENC text) can leave before the arena. */
#define CV_ARENA_SOLO (256u * 1024u)
#define CV_DOC_MAX_INPUT (256u * 1024u * 1024u)
#define CV_DOC_MAX_DEPTH 512u
/* YAML: nodes visited while expanding aliases (yaml.v3 rejects a high alias
 * ratio; this caps the absolute count as well). */
#define CV_YAML_MAX_NODES (16u * 1024u * 1024u)
/* Formatted numbers (Go strconv output, longest is 'f' of 1e308). */
#define CV_NUM_TEXT_MAX 400u

/* Go regexps from .sops.yaml (secrets/sops/regex): pattern length, group
 * nesting (Go's own parse-tree height cap is 1000), and the size of the
 * POSIX rewrite (UTF-8 classes and case folding expand a pattern). */
#define CV_GOREGEX_MAX_PATTERN (64u * 1024u)
#define CV_GOREGEX_MAX_DEPTH 1000u
#define CV_GOREGEX_MAX_ERE (1024u * 1024u)
/* The Pike VM (secrets/sops/regex_vm, ESO rewrite.regexp): compiled
 * instructions ({n,m} copies its operand), and instructions times capture
 * slots (each VM queue holds a slot array per instruction). Matching costs
 * O(instructions x subject length), never backtracking. */
#define CV_GOREGEX_MAX_INSTS 100000u
#define CV_GOREGEX_MAX_VM_SLOTS (1u << 20)
/* .sops.yaml: sops looks for it in at most 100 directories upwards. */
#define CV_SOPS_CONFIG_MAX_DEPTH 100u
/* Git source (reconcile/source). Files read from one commit: their count,
 * their total size, and one file's size; directory depth; ignore patterns
 * (count and line length, as bounded by Flux's bufio.Scanner at 64 KiB);
 * path length; a credentials Secret file. Semver: Masterminds/semver's own
 * caps (version 256 bytes, constraint 512 bytes, 32 "||" groups). */
#define CV_SRC_MAX_FILES 200000u
#define CV_SRC_MAX_TOTAL (2048u * 1024u * 1024u)
#define CV_SRC_MAX_FILE (256u * 1024u * 1024u)
#define CV_SRC_MAX_DEPTH 256u
#define CV_SRC_MAX_PATH 4096u
#define CV_IGNORE_MAX_PATTERNS 100000u
#define CV_IGNORE_MAX_LINE 65536u
#define CV_IGNORE_MAX_INPUT (16u * 1024u * 1024u)
#define CV_SRC_MAX_SECRET_FILE (1024u * 1024u)
#define CV_SEMVER_MAX_VERSION 256u
#define CV_SEMVER_MAX_CONSTRAINT 512u
#define CV_SEMVER_MAX_GROUPS 32u
#define CV_SEMVER_MAX_TERMS 256u
/* HTTP transport (secrets/http): response body and header caps, attempts
 * per request including retries, and the longest Retry-After honoured. */
#define CV_HTTP_MAX_RESPONSE (256u * 1024u * 1024u)
#define CV_HTTP_MAX_HEADERS (256u * 1024u)
#define CV_HTTP_DEFAULT_ATTEMPTS 5u
#define CV_HTTP_MAX_PARALLEL 256u

/* Kubernetes client (reconcile/kube): kubeconfig files, merged entries,
 * exec plugin output, one manifest file, objects per apply, discovery
 * documents, list pages. */
#define CV_KUBE_MAX_CONFIG (16u * 1024u * 1024u)
#define CV_KUBE_MAX_CONFIG_FILES 64u
#define CV_KUBE_MAX_ENTRIES 4096u
#define CV_KUBE_MAX_EXEC_OUTPUT (1024u * 1024u)
#define CV_KUBE_MAX_EXEC_ARGS 256u
#define CV_KUBE_MAX_MANIFEST (256u * 1024u * 1024u)
#define CV_KUBE_MAX_OBJECTS 100000u
#define CV_KUBE_MAX_DISCOVERY (64u * 1024u * 1024u)
#define CV_KUBE_MAX_RESOURCES 65536u
#define CV_KUBE_MAX_JSON_DEPTH 256u
#define CV_KUBE_MAX_YAML_NODES (4u * 1024u * 1024u)
#define CV_KUBE_LIST_PAGE 500u

/* Bitwarden (secrets/bitwarden): an access token, one EncString, one API
 * response, objects in one list, one decrypted value (the server caps
 * values at 25,000 characters, notes at 7,000, keys at 500), the state file,
 * and the JWT. Secrets Manager's own validation limits are here too. */
#define CV_BW_MAX_TOKEN 4096u
#define CV_BW_MAX_ENCSTRING (1024u * 1024u)
#define CV_BW_MAX_RESPONSE (64u * 1024u * 1024u)
#define CV_BW_MAX_OBJECTS 100000u
#define CV_BW_MAX_JWT (64u * 1024u)
#define CV_BW_MAX_STATE (256u * 1024u)
#define CV_BW_KEY_MAX_CHARS 500u
#define CV_BW_VALUE_MAX_CHARS 25000u
#define CV_BW_NOTE_MAX_CHARS 7000u
/* bw serve (secrets/bitwarden/vault): a base URL or id, and one reply
 * (the whole vault for a list; bw's own item limits keep items small). */
#define CV_BW_SERVE_MAX_URL 2048u
#define CV_BW_SERVE_MAX_REPLY CV_BW_MAX_RESPONSE
/* External Secrets (secrets/eso): input manifests, template source and
 * output, template nesting and loop work, jsonPath length. */
#define CV_ESO_MAX_MANIFEST (64u * 1024u * 1024u)
#define CV_ESO_MAX_TEMPLATE (1024u * 1024u)
#define CV_ESO_MAX_TEMPLATE_OUT (16u * 1024u * 1024u)
#define CV_ESO_MAX_TEMPLATE_DEPTH 64u
#define CV_ESO_MAX_TEMPLATE_STEPS 1000000u
#define CV_ESO_MAX_JSONPATH 4096u
/* webhook stores: headers per request, distinct requests kept per store */
#define CV_ESO_MAX_HEADERS 64u
#define CV_ESO_MAX_REQUESTS 100000u

/* Rendering (reconcile/kustomize, reconcile/flux): one input file, one path,
 * resources in one build, kustomization nesting (resources/components). */
#define CV_KZ_MAX_FILE (64u * 1024u * 1024u)
#define CV_KZ_MAX_PATH 4096u
#define CV_KZ_MAX_RESOURCES 200000u
#define CV_KZ_MAX_DEPTH 128u
/* kustomize-controller's maxEncryptedFileSize: the largest SOPS file it
 * decrypts (a kustomize source, or a Secret value that is a whole file). */
#define CV_FLUX_MAX_ENCRYPTED (5u * 1024u * 1024u)
/* Distinct selector regexps kept compiled per process (recache.h). */
#define CV_KZ_MAX_REGEX_CACHE 1024u
/* Repository YAML kept parsed per process (kyaml.h), in bytes of text. */
#define CV_KZ_MAX_PARSE_CACHE (8u * 1024u * 1024u)
/* Flux post-build substitution (reconcile/flux/envsubst): nested `${`, one
 * intermediate value, and the operand of a pattern trim (${V#p} and friends
 * cost quadratic time in it). */
#define CV_ENVSUBST_MAX_DEPTH 64u
#define CV_ENVSUBST_MAX_VALUE (64u * 1024u * 1024u)
#define CV_ENVSUBST_MAX_TRIM (16u * 1024u)

#endif
