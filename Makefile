# Gantry build.  `make` builds build/; `make SAN=1` builds build-san/ with
# AddressSanitizer and UndefinedBehaviorSanitizer; `make check` runs every
# test (see tests/run.sh).  Sources are found by layer folder, so a new .c
# file in a layer needs no change here.

.DEFAULT_GOAL := all
CC ?= gcc
SAN ?=
ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT := -O1
else
BUILD ?= build
SANFLAGS :=
OPT := -O2
endif

# Debian packages behind these are installed by scripts/deps.sh.
PKGS_RUNTIME := jansson libseccomp libcap
PKGS := $(PKGS_RUNTIME) libarchive libcurl gnutls nettle libmnl libnftables sqlite3

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS_RUNTIME := $(shell pkg-config --libs $(PKGS_RUNTIME) 2>/dev/null)
LIBS_ALL := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 -Wvla \
        -Wno-missing-field-initializers -Wno-format-nonliteral -Wno-format-truncation
CFLAGS ?= $(OPT) -g
override CFLAGS += -std=gnu11 -D_GNU_SOURCE -I. $(WARN) $(PKG_CFLAGS) $(SANFLAGS) -MMD -MP \
        -fno-strict-aliasing
override LDFLAGS += $(SANFLAGS)

# Layers, lowest first (DESIGN.md).  A layer may use only the ones before it.
LAYERS := base oci image net engine http docker store kube
layer_srcs = $(wildcard $(1)/*.c $(1)/*/*.c)
layer_lib = $(BUILD)/lib$(1).a
PRESENT_LAYERS := $(foreach L,$(LAYERS),$(if $(call layer_srcs,$(L)),$(L)))
reverse = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
REV_LAYERS := $(call reverse,$(PRESENT_LAYERS))
ALL_LIBS := $(foreach L,$(REV_LAYERS),$(call layer_lib,$(L)))

define layer_rule
$(1)_OBJS := $$(patsubst %.c,$(BUILD)/obj/%.o,$$(call layer_srcs,$(1)))
$(call layer_lib,$(1)): $$($(1)_OBJS)
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach L,$(PRESENT_LAYERS),$(eval $(call layer_rule,$(L))))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(CC) $(CFLAGS) -c -o $@ $<

# Binaries.  gantry-runtime links only base and oci (and their three
# libraries): it is exec'd once per container.
RUNTIME_LIBS := $(filter $(ALL_LIBS),$(call layer_lib,oci) $(call layer_lib,base))
GANTRY_SRCS := $(filter-out cmd/gantry-runtime.c cmd/gantry-cni-bridge.c,$(wildcard cmd/gantry*.c))
GANTRY_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(GANTRY_SRCS))

BINS := $(BUILD)/gantry-runtime $(BUILD)/gantry $(BUILD)/gantry-cni-bridge

all: $(BINS) unit-tests

$(BUILD)/gantry-runtime: $(BUILD)/obj/cmd/gantry-runtime.o $(RUNTIME_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_RUNTIME)

# gantry-cni-bridge, the CNI plugin, links only base and net: it is exec'd
# once per container attach and detach.
PKGS_NET := jansson libmnl libnftables
LIBS_NET := $(shell pkg-config --libs $(PKGS_NET) 2>/dev/null) -lpthread
NET_PLUGIN_LIBS := $(filter $(ALL_LIBS),$(call layer_lib,net) $(call layer_lib,base))

$(BUILD)/gantry-cni-bridge: $(BUILD)/obj/cmd/gantry-cni-bridge.o $(NET_PLUGIN_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_NET)

$(BUILD)/gantry: $(GANTRY_OBJS) $(ALL_LIBS)
	$(CC) $(LDFLAGS) -o $@ $(GANTRY_OBJS) -Wl,--start-group $(ALL_LIBS) -Wl,--end-group $(LIBS_ALL)

# Unit tests: tests/unit/test_<module>.c -> $(BUILD)/tests/test_<module>
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/obj/tests/unit/unit.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/obj/tests/unit/unit.o -Wl,--start-group $(ALL_LIBS) -Wl,--end-group $(LIBS_ALL)

unit-tests: $(UNIT_BINS)

check: all
	tests/run.sh

clean:
	rm -rf build build-san

.PHONY: all check clean unit-tests
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
