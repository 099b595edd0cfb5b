# interferon: build, test and install.  Variable names follow LuaRocks'
# (CFLAGS, LIBFLAG, LUA_INCDIR, YAML_INCDIR, YAML_LIBDIR) so that this file
# and the rockspec never drift.  `make LUA=lua5.3` builds for another Lua.

LUA ?= lua5.4
LUA_BIN = $(notdir $(LUA))
LUA_VERSION = $(shell $(LUA) -e 'io.write((_VERSION:gsub("Lua ", "")))' 2>/dev/null)
ifneq ($(filter luajit%,$(LUA_BIN)),)
LUA_INCDIR ?= /usr/include/luajit-2.1
LUA_DEB = luajit libluajit-5.1-dev
else
LUA_INCDIR ?= /usr/include/$(LUA_BIN)
LUA_DEB = $(LUA_BIN) lib$(LUA_BIN)-dev
endif
YAML_INCDIR ?= /usr/include
YAML_LIBDIR ?= /usr/lib/x86_64-linux-gnu

CC ?= cc
CFLAGS ?= -O2 -fPIC
LIBFLAG ?= -shared
WARNINGS = -std=c99 -Wall -Wextra -pedantic -Wshadow -Wcast-qual \
  -Wmissing-prototypes -Wstrict-prototypes -Wwrite-strings -Werror
ALL_CFLAGS = $(CFLAGS) $(WARNINGS) -fvisibility=hidden \
  -I$(LUA_INCDIR) -I$(YAML_INCDIR) -Icsrc
LIBS = -L$(YAML_LIBDIR) -lyaml

BUILD = build/$(LUA_BIN)
MODULE = $(BUILD)/interferon/core.so
SOURCES = $(wildcard csrc/*.c)
CORE_OBJECTS = $(patsubst csrc/%.c,$(BUILD)/obj/%.o,$(SOURCES)) $(BUILD)/obj/bundled.o \
  $(BUILD)/obj/matchdata.o
OBJECTS = $(CORE_OBJECTS) $(BUILD)/obj/kbimage.o
HEADERS = $(wildcard csrc/*.h)
KB_FILES = $(sort $(wildcard data/kb/*.yaml))
MATCH_FILES = data/match/words.txt data/match/context.txt
# real words, so that an approximate match is a misspelling, not another
# word (Debian's wamerican); read at build time only
DICTIONARY ?= /usr/share/dict/american-english
# The build-time image of the bundled KB (csrc/image.h): a first-stage
# module without it (STAGE) compiles data/kb/ with this checkout's Lua
# modules, and csrc/image.lua writes the result as C data.  The stage is
# always an ordinary build of its own, so that a sanitizer build (which
# the stock interpreter cannot load unaided) reuses the same image.
IMAGE_BUILD = build/image-$(LUA_BIN)
IMAGE_C = $(IMAGE_BUILD)/kbimage.c
STAGE = $(BUILD)/stage/interferon/core.so
IMAGE_LUA = $(LUA_FILES)
# the C sources made at build time: the bundled KB, the matcher's word
# lists, the KB's image
GENERATED = $(BUILD)/bundled.c $(BUILD)/matchdata.c $(IMAGE_C)
LUA_FILES = $(wildcard lua/interferon/*.lua)

# Debian packages each target needs (installed by `make deps` as root)
DEB_BUILD = $(LUA_DEB) libyaml-dev wamerican
DEB_TEST = $(DEB_BUILD) lua-busted lua-check luarocks chromium

# the checkout's own modules first, then the system's
RUN_ENV = env -u LUA_PATH_5_1 -u LUA_PATH_5_2 -u LUA_PATH_5_3 -u LUA_PATH_5_4 \
  -u LUA_CPATH_5_1 -u LUA_CPATH_5_2 -u LUA_CPATH_5_3 -u LUA_CPATH_5_4 \
  LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='$(BUILD)/?.so;;'

.PHONY: all test demo repl install install-lib install-bin clean deps \
  deps-build lint stage

all: $(MODULE)

$(MODULE): $(OBJECTS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBFLAG) -o $@ $(OBJECTS) $(LIBS)

stage: $(STAGE)

$(STAGE): $(CORE_OBJECTS) $(BUILD)/obj/kbimage0.o
	@mkdir -p $(dir $@)
	$(CC) $(LIBFLAG) -o $@ $(CORE_OBJECTS) $(BUILD)/obj/kbimage0.o $(LIBS)

$(BUILD)/kbimage0.c: csrc/image.lua
	@mkdir -p $(dir $@)
	$(LUA) csrc/image.lua --empty $@

$(IMAGE_C): csrc/image.lua $(KB_FILES) $(MATCH_FILES) $(SOURCES) $(HEADERS) \
    csrc/embed.lua csrc/wordlists.lua $(IMAGE_LUA)
	@$(MAKE) --no-print-directory BUILD=$(IMAGE_BUILD) CFLAGS='-O2 -fPIC' \
	  LIBFLAG=-shared stage
	env LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='$(IMAGE_BUILD)/stage/?.so;;' \
	  $(LUA) csrc/image.lua $@

$(BUILD)/obj/kbimage.o: $(IMAGE_C) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/kbimage0.o: $(BUILD)/kbimage0.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: csrc/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/bundled.c: csrc/embed.lua $(KB_FILES)
	@mkdir -p $(dir $@)
	$(LUA) csrc/embed.lua $@ $(KB_FILES)

$(BUILD)/obj/bundled.o: $(BUILD)/bundled.c csrc/bundled.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/matchdata.c: csrc/wordlists.lua $(MATCH_FILES)
	@mkdir -p $(dir $@)
	$(LUA) csrc/wordlists.lua $@ $(MATCH_FILES) $(DICTIONARY)

$(BUILD)/obj/matchdata.o: $(BUILD)/matchdata.c csrc/wordlists.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

deps:
	@sh .ci/deps $(DEB_TEST)

deps-build:
	@sh .ci/deps $(DEB_BUILD)

# Two tiers: the core suite (every spec but those tagged #external) runs
# on every Lua and under the sanitizers; the external specs (luarocks
# install, headless Chromium, the Node schema validator, python3's strict
# JSON, a terminal) test the outside world once, in `make test`.
CORE = --exclude-tags=external
DEB_TEST += python3

test: deps node-deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory lint
	@$(RUN_ENV) INTERFERON_LUA=$(LUA) bash spec/run $(LUA)

lint:
	luacheck -q lua spec examples

# the JSON Schema validator of the interop specs (spec/validate.js): the npm
# packages pinned by spec/package-lock.json, installed into build/node
.PHONY: node-deps
NODE_DIR = build/node
node-deps: $(NODE_DIR)/node_modules/.installed

$(NODE_DIR)/node_modules/.installed: spec/package.json spec/package-lock.json
	@mkdir -p $(NODE_DIR)
	cp spec/package.json spec/package-lock.json $(NODE_DIR)/
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# ---------------------------------------------------------------------
# Lua versions and docs (issue 7).  `make test LUA=luajit` (or lua5.1,
# lua5.2, lua5.3) runs the suite on one Lua; `make test-all` lints once,
# then builds and runs the core suite on every Lua of LUAS, each in its own
# build/LUA_BIN, compares the command's output across them (spec/same),
# and ends with one line per version and the total "N passed, N failed,
# N skipped".
# `make docs` renders the API reference with LDoc (config.ld) into
# build/docs; any LDoc warning fails it.
LUAS = lua5.1 lua5.2 lua5.3 lua5.4 luajit
SAME_LUAS = lua5.4 $(filter-out lua5.4,$(LUAS))
ifeq ($(LUA_BIN),lua5.1)
LUA_DEB = lua5.1 liblua5.1-0-dev
endif
DEB_ALL = lua5.1 liblua5.1-0-dev lua5.2 liblua5.2-dev lua5.3 liblua5.3-dev \
  lua5.4 liblua5.4-dev luajit libluajit-5.1-dev libyaml-dev lua-busted \
  lua-check lua-ldoc luarocks
DOCS = build/docs

.PHONY: deps-all test-all test-suite docs

deps-all:
	@sh .ci/deps $(DEB_ALL)

# the core suite on $(LUA) alone: no package check, no lint
test-suite:
	@$(MAKE) --no-print-directory all
	@$(RUN_ENV) INTERFERON_LUA=$(LUA) bash spec/run $(LUA) $(CORE)

test-all: deps-all
	@$(MAKE) --no-print-directory lint
	@mkdir -p build; rm -f build/test-all.txt; status=0; \
	for l in $(LUAS); do \
	  echo "== $$l"; \
	  $(MAKE) --no-print-directory LUA=$$l test-suite > build/test-$$l.log 2>&1 \
	    || status=1; \
	  grep -A 8 '^not ok' build/test-$$l.log | head -n 80; \
	  line=$$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$$' build/test-$$l.log | tail -n 1); \
	  [ -n "$$line" ] || { tail -n 20 build/test-$$l.log; line="0 passed, 1 failed, 0 skipped"; }; \
	  echo "$$l: $$line" | tee -a build/test-all.txt; \
	done; \
	echo "== the same output on every version (spec/same)"; \
	bash spec/same $(SAME_LUAS) > build/test-same.log 2>&1 || status=1; \
	grep -v '^[0-9]* passed' build/test-same.log | head -n 80; \
	echo "same output: $$(tail -n 1 build/test-same.log), 0 skipped" | tee -a build/test-all.txt; \
	awk '{ p += $$(NF-5); f += $$(NF-3); s += $$(NF-1) } \
	  END { print p " passed, " f " failed, " s " skipped" }' build/test-all.txt; \
	exit $$status

docs:
	@sh .ci/deps lua-ldoc
	@rm -rf $(DOCS) && mkdir -p $(DOCS)
	ldoc --fatalwarnings -q -d $(DOCS) .
	@echo "API reference: $(DOCS)/index.html"

# the rockspec and `make install`: luarocks lint, an offline `luarocks make`
# into a fresh tree for each Lua 5.x, and `make install PREFIX=...` for every
# Lua of LUAS; each installed command and module is run from /
ROCK_VERSIONS = 5.1 5.2 5.3 5.4
.PHONY: check-install

check-install: deps-all
	luarocks lint interferon-scm-1.rockspec
	@for v in $(ROCK_VERSIONS); do \
	  tree=$(CURDIR)/build/rocks-$$v; rm -rf $$tree; \
	  echo "luarocks --lua-version $$v make --tree $$tree"; \
	  luarocks --lua-version $$v make --tree $$tree interferon-scm-1.rockspec \
	    > build/rocks-$$v.log 2>&1 || { tail -n 30 build/rocks-$$v.log; exit 1; }; \
	  (cd / && $$tree/bin/interferon --version) || exit 1; \
	  (cd / && eval "$$(luarocks --lua-version $$v path --tree $$tree)" && \
	    lua$$v -e 'print(require("interferon").default())') || exit 1; \
	done
	@for l in $(LUAS); do \
	  prefix=$(CURDIR)/build/prefix-$$l; rm -rf $$prefix; \
	  echo "make install LUA=$$l PREFIX=$$prefix"; \
	  $(MAKE) --no-print-directory LUA=$$l PREFIX=$$prefix install \
	    > build/install-$$l.log 2>&1 || { tail -n 30 build/install-$$l.log; exit 1; }; \
	  (cd / && $$prefix/bin/interferon --version) || exit 1; \
	done

demo: deps-build
	@$(MAKE) --no-print-directory all
	@$(RUN_ENV) $(LUA) lua/interferon/cli.lua screen examples/patient.yaml; \
	  status=$$?; [ $$status -le 1 ] || exit $$status

repl: deps-build
	@$(MAKE) --no-print-directory all
	@$(RUN_ENV) $(LUA) -i -e 'ifn = require("interferon"); print(ifn._VERSION .. ": try ifn.lookup(\"Ativan\"), ifn.default():explain(\"condition.depression\"), ifn.screen({ medications = { \"Xanax 0.5mg\" } })")'

# `make install PREFIX=/usr/local` without LuaRocks; LuaRocks calls
# install-lib with its own INST_* directories and installs the command itself
PREFIX ?= /usr/local
INST_LUADIR ?= $(PREFIX)/share/lua/$(LUA_VERSION)
INST_LIBDIR ?= $(PREFIX)/lib/lua/$(LUA_VERSION)
INST_BINDIR ?= $(PREFIX)/bin

install: install-lib install-bin

# The Lua modules are installed precompiled (issue 14): the interpreter
# being installed for dumps each one with string.dump, debug information
# kept, which saves most of the cost of `require` (see README,
# Performance).  Tracebacks still name file and line, as
# "interferon/util.lua:13" (LuaRocks installs from a staging directory, so
# an absolute chunk name would name a path that is gone).  PRECOMPILE=no
# installs the sources instead.
PRECOMPILE ?= yes
PRECOMPILE_LUA = local s, d = os.getenv("SRC"), os.getenv("DST"); \
  local f = assert(io.open(s, "rb")); local t = f:read("*a"); f:close(); \
  local fn = assert((loadstring or load)(t, "@" .. os.getenv("NAME"))); \
  local o = assert(io.open(d, "wb")); o:write(string.dump(fn)); o:close()
# $(call precompile,DIR): lua/interferon/*.lua into DIR/interferon/
precompile = mkdir -p $(1)/interferon && for f in lua/interferon/*.lua; do \
  NAME=interferon/$${f\#\#*/}; SRC=$$f DST=$(1)/$$NAME NAME=$$NAME \
  $(LUA) -e '$(PRECOMPILE_LUA)' || exit 1; done

install-lib: all
	mkdir -p $(INST_LUADIR)/interferon $(INST_LIBDIR)/interferon
ifeq ($(PRECOMPILE),no)
	cp lua/interferon/*.lua $(INST_LUADIR)/interferon/
else
	$(call precompile,$(INST_LUADIR))
endif
	cp $(MODULE) $(INST_LIBDIR)/interferon/core.so

install-bin:
	mkdir -p $(INST_BINDIR)
	printf '#!/bin/sh\nexec %s -e %s %s "$$@"\n' '$(LUA)' \
	  "'package.path=\"$(INST_LUADIR)/?.lua;$(INST_LUADIR)/?/init.lua;\"..package.path package.cpath=\"$(INST_LIBDIR)/?.so;\"..package.cpath'" \
	  '$(INST_LUADIR)/interferon/cli.lua' > $(INST_BINDIR)/interferon
	chmod 755 $(INST_BINDIR)/interferon

clean:
	rm -rf build

# ---------------------------------------------------------------------
# Hardening (issue 5): sanitizers, valgrind, fuzzing, out-of-memory
# injection, threads.  Each target builds into its own directory under
# build/ and leaves the ordinary build alone; the C test hosts (spec/host,
# spec/fuzz, spec/oom, spec/threads) link the core's sources directly and
# embed Lua 5.4.  `make check-hardening` runs them all; .ci/run runs each.
.PHONY: check-hardening check-asan check-valgrind fuzz fuzz-build \
  check-oom check-threads asan-suite valgrind-suite

HARD_LUA = lua5.4
HOST_LIBS = -l$(HARD_LUA) -L$(YAML_LIBDIR) -lyaml -lm -ldl
HOST_SOURCES = $(SOURCES) spec/host/host.c
HOST_INC = -I/usr/include/$(HARD_LUA) -I$(YAML_INCDIR) -Icsrc -Ispec/host
HOST_DEPS = $(HOST_SOURCES) $(HEADERS) spec/host/host.h

check-hardening: check-asan check-valgrind check-oom check-threads fuzz

# the module with ASan and UBSan (gcc's, so that the libasan preloaded
# into the stock interpreter is the one it was built against), the core
# suite under it; any report fails the run
ASAN_BUILD = build/asan-$(LUA_BIN)
ASAN_CFLAGS = -O1 -g -fPIC -fsanitize=address,undefined \
  -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_ENV = ASAN_PRELOAD="$$(gcc -print-file-name=libasan.so) $(CURDIR)/$(ASAN_BUILD)/preload.so" \
  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:exitcode=98:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1 \
  LSAN_OPTIONS=suppressions=$(CURDIR)/spec/asan/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

check-asan: deps-build
	@$(MAKE) --no-print-directory CC=gcc BUILD=$(ASAN_BUILD) \
	  CFLAGS='$(ASAN_CFLAGS)' LIBFLAG='-shared -fsanitize=address,undefined' all
	gcc -shared -fPIC -o $(ASAN_BUILD)/preload.so spec/asan/preload.c
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) asan-suite

# (MAKEFLAGS emptied: should a spec run make, it must build the ordinary
# module, not this one)
asan-suite:
	@MAKEFLAGS= MAKELEVEL= $(RUN_ENV) $(ASAN_ENV) ASAN_LUA=$(LUA) INTERFERON_LUA=$(CURDIR)/spec/asan/lua \
	  bash spec/run spec/asan/lua $(CORE)

# the core suite under valgrind memcheck (spec/valgrind/lua wraps the
# interpreter): zero errors, zero definite leaks
VALGRIND_BUILD = build/valgrind-$(LUA_BIN)

check-valgrind: deps-build
	@$(MAKE) --no-print-directory BUILD=$(VALGRIND_BUILD) CFLAGS='-O1 -g -fPIC' all
	@$(MAKE) --no-print-directory BUILD=$(VALGRIND_BUILD) valgrind-suite

valgrind-suite:
	@MAKEFLAGS= MAKELEVEL= $(RUN_ENV) VALGRIND_LUA=$(LUA) INTERFERON_LUA=$(LUA) \
	  bash spec/run spec/valgrind/lua $(CORE)

# libFuzzer harnesses: spec/fuzz/driver.c runs spec/fuzz/NAME.lua on each
# input; seeds in spec/fuzz/corpus/NAME, new inputs in build/fuzz/NAME
FUZZ_HARNESSES = decode compile reader roster normalize escape json
FUZZ_TIME ?= 45
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_BINS = $(patsubst %,build/fuzz/%,$(FUZZ_HARNESSES))

fuzz-build: $(FUZZ_BINS)

build/fuzz/%: spec/fuzz/driver.c $(HOST_DEPS) $(GENERATED)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) $(WARNINGS) -DHARNESS=$* $(HOST_INC) -o $@ \
	  spec/fuzz/driver.c $(HOST_SOURCES) $(GENERATED) $(HOST_LIBS)

fuzz: deps-build $(FUZZ_BINS)
	@for h in $(FUZZ_HARNESSES); do \
	  mkdir -p build/fuzz/corpus-$$h || exit 1; \
	  echo "fuzz $$h: $(FUZZ_TIME) s"; \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  build/fuzz/$$h -max_total_time=$(FUZZ_TIME) -max_len=4096 -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build/fuzz/$$h- \
	    build/fuzz/corpus-$$h spec/fuzz/corpus/$$h 2>build/fuzz/$$h.log || \
	    { tail -n 60 build/fuzz/$$h.log; exit 1; }; \
	  grep -E 'stat::number_of_executed_units|cov:' build/fuzz/$$h.log | tail -n 2; \
	done

# out-of-memory injection: fail allocation k (Lua's and libyaml's) for
# every k through load + screen + report of spec/oom/fixture
build/oom/host: spec/oom/host.c $(HOST_DEPS) $(GENERATED)
	@mkdir -p $(dir $@)
	gcc -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	  -fno-omit-frame-pointer -rdynamic $(WARNINGS) $(HOST_INC) -o $@ \
	  spec/oom/host.c $(HOST_SOURCES) $(GENERATED) $(HOST_LIBS)

check-oom: deps-build build/oom/host
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build/oom/host
	OOM_PART=image ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build/oom/host

# several threads, each with its own lua_State, loading and screening at
# once, under ThreadSanitizer
build/threads/host: spec/threads/host.c $(HOST_DEPS) $(GENERATED)
	@mkdir -p $(dir $@)
	clang -g -O1 -fsanitize=thread $(WARNINGS) $(HOST_INC) -o $@ \
	  spec/threads/host.c $(HOST_SOURCES) $(GENERATED) $(HOST_LIBS) -lpthread

check-threads: deps-build build/threads/host
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 build/threads/host

# ---------------------------------------------------------------------
# Benchmarks (issue 6).  `make bench` prints one table, every row a ratio
# measured in the same run (spec/bench/bench.lua): decode vs lyaml and vs
# libyaml's bare event loop (spec/bench/floor.c, built as a program for
# callgrind and as a Lua module for same-process timing), kb:screen vs
# plain Lua (spec/bench/plain.lua), unknown terms as the lexicon grows,
# the json report vs lua-cjson, a generated roster's throughput and peak
# RSS; then the start table of issue 14 (spec/bench/start.lua).  Needs
# valgrind, lua-yaml and lua-cjson; inputs are generated into
# build/bench.  `make bench-smoke` runs every row once on tiny inputs,
# without callgrind or verdicts.  BENCH_PATIENTS=N sets the roster size.
BENCH_DIR = build/bench
BENCH_ENV = env LUA_PATH='lua/?.lua;lua/?/init.lua;spec/bench/?.lua;;' \
  LUA_CPATH='$(BUILD)/?.so;$(BENCH_DIR)/?.so;;' BENCH_DIR=$(BENCH_DIR) \
  BENCH_LUA=$(LUA)

.PHONY: bench bench-smoke bench-build bench-percall

$(BENCH_DIR)/floor: spec/bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) -I$(YAML_INCDIR) -o $@ $< $(LIBS)

$(BENCH_DIR)/floor.so: spec/bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) -DFLOOR_LUA -I$(LUA_INCDIR) -I$(YAML_INCDIR) \
	  $(LIBFLAG) -o $@ $< $(LIBS)

# the start table (spec/bench/start.lua): run.c times a command and reads
# its peak RSS; probe.so lets callgrind count one call only; luac/ holds
# the modules precompiled as install-lib installs them
$(BENCH_DIR)/run: spec/bench/run.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) -o $@ $<

$(BENCH_DIR)/probe.so: spec/bench/probe.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) -I$(LUA_INCDIR) $(LIBFLAG) -o $@ $<

$(BENCH_DIR)/luac/.stamp: $(LUA_FILES)
	@$(call precompile,$(BENCH_DIR)/luac)
	@touch $@

bench-build: $(MODULE) $(BENCH_DIR)/floor $(BENCH_DIR)/floor.so $(BENCH_DIR)/run \
  $(BENCH_DIR)/probe.so $(BENCH_DIR)/luac/.stamp

bench: bench-build
	@$(BENCH_ENV) $(LUA) spec/bench/bench.lua
	@echo
	@$(BENCH_ENV) $(LUA) spec/bench/start.lua

bench-smoke: bench-build
	@$(BENCH_ENV) $(LUA) spec/bench/bench.lua --quick > /dev/null && \
	  $(BENCH_ENV) $(LUA) spec/bench/start.lua --quick > /dev/null && \
	  $(BENCH_ENV) $(LUA) spec/bench/percall.lua typical 1 && \
	  $(BENCH_ENV) $(LUA) spec/bench/percall.lua lookup 1 && echo "bench smoke: ok"

# instructions per screening and look-up call (spec/bench/percall.lua):
# a few minutes, not part of `make bench`
bench-percall: bench-build
	@$(BENCH_ENV) $(LUA) spec/bench/percall.lua

# ---------------------------------------------------------------------
# The clinical review sheet (issue 13): every entry of the bundled
# knowledge base, grouped by kind, with the version, the checksum and a
# sign-off block, written to build/review.html (lua/interferon/review.lua)
.PHONY: review
review: all
	@$(RUN_ENV) $(LUA) lua/interferon/review.lua build/review.html
