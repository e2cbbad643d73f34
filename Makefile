# gicat - build, test, demo, bench, install.
#   make                 builds ./gicat
#   make test            builds and runs every test (last line: N passed, N failed)
#   make demo            a small GenImage-like corpus, ingested and queried
#   make bench           the benchmarks (figures beside their references)
#   make fuzz            fuzzes the parsers with libFuzzer (clang; FUZZ_SECONDS)
#   make SANITIZE=address,undefined test
#   make install PREFIX=/usr/local

PREFIX ?= /usr/local
CC ?= cc
PKGS := sqlite3 libcurl libpng libjpeg openssl jansson inih libarchive libdeflate zlib
TEST_PKGS := cmocka

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wcast-align -Wwrite-strings -Wformat=2 -Wundef \
	-Wvla -Wnull-dereference -Wimplicit-fallthrough -Wold-style-definition
CFLAGS ?= -O2 -g
# libcurl and libarchive are opened by the commands that need them, not
# linked (catalog/dl.h: their 40 dependencies took 23 ms of every start);
# by the sonames of the libraries pkg-config names
DL_PKGS := libcurl libarchive
soname = $(shell objdump -p "$$(pkg-config --variable=libdir $(1) 2>/dev/null)/$(1).so" \
	2>/dev/null | awk '$$1 == "SONAME" {print $$2}')
CURL_SONAME := $(or $(call soname,libcurl),libcurl.so.4)
ARCHIVE_SONAME := $(or $(call soname,libarchive),libarchive.so.13)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -MMD -MP -Icatalog -Ibuild \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
	-DGIC_CURL_SONAME='"$(CURL_SONAME)"' -DGIC_ARCHIVE_SONAME='"$(ARCHIVE_SONAME)"'
LIBS = $(shell pkg-config --libs $(filter-out $(DL_PKGS),$(PKGS)) 2>/dev/null) -lpthread -lm
ifdef SANITIZE
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDSAN = -fsanitize=$(SANITIZE)
# ThreadSanitizer instruments the resolvers that pick a function's clone
# for the CPU, which the loader runs before it is ready: no clones then.
ifneq ($(findstring thread,$(SANITIZE)),)
ALL_CFLAGS += -DGIC_NO_CLONES
endif
endif

LIB_SRC := $(sort $(wildcard catalog/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test-*.c))
FIX_SRC := $(sort $(wildcard tests/fixtures/mk*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz-*.c))
EMBED := $(sort $(wildcard migrations/*.sql)) schema/imagenet_classes.tsv \
	schema/generators.tsv \
	$(sort $(wildcard tasks/*/*.ini))

LIB_OBJ := $(LIB_SRC:%.c=build/%.o) build/embed.o
CLI_OBJ := $(CLI_SRC:%.c=build/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/tests/%)
FIX_BIN := $(FIX_SRC:tests/fixtures/%.c=build/fixtures/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=build/bench/%)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)

all: deps-build gicat $(FIX_BIN)

# what each target needs, checked (installed, as root) first: building
# needs the libraries only; the tests and benchmarks their references.
# One check at a time, and before any compiling, even under make -j (two
# apt-get runs would meet on dpkg's lock).
deps-build:
	@scripts/deps.sh build
deps-demo deps-test deps-bench: deps-build
	@scripts/deps.sh $(@:deps-%=%)

gicat: $(CLI_OBJ) build/libgicat.a
	@echo "  LD $@"
	@$(CC) $(LDSAN) -o $@ $(CLI_OBJ) build/libgicat.a $(LIBS)

build/libgicat.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

# Everything compiled depends on the flags it was compiled with, so that
# `make test SANITIZE=...` after a plain build rebuilds (git's GIT-CFLAGS).
build/FLAGS: FORCE
	@mkdir -p build
	@echo '$(CC) $(ALL_CFLAGS) $(LDSAN)' > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

build/%.o: %.c build/FLAGS | deps-build
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

# the directories too: a migration removed changes the list, not a file
build/embed.c: scripts/embed.sh $(EMBED) $(sort $(dir $(EMBED)))
	@mkdir -p build
	@scripts/embed.sh $(EMBED) > $@.tmp && mv $@.tmp $@

build/embed.o: build/embed.c build/FLAGS
	@$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c -o $@ $<

build/tests/%: tests/unit/%.c build/libgicat.a | deps-test
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(TEST_PKGS)) -o $@ $< \
		$(filter %.o,$^) build/libgicat.a $(LDSAN) $(LIBS) \
		$(shell pkg-config --libs $(TEST_PKGS))

# The test-probe-* unit tests share the helpers of testprobe.h.
$(filter build/tests/test-probe-%,$(UNIT_BIN)): build/tests/unit/testprobe.o
build/tests/unit/testprobe.o: ALL_CFLAGS += $(shell pkg-config --cflags $(TEST_PKGS))

# Fixture generators are tests/fixtures/mk*.c; mkgenimage's pictures and
# encoders are in fiximage.c (fiximage.h).
build/fixtures/%: tests/fixtures/%.c build/libgicat.a
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(filter %.o,$^) build/libgicat.a $(LDSAN) $(LIBS)

build/fixtures/mkgenimage: build/tests/fixtures/fiximage.o

build/bench/%: bench/%.c build/libgicat.a
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(ALL_CFLAGS) -o $@ $< build/libgicat.a $(LDSAN) $(LIBS)

# Fuzz targets built with fuzz/driver.c instead of libFuzzer: they replay
# files (the saved corpus in fuzz/corpus/), for make test.
build/fuzz/%: fuzz/%.c build/fuzz/driver.o build/libgicat.a
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(filter %.o,$^) build/libgicat.a $(LDSAN) $(LIBS)

.SECONDARY: build/fuzz/driver.o

test: deps-test all $(UNIT_BIN) $(FUZZ_BIN)
	@tests/run

fuzz: deps-test build/embed.c
	@PKGS="$(PKGS)" fuzz/run.sh $(FUZZ_SRC:fuzz/%.c=%)

demo: deps-demo all
	@scripts/demo.sh

bench: deps-bench gicat $(BENCH_BIN) $(FIX_BIN)
	@bench/run.sh

install: gicat
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/gicat/tasks
	install -m 755 gicat $(DESTDIR)$(PREFIX)/bin/gicat
	cp -R tasks/. $(DESTDIR)$(PREFIX)/share/gicat/tasks/

clean:
	rm -rf build gicat

.PHONY: all deps-build deps-demo deps-test deps-bench test demo bench fuzz install clean FORCE
-include $(shell find build -name '*.d' 2>/dev/null)
