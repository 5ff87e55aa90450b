# SPDX-License-Identifier: BSD-3-Clause
#
# nvmetest top-level Makefile: kbuild for the kernel module (kmod/), CMake for the
# userspace (build/). Every target is idempotent.
#
#   make demo          install what is missing, build, boot the QEMU DUT, show it,
#                      run nvmetest-io on it (report in build/demo/)
#   make check         install what is missing, build, run the whole test suite
#   make               build the module and the userspace
#   make kmod          build kmod/nvmetest.ko (KVER=<release> or KDIR=<headers dir>)
#   make userspace     configure and build build/ (library, tools, tests)
#   make deps          scripts/install-deps: apt-get what is missing
#   make install       userspace (cmake --install, PREFIX=/usr/local), the module,
#                      the udev rule and the nvmetest group
#   make dkms-install  the module through DKMS (/usr/src/nvmetest-<version>)
#   make clean         remove build/ and the module's build products
#
# KVER defaults to the kernel the QEMU guest boots (scripts/kver --build: the
# newest /boot/vmlinuz-* with modules and headers, i.e. Debian's
# linux-image-amd64 + linux-headers-amd64), not to the running kernel.

SHELL := /bin/bash
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

KVER ?= $(shell $(TOP)/scripts/kver --build)
KDIR ?= /lib/modules/$(KVER)/build
BUILD_DIR ?= $(TOP)/build
BUILD_TYPE ?= RelWithDebInfo
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE ?= cmake
CTEST ?= ctest
CTEST_ARGS ?=
UDEV_RULES_DIR ?= /lib/udev/rules.d
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' $(TOP)/dkms.conf 2>/dev/null)
ifeq ($(VERSION),)
VERSION := $(shell sed -n 's/^project(nvmetest VERSION \([0-9.]*\).*/\1/p' $(TOP)/CMakeLists.txt)
endif

# Root runs commands directly; anyone else goes through sudo for system paths.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all kmod userspace deps check demo install install-userspace install-kmod \
	dkms-install dkms-uninstall clean help

all: kmod userspace

help:
	@sed -n '3,21p' $(TOP)/Makefile | sed 's/^# \{0,1\}//'

# ------------------------------------------------------------------ build
kmod:
	@test -n "$(KVER)" || { echo "make: no kernel with headers found: run 'make deps' (linux-image-amd64 linux-headers-amd64)" >&2; exit 1; }
	@if [ -f $(TOP)/kmod/Makefile ]; then \
		$(MAKE) --no-print-directory -C $(TOP)/kmod KVER=$(KVER) KDIR=$(KDIR) modules; \
	elif [ -f $(TOP)/kmod/Kbuild ]; then \
		$(MAKE) --no-print-directory -C $(KDIR) M=$(TOP)/kmod modules; \
	else \
		echo "make: kmod/ has no Makefile or Kbuild yet: module skipped"; \
	fi

# Configure every time (cheap): components join the build as their
# CMakeLists.txt appear.
userspace:
	$(CMAKE) -S $(TOP) -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
		-DCMAKE_INSTALL_PREFIX=$(PREFIX) -DNVMETEST_KO=$(TOP)/kmod/nvmetest.ko
	$(CMAKE) --build $(BUILD_DIR) -j$(JOBS)

deps:
	@$(TOP)/scripts/install-deps

# ------------------------------------------------------------------ the two README commands
# The whole suite: unit tests on the host, device tests in the QEMU guest. The
# output ends with ctest's summary.
check: deps
	@$(MAKE) --no-print-directory all
	@cd $(BUILD_DIR) && $(CTEST) --output-on-failure $(CTEST_ARGS)

# Boot the QEMU DUT, bind it to nvmetest, show its identity, run a verified
# random write then random read with nvmetest-io; its JSON and HTML reports
# land in $(BUILD_DIR)/demo/.
demo: deps
	@$(MAKE) --no-print-directory all
	@set -o pipefail; $(TOP)/tests/vm/nvmetest-vm --timeout 600 -- $(TOP)/scripts/demo-guest $(BUILD_DIR) \
		| $(TOP)/scripts/demo-reports $(BUILD_DIR)/demo

# ------------------------------------------------------------------ install
install: install-userspace install-kmod

# Debian's headers carry no signing key: install the module unsigned instead of
# letting kbuild's sign-file fail noisily.
NO_SIGN := $(if $(wildcard $(KDIR)/certs/signing_key.pem),,CONFIG_MODULE_SIG_ALL=)

# DESTDIR=<dir> stages everything under <dir> (no group, no udev reload, no sudo
# needed when <dir> is writable).
ifneq ($(DESTDIR),)
SUDO :=
endif

install-userspace: userspace
	$(SUDO) env DESTDIR=$(DESTDIR) $(CMAKE) --install $(BUILD_DIR)

# The module into /lib/modules/$(KVER)/updates, the udev rule, the group it names.
install-kmod: kmod
	@test -f $(TOP)/kmod/nvmetest.ko || { echo "make: kmod/nvmetest.ko was not built" >&2; exit 1; }
	$(SUDO) $(MAKE) --no-print-directory -C $(KDIR) M=$(TOP)/kmod INSTALL_MOD_DIR=updates \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) $(NO_SIGN) modules_install
ifeq ($(DESTDIR),)
	$(SUDO) depmod -a $(KVER)
endif
	@for r in $(TOP)/udev/*.rules; do \
		[ -f "$$r" ] || continue; \
		echo "install $$r -> $(DESTDIR)$(UDEV_RULES_DIR)/"; \
		$(SUDO) install -D -m 0644 "$$r" "$(DESTDIR)$(UDEV_RULES_DIR)/$$(basename $$r)"; \
	done
ifeq ($(DESTDIR),)
	$(SUDO) groupadd -r -f nvmetest
	-@[ -d /run/udev ] && $(SUDO) udevadm control --reload 2>/dev/null || true
endif

# DKMS builds and installs the module for $(KVER) (and rebuilds it for new
# kernels). Re-running replaces an earlier registration of the same version.
dkms-install:
	@command -v dkms >/dev/null || { echo "make: dkms not found: run 'make deps'" >&2; exit 1; }
	@test -f $(TOP)/dkms.conf || { echo "make: dkms.conf missing" >&2; exit 1; }
	-@$(SUDO) dkms remove -m nvmetest -v $(VERSION) --all >/dev/null 2>&1 || true
	$(SUDO) rm -rf /usr/src/nvmetest-$(VERSION)
	$(SUDO) $(MAKE) --no-print-directory -C $(TOP)/kmod dkms-src DESTDIR=
	$(SUDO) dkms add -m nvmetest -v $(VERSION)
	$(SUDO) dkms build -m nvmetest -v $(VERSION) -k $(KVER)
	$(SUDO) dkms install -m nvmetest -v $(VERSION) -k $(KVER)

dkms-uninstall:
	-$(SUDO) dkms remove -m nvmetest -v $(VERSION) --all
	$(SUDO) rm -rf /usr/src/nvmetest-$(VERSION)

# ------------------------------------------------------------------ clean
clean:
	rm -rf $(BUILD_DIR)
	@if [ -f $(TOP)/kmod/Makefile ] && [ -n "$(KVER)" ] && [ -d "$(KDIR)" ]; then \
		$(MAKE) --no-print-directory -C $(TOP)/kmod KVER=$(KVER) KDIR=$(KDIR) clean; \
	fi
