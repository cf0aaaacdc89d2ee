# prise — a terminal tutor for socket programming.
#
#   make          build build/prise
#   make run      install what is missing (Debian), build, start the tutor
#   make check    install what is missing (Debian), build, run every test
#   make bench    time `prise check` against the compiler alone
#   make asan     build and test under AddressSanitizer and UBSan
#   make install  PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/prise
LIBDIR ?= $(PREFIX)/lib/prise
CC ?= cc
CFLAGS ?= -O2 -g
B ?= build

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wcast-qual -Wwrite-strings
PKGS := ncursesw sqlite3
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

ALL_CFLAGS = -std=gnu11 $(WARN) -MMD -MP -iquote tutor -I$(B)/gen $(PKG_CFLAGS) \
	-DPRISE_DATADIR='"$(DATADIR)"' -DPRISE_LIBDIR='"$(LIBDIR)"' $(CFLAGS)
ALL_LDFLAGS = $(LDFLAGS)
LIBS_ALL = $(PKG_LIBS) -lpthread

# The stub and the drivers are linked into learners' programs: built on
# their own, never with the sanitizers of an asan build.
STUB_CFLAGS = -std=gnu11 $(WARN) -O2 -g -Itutor/stub

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n'
endif

SRC := $(filter-out tutor/main.c,$(wildcard tutor/*.c))
OBJ := $(SRC:tutor/%.c=$(B)/obj/%.o) $(B)/obj/migrations.o
MIGRATIONS := $(sort $(wildcard db/[0-9]*.sql))
DRIVER_SRC := $(wildcard exercises/*/driver.c)
DRIVERS := $(patsubst exercises/%/driver.c,$(B)/drivers/%.o,$(DRIVER_SRC))
TEST_SRC := $(wildcard tests/unit/*.c)
TEST_OBJ := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%.o)

.PHONY: all run check test bench asan install uninstall clean deps
all: $(B)/prise $(B)/stub.o $(DRIVERS)

$(B)/prise: $(B)/obj/main.o $(OBJ)
	$(say) LD $@
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_ALL)

$(B)/obj/%.o: tutor/%.c | $(B)/obj $(B)/gen/migrations.c
	$(say) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/gen/migrations.c: $(MIGRATIONS) scripts/embed-sql.sh | $(B)/gen
	$(say) GEN $@
	$(Q)sh scripts/embed-sql.sh $@ $(MIGRATIONS)

$(B)/obj/migrations.o: $(B)/gen/migrations.c
	$(say) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-variable-declarations -c -o $@ $<

$(B)/stub.o: tutor/stub/stub.c tutor/stub/prise_stub.h | $(B)
	$(say) CC $<
	$(Q)$(CC) $(STUB_CFLAGS) -c -o $@ $<

$(B)/drivers/%.o: exercises/%/driver.c tutor/stub/prise_stub.h | $(B)/drivers
	$(say) CC $<
	$(Q)$(CC) $(STUB_CFLAGS) -c -o $@ $<

$(B)/tests/%.o: tests/unit/%.c | $(B)/tests
	$(say) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(B)/bench_ccline: tests/bench/ccline.c $(OBJ) | $(B)
	$(say) LD $@
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(OBJ) $(LIBS_ALL)

$(B)/bench_startup: tests/bench/startup.c $(OBJ) | $(B)
	$(say) LD $@
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(OBJ) $(LIBS_ALL) -lutil

$(B)/bench_fill: tests/bench/fill.c $(OBJ) | $(B)
	$(say) LD $@
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(OBJ) $(LIBS_ALL)

$(B)/check_prise: $(TEST_OBJ) $(OBJ)
	$(say) LD $@
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LIBS_ALL)

$(B) $(B)/obj $(B)/gen $(B)/drivers $(B)/tests:
	$(Q)mkdir -p $@

deps:
	$(Q)sh scripts/deps.sh

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(B)/prise

check: deps
	$(Q)$(MAKE) --no-print-directory test

test: all $(B)/check_prise
	$(Q)tests/run.sh $(B)

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(B)/bench_ccline $(B)/bench_startup $(B)/bench_fill
	$(Q)sh tests/bench.sh $(B)

asan: deps
	$(Q)$(MAKE) --no-print-directory B=build/asan \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" test

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(LIBDIR)/drivers
	install -m 755 $(B)/prise $(DESTDIR)$(BINDIR)/prise
	install -m 644 $(B)/stub.o $(DESTDIR)$(LIBDIR)/stub.o
	for d in $(DRIVERS); do install -m 644 $$d $(DESTDIR)$(LIBDIR)/drivers/; done
	cp -R exercises solutions $(DESTDIR)$(DATADIR)/
	rm -f $(DESTDIR)$(DATADIR)/exercises/*/driver.c

uninstall:
	rm -rf $(DESTDIR)$(BINDIR)/prise $(DESTDIR)$(DATADIR) $(DESTDIR)$(LIBDIR)

clean:
	rm -rf build

-include $(wildcard $(B)/obj/*.d $(B)/tests/*.d)
