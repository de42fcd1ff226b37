# covert — one binary, one static library, globbed sources.
#
#   make            build/covert (+ build/libcovert.a and the age/sops links)
#   make test       install what is missing, build peers, run every suite
#   make asan       unit suites under AddressSanitizer + UBSan
#   make valgrind   unit suites under valgrind
#   make fuzz       libFuzzer targets (clang) in build/fuzz/
#   make bench      benchmarks against the peers (results: BENCHMARKS.md)
#   make deps       apt-get install of build and test dependencies
#   make peers      pinned peer tools into $(PEERS) (outside the repository)
#   make cluster    a test control plane (etcd + kube-apiserver) on 127.0.0.1;
#                   state in $${XDG_RUNTIME_DIR:-/tmp}/covert-cluster
#   make cluster-down  stop it
#
# Knobs: O=<build dir>, SANITIZE=address,undefined, DEVELOPER=0 drops -Werror,
#        STATIC_DEPS=0 links libsodium, libcrypto, libyaml, jansson, zlib shared.

O ?= build
CC ?= cc
DEVELOPER ?= 1
PEERS ?= $(HOME)/.cache/covert/peers
export PEERS

PKGS := libsodium openssl libcurl yaml-0.1 jansson libgit2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Linked libraries. libcurl and libgit2 are dlopened (secrets/http/curl_dl.c,
# reconcile/source/git_dl.c): only the commands that reach a server or Git
# load them. The rest are linked statically unless STATIC_DEPS=0: the dynamic
# loader would otherwise resolve ~4,200 symbol relocations of libcrypto alone
# at every start, a millisecond of each short `age`/`sops` call here (the Go
# tools covert stands in for are static binaries too). STATIC_DEPS=0 links
# them as shared libraries, for a distribution that updates them in place.
LINK_PKGS := libsodium libcrypto yaml-0.1 jansson zlib
STATIC_DEPS ?= 1
ifeq ($(STATIC_DEPS),1)
PKG_LIBS := -Wl,-Bstatic $(shell pkg-config --static --libs-only-l $(LINK_PKGS) 2>/dev/null | \
                sed 's/ -ldl//g') -Wl,-Bdynamic -ldl
else
PKG_LIBS := $(shell pkg-config --libs $(LINK_PKGS) 2>/dev/null)
endif
LIBGIT2_SONAME := libgit2.so.$(shell pkg-config --modversion libgit2 2>/dev/null | cut -d. -f1,2)
LIB_DEFS := -DCV_LIBGIT2_SONAME='"$(LIBGIT2_SONAME)"'

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wvla -Wcast-qual -Wwrite-strings \
        -Wstrict-prototypes -Wmissing-prototypes -Wconversion -Wno-sign-conversion \
        -Wimplicit-fallthrough -Wundef
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif
HARDEN := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -fno-strict-aliasing
OPT ?= -O2 -g
CFLAGS_ALL := -std=c11 $(OPT) $(WARN) $(HARDEN) -pthread -I. $(PKG_CFLAGS) \
              $(LIB_DEFS) -include crypto/base/prelude.h -MMD -MP $(CFLAGS)
LDFLAGS_ALL := -pie -Wl,-z,relro,-z,now,-z,noexecstack -pthread $(LDFLAGS)
LIBS := $(PKG_LIBS) -pthread -lm

ifneq ($(SANITIZE),)
CFLAGS_ALL += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS_ALL += -fsanitize=$(SANITIZE)
endif

LIB_SRC := $(sort $(wildcard crypto/*/*.c secrets/*/*.c reconcile/*/*.c))
CMD_SRC := $(sort $(wildcard cmd/*.c))
UNIT_SRC := $(filter-out tests/lib/doctool.c,$(sort $(wildcard tests/unit/*.c tests/lib/*.c)))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
E2E_SRC := $(sort $(wildcard tests/e2e/*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(O)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(O)/%.o)
LIB := $(O)/libcovert.a
BIN := $(O)/covert
LINKS := age age-keygen age-inspect sops
REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(O)/replay/%)
E2E_BIN := $(E2E_SRC:tests/e2e/%.c=$(O)/e2e/%)

.PHONY: all test unit asan valgrind fuzz bench deps peers clean check-deps examples \
        cluster cluster-down
all: $(BIN) $(addprefix $(O)/,$(LINKS))

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(CMD_OBJ) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $(CMD_OBJ) $(LIB) $(LIBS)

$(addprefix $(O)/,$(LINKS)): $(BIN)
	ln -sf covert $@

# Unit tests: one Criterion binary over every tests/unit/*.c.
$(O)/unit-tests: $(UNIT_OBJ) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $(UNIT_OBJ) $(LIB) $(LIBS) $(shell pkg-config --libs libcurl) -lcriterion

# Corpus replay: each fuzz target linked with a plain main() that feeds it
# every file it is given, so `make test` replays corpora without clang.
$(O)/replay/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< tests/fuzz/replay_main.c $(LIB) $(LIBS)

unit: $(O)/unit-tests

# doctool: covert's document codecs on the command line (tests/lib/doctool.c),
# compared with sops's own store code by tests/parity/codecs_parity.sh.
TESTLIB_OBJ := $(filter $(O)/tests/lib/%,$(UNIT_OBJ))
$(O)/doctool: $(O)/tests/lib/doctool.o $(TESTLIB_OBJ) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $(O)/tests/lib/doctool.o $(TESTLIB_OBJ) $(LIB) $(LIBS)
# Drivers that end-to-end suites run against the test cluster.
$(O)/e2e/%: tests/e2e/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIB) $(LIBS)

ASAN_MAKE = $(MAKE) --no-print-directory O=build-asan SANITIZE=address,undefined OPT="-O1 -g"

test: deps
	@$(MAKE) --no-print-directory all unit $(O)/doctool $(REPLAY) $(E2E_BIN)
	@$(ASAN_MAKE) build-asan/unit-tests
	@$(MAKE) --no-print-directory peers
	@tests/run.sh $(O)

asan:
	@$(ASAN_MAKE) all build-asan/unit-tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  COVERT_BIN=build-asan/covert build-asan/unit-tests --jobs 2

# Peer binaries (Go) that tests run are not traced: valgrind cannot run them.
valgrind: all unit
	valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
	  --trace-children=yes --trace-children-skip='*/peers/*,*python3*,*/node' $(O)/unit-tests --jobs 1

FUZZ_CC ?= clang
$(O)/fuzz/%: tests/fuzz/%.c $(LIB_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -g -O1 -I. $(PKG_CFLAGS) $(LIB_DEFS) -include crypto/base/prelude.h \
	  -fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_SRC) $(LIBS)
fuzz: $(FUZZ_SRC:tests/fuzz/%.c=$(O)/fuzz/%)

bench: all $(O)/stream-bench $(O)/timeit $(O)/sops-floor
	bench/run.sh $(O)
	bench/sops.sh $(O)
	bench/git_fetch.sh $(O)
	bench/kube_apply.sh $(O)
	bench/bw.sh $(O)
	bench/render.sh $(O)

$(O)/stream-bench: bench/stream_bench.c $(LIB)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIB) $(LIBS)

$(O)/sops-floor: bench/sops_floor.c
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIBS)

$(O)/timeit: bench/timeit.c
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $<

deps:
	@tests/deps.sh

peers:
	@tests/peers/build.sh

cluster:
	@tests/cluster/up.sh >/dev/null

cluster-down:
	@tests/cluster/down.sh

examples: all
	examples/run.sh $(O)

# Layering: a layer never includes a header from a layer above it.
check-deps:
	@! grep -nE '#include "(secrets|reconcile|cmd)/' crypto/*/*.c crypto/*/*.h
	@! grep -nE '#include "(reconcile|cmd)/' $(wildcard secrets/*/*.[ch]) /dev/null
	@! grep -nE '#include "cmd/' $(wildcard reconcile/*/*.[ch]) /dev/null

clean:
	rm -rf $(O) build-asan build-vg

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(O)/tests/lib/doctool.d
