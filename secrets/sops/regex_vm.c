/* Go regexps on a Pike VM. The compiler walks the parse tree backwards
 * (each node is compiled knowing the instruction that follows it), so no
 * patch lists are needed; loops allocate their Alt first and point the body
 * back at it. The machine is Go's regexp NFA: one queue of threads per
 * input position, ordered by priority, each instruction at most once per
 * queue, and a match cuts off every lower-priority thread. */
#include "secrets/sops/regex_vm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base/limits.h"
#include "secrets/sops/regex_int.h"

enum { I_FAIL, I_MATCH, I_RUNE, I_ALT, I_EMPTY, I_CAP, I_NOP };
enum { E_BOL = 1, E_EOL = 2, E_BOT = 4, E_EOT = 8, E_WB = 16, E_NWB = 32 };
enum { K_OTHER, K_STAR, K_PLUS, K_QUEST };

#define EOT (-1L) /* the "rune" past the end of the subject */

typedef struct {
    uint8_t op;
    uint32_t out, arg; /* I_ALT: out is preferred; I_EMPTY: flags; I_CAP: slot */
    const cv_rx_rset *cls;
} inst;

struct cv_goregex_vm {
    cv_rx_tree tree;
    inst *prog;
    uint32_t n, cap, start;
    size_t nslot;
};

/* ---- compiler ------------------------------------------------------------ */

static cv_result emit_inst(cv_goregex_vm *re, uint8_t op, uint32_t out, uint32_t arg, uint32_t *pc)
{
    CV_ENSUREF(re->n < CV_GOREGEX_MAX_INSTS, CV_E_LIMIT, "regexp: program larger than %u instructions",
               CV_GOREGEX_MAX_INSTS);
    if (re->n == re->cap) {
        uint32_t cap = re->cap ? 2 * re->cap : 64;
        inst *p = realloc(re->prog, cap * sizeof(*p));
        CV_ENSURE(p != NULL, CV_E_NOMEM);
        re->prog = p, re->cap = cap;
    }
    re->prog[re->n] = (inst){ .op = op, .out = out, .arg = arg };
    *pc = re->n++;
    return cv_ok();
}

static const cv_rx_node *nd(const cv_goregex_vm *re, long id) { return &re->tree.nodes[id]; }

static void set_alt(cv_goregex_vm *re, uint32_t pc, uint32_t body, uint32_t skip, bool lazy)
{
    re->prog[pc].out = lazy ? skip : body;
    re->prog[pc].arg = lazy ? body : skip;
}

static bool nullable(const cv_goregex_vm *re, long id)
{
    const cv_rx_node *x = nd(re, id);
    switch (x->op) {
    case CV_RX_CLASS: return false;
    case CV_RX_CAT:
        for (long k = x->kid; k >= 0; k = nd(re, k)->next)
            if (!nullable(re, k)) return false;
        return true;
    case CV_RX_ALT:
        for (long k = x->kid; k >= 0; k = nd(re, k)->next)
            if (nullable(re, k)) return true;
        return false;
    case CV_RX_CAP: return nullable(re, x->kid);
    case CV_RX_REP: return x->min == 0 || nullable(re, x->kid);
    default: return true;
    }
}

/* What Go's Simplify turns a repetition into, for its x** -> x* rule. */
static int rep_kind(const cv_rx_node *x)
{
    if (x->op != CV_RX_REP) return K_OTHER;
    if (x->max == -1 && x->min <= 1) return x->min == 0 ? K_STAR : K_PLUS;
    if (x->min == 0 && x->max == 1) return K_QUEST;
    return K_OTHER;
}

static cv_result comp(cv_goregex_vm *re, long id, uint32_t k, uint32_t *entry);

/* Go's simplify1: a star/plus/quest of the same kind and greed is the inner one. */
static long collapse(const cv_goregex_vm *re, int kind, bool lazy, long kid)
{
    const cv_rx_node *s = nd(re, kid);
    return rep_kind(s) == kind && s->lazy == lazy ? -1 : kid;
}

static cv_result comp_loop(cv_goregex_vm *re, long kid, bool lazy, uint32_t k, uint32_t *body)
{
    uint32_t l;
    CV_GUARD(emit_inst(re, I_ALT, 0, 0, &l));
    CV_GUARD(comp(re, kid, l, body));
    set_alt(re, l, *body, k, lazy);
    return cv_ok();
}

static cv_result comp_quest(cv_goregex_vm *re, uint32_t body, bool lazy, uint32_t k, uint32_t *entry)
{
    CV_GUARD(emit_inst(re, I_ALT, 0, 0, entry));
    set_alt(re, *entry, body, k, lazy);
    return cv_ok();
}

/* x*, x+, x? (kind) of node kid. x* with a nullable x is (x+)?, as Go
 * compiles it, so that an empty iteration never outranks skipping. */
static cv_result comp_simple(cv_goregex_vm *re, int kind, bool lazy, long kid, uint32_t k,
                             uint32_t *entry)
{
    if (collapse(re, kind, lazy, kid) < 0) return comp(re, kid, k, entry);
    uint32_t body;
    if (kind == K_QUEST) {
        CV_GUARD(comp(re, kid, k, &body));
        return comp_quest(re, body, lazy, k, entry);
    }
    uint32_t l_next = re->n;
    CV_GUARD(comp_loop(re, kid, lazy, k, &body));
    if (kind == K_PLUS) return *entry = body, cv_ok();
    if (nullable(re, kid)) return comp_quest(re, body, lazy, k, entry);
    *entry = l_next; /* the loop's Alt */
    return cv_ok();
}

/* x{n,m} as Go's Simplify spells it: x{n,} = x..x x+, x{n,m} = x..x(x(x)?)? */
static cv_result comp_counted(cv_goregex_vm *re, const cv_rx_node *x, uint32_t k, uint32_t *entry)
{
    if (x->max == 0) return *entry = k, cv_ok();
    if (x->max == -1 && x->min <= 1)
        return comp_simple(re, x->min ? K_PLUS : K_STAR, x->lazy, x->kid, k, entry);
    uint32_t e = k;
    int copies = x->min;
    if (x->max == -1) {
        CV_GUARD(comp_simple(re, K_PLUS, x->lazy, x->kid, k, &e));
        copies--;
    } else {
        for (int i = x->min; i < x->max; i++) {
            uint32_t body;
            CV_GUARD(comp(re, x->kid, e, &body));
            CV_GUARD(comp_quest(re, body, x->lazy, k, &e));
        }
    }
    for (int i = 0; i < copies; i++) CV_GUARD(comp(re, x->kid, e, &e));
    *entry = e;
    return cv_ok();
}

/* The children of a node, in order, into a fresh array. */
static cv_result kids(const cv_goregex_vm *re, long id, long **out, size_t *n)
{
    *n = 0;
    for (long k = nd(re, id)->kid; k >= 0; k = nd(re, k)->next) (*n)++;
    *out = malloc((*n ? *n : 1) * sizeof(long));
    CV_ENSURE(*out != NULL, CV_E_NOMEM);
    size_t i = 0;
    for (long k = nd(re, id)->kid; k >= 0; k = nd(re, k)->next) (*out)[i++] = k;
    return cv_ok();
}

/* Concatenation right to left; alternation as a chain of Alts in order. */
static cv_result comp_list(cv_goregex_vm *re, long id, uint32_t k, uint32_t *entry)
{
    long *ks;
    size_t n;
    CV_GUARD(kids(re, id, &ks, &n));
    cv_result r = cv_ok();
    bool alt = nd(re, id)->op == CV_RX_ALT;
    uint32_t e = k, rest = 0;
    for (size_t i = n; i-- > 0 && cv_is_ok(r);) {
        if (!alt) {
            r = comp(re, ks[i], e, &e);
            continue;
        }
        uint32_t a;
        r = comp(re, ks[i], k, &a);
        if (cv_is_ok(r) && i + 1 < n) r = comp_quest(re, a, false, rest, &a);
        rest = a;
    }
    free(ks);
    *entry = alt && n ? rest : e;
    return r;
}

static uint32_t empty_flag(int op)
{
    switch (op) {
    case CV_RX_BOT: return E_BOT;
    case CV_RX_EOT: return E_EOT;
    case CV_RX_BOL: return E_BOL;
    case CV_RX_EOL: return E_EOL;
    case CV_RX_WB: return E_WB;
    default: return E_NWB;
    }
}

static cv_result comp(cv_goregex_vm *re, long id, uint32_t k, uint32_t *entry)
{
    const cv_rx_node *x = nd(re, id);
    uint32_t close, body;
    switch (x->op) {
    case CV_RX_EMPTY: *entry = k; return cv_ok();
    case CV_RX_CLASS:
        CV_GUARD(emit_inst(re, I_RUNE, k, 0, entry));
        re->prog[*entry].cls = &x->cls;
        return cv_ok();
    case CV_RX_CAT:
    case CV_RX_ALT: return comp_list(re, id, k, entry);
    case CV_RX_CAP:
        CV_GUARD(emit_inst(re, I_CAP, k, (uint32_t)(2 * x->min + 1), &close));
        CV_GUARD(comp(re, x->kid, close, &body));
        return emit_inst(re, I_CAP, body, (uint32_t)(2 * x->min), entry);
    case CV_RX_REP:
        if (x->counted) return comp_counted(re, x, k, entry);
        return comp_simple(re, rep_kind(x), x->lazy, x->kid, k, entry);
    default: return emit_inst(re, I_EMPTY, k, empty_flag(x->op), entry);
    }
}

static cv_result vm_build(cv_goregex_vm *re)
{
    uint32_t fail, match, body, close;
    CV_GUARD(emit_inst(re, I_FAIL, 0, 0, &fail));
    CV_GUARD(emit_inst(re, I_MATCH, 0, 0, &match));
    CV_GUARD(emit_inst(re, I_CAP, match, 1, &close));
    CV_GUARD(comp(re, re->tree.root, close, &body));
    CV_GUARD(emit_inst(re, I_CAP, body, 0, &re->start));
    re->nslot = 2 * ((size_t)re->tree.ncap + 1);
    CV_ENSUREF(re->nslot * re->n <= CV_GOREGEX_MAX_VM_SLOTS, CV_E_LIMIT,
               "regexp: %zu groups in %u instructions is too large", re->nslot / 2 - 1, re->n);
    return cv_ok();
}

cv_result cv_goregex_vm_compile_n(const char *pattern, size_t len, cv_goregex_vm **out)
{
    cv_goregex_vm *re = calloc(1, sizeof(*re));
    CV_ENSURE(re != NULL, CV_E_NOMEM);
    cv_result r = cv_rx_parse(pattern, len, &re->tree);
    if (cv_is_ok(r)) r = vm_build(re);
    if (!cv_is_ok(r)) {
        cv_goregex_vm_free(&re);
        return r;
    }
    *out = re;
    return cv_ok();
}

void cv_goregex_vm_free(cv_goregex_vm **re)
{
    if (!re || !*re) return;
    cv_rx_tree_free(&(*re)->tree);
    free((*re)->prog);
    free(*re);
    *re = NULL;
}

int cv_goregex_vm_groups(const cv_goregex_vm *re) { return re->tree.ncap; }

const char *cv_goregex_vm_name(const cv_goregex_vm *re, int i)
{
    return i >= 0 && i <= re->tree.ncap ? re->tree.names[i] : "";
}

/* ---- machine ----------------------------------------------------------------- */

typedef struct {
    uint32_t *sparse, *dense, n;
    uint8_t *live;
    long *caps; /* nslot per dense entry */
} queue;

typedef struct {
    uint32_t pc;
    long slot, val; /* slot >= 0: restore caps[slot] = val */
} frame;

typedef struct {
    const cv_goregex_vm *re;
    const uint8_t *s;
    size_t len;
    queue q[2];
    long *match;
    frame *stack;
    bool matched;
    void *mem;
} machine;

static cv_result machine_init(machine *m, const cv_goregex_vm *re, const void *s, size_t len)
{
    size_t n = re->n, ns = re->nslot;
    size_t bytes = 2 * (2 * n * sizeof(uint32_t) + n + n * ns * sizeof(long)) + ns * sizeof(long) +
                   (2 * n + 2) * sizeof(frame);
    *m = (machine){ .re = re, .s = s, .len = len };
    long *p = calloc(bytes / sizeof(long) + 8, sizeof(long));
    CV_ENSURE(p != NULL, CV_E_NOMEM);
    m->mem = p;
    m->match = p, p += ns;
    for (int i = 0; i < 2; i++) {
        m->q[i].caps = p, p += n * ns;
    }
    m->stack = (frame *)p;
    uint32_t *u = (uint32_t *)(m->stack + 2 * n + 2);
    for (int i = 0; i < 2; i++) {
        m->q[i].sparse = u, u += n;
        m->q[i].dense = u, u += n;
    }
    uint8_t *b = (uint8_t *)u;
    m->q[0].live = b, m->q[1].live = b + n;
    return cv_ok();
}

/* Go's IsWordChar: ASCII only. */
static bool word(long r)
{
    return r >= 0 && r < 0x80 && (r == '_' || ((r | 32) >= 'a' && (r | 32) <= 'z') || (r >= '0' && r <= '9'));
}

/* Go's EmptyOpContext: which assertions hold between runes r1 and r2. */
static uint32_t context(long r1, long r2)
{
    uint32_t op = E_NWB;
    int boundary = 0;
    if (word(r1)) boundary = 1;
    else if (r1 == '\n') op |= E_BOL;
    else if (r1 < 0) op |= E_BOT | E_BOL;
    if (word(r2)) boundary ^= 1;
    else if (r2 == '\n') op |= E_EOL;
    else if (r2 < 0) op |= E_EOT | E_EOL;
    if (boundary) op ^= E_WB | E_NWB;
    return op;
}

static long rune_at(const machine *m, size_t pos, size_t *width)
{
    if (pos >= m->len) return *width = 0, EOT;
    if (m->s[pos] < 0x80) return *width = 1, m->s[pos];
    uint32_t c;
    *width = cv_rx_decode((const char *)m->s, m->len, pos, &c);
    return (long)c;
}

/* Only ASCII before pos can be a word character or a newline; anything
 * else (a multi-byte rune or a stray byte) counts as neither. */
static long rune_before(const machine *m, size_t pos)
{
    if (pos == 0) return EOT;
    return m->s[pos - 1] < 0x80 ? m->s[pos - 1] : 0xFFFD;
}

static bool class_has(const cv_rx_rset *s, long c)
{
    return c >= 0 && cv_rx_in_ranges(s->r, s->n, (uint32_t)c);
}

static void push(machine *m, size_t *sp, uint32_t pc, long slot, long val)
{
    m->stack[(*sp)++] = (frame){ pc, slot, val };
}

/* Follow pc's empty transitions at pos, adding every thread it reaches to
 * q in priority order; cap is borrowed and left as it was. */
static void add(machine *m, queue *q, uint32_t pc0, size_t pos, long *cap, uint32_t cond)
{
    size_t sp = 0, ns = m->re->nslot;
    push(m, &sp, pc0, -1, 0);
    while (sp) {
        frame f = m->stack[--sp];
        if (f.slot >= 0) {
            cap[f.slot] = f.val;
            continue;
        }
        uint32_t j = q->sparse[f.pc];
        if (f.pc == 0 || (j < q->n && q->dense[j] == f.pc)) continue;
        j = q->n++;
        q->sparse[f.pc] = j, q->dense[j] = f.pc, q->live[j] = 0;
        const inst *i = &m->re->prog[f.pc];
        switch (i->op) {
        case I_ALT: push(m, &sp, i->arg, -1, 0); push(m, &sp, i->out, -1, 0); break;
        case I_EMPTY: if ((i->arg & ~cond) == 0) push(m, &sp, i->out, -1, 0); break;
        case I_NOP: push(m, &sp, i->out, -1, 0); break;
        case I_CAP:
            push(m, &sp, 0, (long)i->arg, cap[i->arg]);
            cap[i->arg] = (long)pos;
            push(m, &sp, i->out, -1, 0);
            break;
        default:
            q->live[j] = 1;
            memcpy(q->caps + (size_t)j * ns, cap, ns * sizeof(long));
        }
    }
}

/* Advance every thread of runq over rune c (at pos, ending at next). */
static void step(machine *m, queue *runq, queue *nextq, size_t pos, size_t next, long c, uint32_t cond)
{
    size_t ns = m->re->nslot;
    for (uint32_t j = 0; j < runq->n; j++) {
        if (!runq->live[j]) continue;
        const inst *i = &m->re->prog[runq->dense[j]];
        long *cap = runq->caps + (size_t)j * ns;
        if (i->op == I_MATCH) {
            cap[1] = (long)pos;
            memcpy(m->match, cap, ns * sizeof(long));
            m->matched = true;
            break; /* leftmost-first: lower-priority threads are dropped */
        }
        if (class_has(i->cls, c)) add(m, nextq, i->out, next, cap, cond);
    }
    runq->n = 0;
}

static bool run(machine *m, size_t pos)
{
    queue *runq = &m->q[0], *nextq = &m->q[1];
    runq->n = nextq->n = 0;
    m->matched = false;
    for (size_t i = 0; i < m->re->nslot; i++) m->match[i] = -1;
    size_t w, w1 = 0;
    long r = rune_at(m, pos, &w), r1 = r == EOT ? EOT : rune_at(m, pos + w, &w1);
    uint32_t cond = context(rune_before(m, pos), r);
    for (;;) {
        if (runq->n == 0 && m->matched) break;
        if (!m->matched) {
            m->match[0] = (long)pos;
            add(m, runq, m->re->start, pos, m->match, cond);
        }
        cond = context(r, r1);
        step(m, runq, nextq, pos, pos + w, r, cond);
        if (w == 0) break;
        pos += w;
        r = r1, w = w1;
        if (r != EOT) r1 = rune_at(m, pos + w, &w1);
        queue *t = runq;
        runq = nextq, nextq = t;
    }
    return m->matched;
}

cv_result cv_goregex_find_submatch(const cv_goregex_vm *re, const void *bytes, size_t len,
                                   size_t start, long *slots, size_t nslots, bool *found)
{
    machine m;
    CV_GUARD(machine_init(&m, re, bytes, len));
    *found = start <= len && run(&m, start);
    for (size_t i = 0; *found && i < nslots && i < re->nslot; i++) slots[i] = m.match[i];
    free(m.mem);
    return cv_ok();
}

/* ---- ReplaceAllString ----------------------------------------------------------- */

static bool name_rune(uint32_t c)
{
    if (c < 0x80) return c == '_' || ((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9');
    return cv_rx_letter_or_digit(c);
}

/* Go's extract: after a '$', a name or ${name}; *used is how many template
 * bytes it took, 0 when malformed. *num is the group number or -1. */
static size_t extract(const char *t, size_t n, size_t *name_at, size_t *name_len, long *num)
{
    size_t i = 0, brace = n > 0 && t[0] == '{';
    i = brace;
    while (i < n) {
        uint32_t c;
        size_t w = cv_rx_decode(t, n, i, &c);
        if (!name_rune(c)) break;
        i += w;
    }
    if (i == brace) return 0;
    *name_at = brace, *name_len = i - brace;
    if (brace) {
        if (i >= n || t[i] != '}') return 0;
        i++;
    }
    const char *nm = t + brace;
    *num = 0;
    for (size_t k = 0; k < *name_len; k++) {
        if (nm[k] < '0' || nm[k] > '9' || *num >= 100000000) {
            *num = -1;
            break;
        }
        *num = *num * 10 + (nm[k] - '0');
    }
    if (nm[0] == '0' && *name_len > 1) *num = -1;
    return i;
}

static cv_result add_group(const cv_goregex_vm *re, const uint8_t *src, const long *a, long g,
                           cv_buf *out)
{
    if (g < 0 || g > re->tree.ncap || a[2 * g] < 0) return cv_ok();
    return cv_buf_add(out, src + a[2 * g], (size_t)(a[2 * g + 1] - a[2 * g]));
}

static long group_named(const cv_goregex_vm *re, const long *a, const char *nm, size_t n)
{
    for (int i = 0; i <= re->tree.ncap; i++)
        if (strlen(re->tree.names[i]) == n && memcmp(re->tree.names[i], nm, n) == 0 && a[2 * i] >= 0)
            return i;
    return -1;
}

/* Go's Regexp.expand of template t for match a. */
static cv_result expand(const cv_goregex_vm *re, const char *t, size_t n, const uint8_t *src,
                        const long *a, cv_buf *out)
{
    for (;;) {
        const char *d = memchr(t, '$', n);
        if (!d) break;
        CV_GUARD(cv_buf_add(out, t, (size_t)(d - t)));
        n -= (size_t)(d - t) + 1, t = d + 1;
        if (n && t[0] == '$') {
            CV_GUARD(cv_buf_add_byte(out, '$'));
            t++, n--;
            continue;
        }
        size_t at, len, used;
        long num;
        if (!(used = extract(t, n, &at, &len, &num))) {
            CV_GUARD(cv_buf_add_byte(out, '$'));
            continue;
        }
        long g = num >= 0 ? num : group_named(re, a, t + at, len);
        CV_GUARD(add_group(re, src, a, g, out));
        t += used, n -= used;
    }
    return cv_buf_add(out, t, n);
}

cv_result cv_goregex_replace_all(const cv_goregex_vm *re, const void *src, size_t len,
                                 const char *tmpl, size_t tlen, cv_buf *out)
{
    machine m;
    CV_GUARD(machine_init(&m, re, src, len));
    const uint8_t *s = src;
    size_t last = 0, pos = 0;
    cv_result r = cv_ok();
    while (cv_is_ok(r) && pos <= len && run(&m, pos)) {
        const long *a = m.match;
        size_t a0 = (size_t)a[0], a1 = (size_t)a[1], w = 0;
        r = cv_buf_add(out, s + last, a0 - last);
        if (cv_is_ok(r) && (a1 > last || a0 == 0)) r = expand(re, tmpl, tlen, s, a, out);
        last = a1;
        if (pos < len) (void)rune_at(&m, pos, &w);
        if (pos + w > a1) pos += w;
        else if (pos + 1 > a1) pos++;
        else pos = a1;
    }
    if (cv_is_ok(r)) r = cv_buf_add(out, s + last, len - last);
    free(m.mem);
    return r;
}
