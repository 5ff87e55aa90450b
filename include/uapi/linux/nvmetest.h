/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nvmetest: raw access to a PCIe function under test.
 *
 * The user ABI of nvmetest.ko, shared by the module and by libnvmetest.
 * docs/uapi.md describes every ioctl, its errors and the versioning rule.
 *
 * Conventions (the same as vfio's):
 *  - every ioctl argument starts with argsz and flags;
 *  - argsz is the size of the structure as userspace knows it: the kernel
 *    reads at least the structure's minimum size (-EINVAL below that), and
 *    never writes more than argsz bytes back;
 *  - flags bits the kernel does not know are rejected with -EINVAL;
 *  - reserved fields must be zero on input and read as zero on output.
 */
#ifndef _UAPI_LINUX_NVMETEST_H
#define _UAPI_LINUX_NVMETEST_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * Incremented on an incompatible change only.  Compatible growth (a field
 * appended to a structure, a new flag bit, a new ioctl) keeps the version:
 * argsz tells the kernel how much of a structure the caller knows.
 */
#define NVMETEST_ABI_VERSION		1

#define NVMETEST_IOCTL_TYPE		0xE7
#define NVMETEST_IOCTL_BASE		0x00

/* Device class, char device directory (/dev/nvmetest/<bdf>) and driver name. */
#define NVMETEST_NAME			"nvmetest"

/* ------------------------------------------------------------------ info */

#define NVMETEST_NUM_BARS		6

struct nvmetest_bar_info {
	__u64 size;			/* 0: BAR not implemented */
	__u32 flags;
#define NVMETEST_BAR_MEM		(1u << 0)	/* memory space */
#define NVMETEST_BAR_IO			(1u << 1)	/* I/O port space */
#define NVMETEST_BAR_64BIT		(1u << 2)
#define NVMETEST_BAR_PREFETCH		(1u << 3)
#define NVMETEST_BAR_MMAP		(1u << 4)	/* can be mmapped */
	__u32 reserved;
};

/* Reset methods: NVMETEST_RESET's method, and bits of info.reset_methods. */
enum nvmetest_reset_method {
	NVMETEST_RESET_FLR	= 0,	/* PCIe function level reset */
	NVMETEST_RESET_HOT	= 1,	/* secondary bus reset of the upstream bridge */
	NVMETEST_RESET_LINK	= 2,	/* Link Disable then enable on the upstream port */
	NVMETEST_RESET_PM	= 3,	/* D0 -> D3hot -> D0 */
	NVMETEST_RESET_NR
};

struct nvmetest_info {
	__u32 argsz;
	__u32 flags;			/* out */
#define NVMETEST_INFO_IOMMU		(1u << 0)	/* an IOMMU translates DMA addresses */
#define NVMETEST_INFO_PCIE		(1u << 1)	/* has a PCI Express capability */
	__u32 abi_version;		/* NVMETEST_ABI_VERSION of the module */
	__u32 domain;
	__u8  bus;
	__u8  slot;
	__u8  function;
	__u8  revision;
	__u16 vendor_id;
	__u16 device_id;
	__u16 subsystem_vendor_id;
	__u16 subsystem_device_id;
	__u32 class_code;		/* 24 bits: base, sub, programming interface */
	__u32 cfg_size;			/* 256 or 4096 */
	__u32 reset_methods;		/* bit (1 << enum nvmetest_reset_method) */
	__u32 intx;			/* 1 when an INTx pin is wired */
	__u32 msi_vectors;		/* 0: no MSI capability */
	__u32 msix_vectors;		/* 0: no MSI-X capability */
	__u32 irq_counts_size;		/* bytes of the NVMETEST_MMAP_IRQ_COUNTS region */
	__u64 dma_max_alloc;		/* largest single NVMETEST_DMA_ALLOC size */
	__u64 dma_limit_file;		/* DMA bytes one open file may hold */
	__u64 dma_limit_device;		/* DMA bytes all open files of the device may hold */
	struct nvmetest_bar_info bars[NVMETEST_NUM_BARS];
	__u64 reserved[4];
};

/* -------------------------------------------- config space and BAR access */

/*
 * One access of 1, 2 or 4 bytes (config space) or 1, 2, 4 or 8 bytes (BAR) at a
 * naturally aligned offset.  A read returns the value zero-extended in value.
 */
struct nvmetest_rw {
	__u32 argsz;
	__u32 flags;
#define NVMETEST_RW_WRITE		(1u << 0)
	__u32 bar;			/* BAR index for NVMETEST_BAR_RW; 0 for config */
	__u32 width;			/* bytes: 1, 2, 4 or 8 */
	__u64 offset;
	__u64 value;			/* in for a write, out for a read */
};

/* ------------------------------------------------------------ DMA memory */

/*
 * Zeroed, bus-contiguous memory from the DMA API, owned by the open file:
 * freed by NVMETEST_DMA_FREE, on close, and when the owning process dies.
 */
struct nvmetest_dma_alloc {
	__u32 argsz;
	__u32 flags;
	__u64 size;			/* in: bytes; out: bytes allocated (page multiple) */
	__u64 iova;			/* out: the address the device must be given */
	__u64 mmap_offset;		/* out: pass to mmap() on the same file */
	__u32 handle;			/* out: names the allocation for NVMETEST_DMA_FREE */
	__u32 reserved;
};

struct nvmetest_dma_free {
	__u32 argsz;
	__u32 flags;
	__u32 handle;
	__u32 reserved;
};

/* ------------------------------------------------------------ interrupts */

enum nvmetest_irq_type {
	NVMETEST_IRQ_NONE	= 0,	/* tear down whatever is set up */
	NVMETEST_IRQ_INTX	= 1,
	NVMETEST_IRQ_MSI	= 2,
	NVMETEST_IRQ_MSIX	= 3,
};

/*
 * Set up count vectors of one type, each signalling the eventfd at the same
 * index of the eventfds array (-1: count only).  The open file that sets up
 * interrupts owns them until it sets NVMETEST_IRQ_NONE or closes.
 */
struct nvmetest_irq_set {
	__u32 argsz;
	__u32 flags;
	__u32 type;			/* enum nvmetest_irq_type */
	__u32 count;			/* vectors: 1 for INTx, 0 for NONE */
	__u64 eventfds;			/* user pointer to __s32[count] */
};

/* One vector, for NVMETEST_IRQ_MASK, NVMETEST_IRQ_UNMASK, NVMETEST_IRQ_TRIGGER. */
struct nvmetest_irq_vector {
	__u32 argsz;
	__u32 flags;
	__u32 vector;
	__u32 reserved;
};

/* ---------------------------------------------------------------- resets */

/*
 * Config space is saved before and restored after every reset.  User
 * mappings of the BARs are zapped first: an access during the reset gets
 * SIGBUS, and a new access after it faults the mapping back in.
 */
struct nvmetest_reset {
	__u32 argsz;
	__u32 flags;
	__u32 method;			/* enum nvmetest_reset_method */
	__u32 hold_ms;			/* time held in reset; 0: the method's minimum */
};

/* -------------------------------------------------------- remove, rescan */

/*
 * Remove the function from the PCI bus (every ioctl on every open file of it
 * then fails with -ENODEV).  With NVMETEST_REMOVE_RESCAN, rescan the parent
 * bus delay_ms later: the function comes back bound to nvmetest, as a new
 * char device of the same name.
 */
struct nvmetest_remove {
	__u32 argsz;
	__u32 flags;
#define NVMETEST_REMOVE_RESCAN		(1u << 0)
	__u32 delay_ms;
	__u32 reserved;
};

/* ---------------------------------------------------------------- ioctls */

#define NVMETEST_GET_INFO	_IO(NVMETEST_IOCTL_TYPE, NVMETEST_IOCTL_BASE + 0)
#define NVMETEST_CONFIG_RW	_IO(NVMETEST_IOCTL_TYPE, NVMETEST_IOCTL_BASE + 1)
#define NVMETEST_BAR_RW		_IO(NVMETEST_IOCTL_TYPE, NVMETEST_IOCTL_BASE + 2)
#define NVMETEST_DMA_ALLOC	_IO(NVMETEST_IOCTL_TYPE, NVMETEST_IOCTL_BASE + 3)
#define NVMETEST_DMA_FREE	_IO(NVMETEST_IOCTL_TYPE, NVMETEST_IOCTL_BASE + 4)
#define NVMETEST_IRQ_SET	_IO(NVMETEST_IOCTL_TYPE, NVMETEST_IOCTL_BASE + 5)
#define NVMETEST_IRQ_MASK	_IO(NVMETEST_IOCTL_TYPE, NVMETEST_IOCTL_BASE + 6)
#define NVMETEST_IRQ_UNMASK	_IO(NVMETEST_IOCTL_TYPE, NVMETEST_IOCTL_BASE + 7)
#define NVMETEST_IRQ_TRIGGER	_IO(NVMETEST_IOCTL_TYPE, NVMETEST_IOCTL_BASE + 8)
#define NVMETEST_RESET		_IO(NVMETEST_IOCTL_TYPE, NVMETEST_IOCTL_BASE + 9)
#define NVMETEST_REMOVE		_IO(NVMETEST_IOCTL_TYPE, NVMETEST_IOCTL_BASE + 10)

/* ------------------------------------------------------------ mmap layout */

/*
 * mmap() offsets name a region in bits 63:40 and an offset inside it below.
 * BARs are mapped uncached; the IRQ counter region is read-only and holds a
 * __u64 count per vector, incremented each time the vector fires (or is
 * triggered), reset by NVMETEST_IRQ_SET.  DMA allocations are mapped at the
 * mmap_offset NVMETEST_DMA_ALLOC returned, which userspace treats as opaque.
 */
#define NVMETEST_MMAP_SHIFT		40
#define NVMETEST_MMAP_BAR(n)		((__u64)(n) << NVMETEST_MMAP_SHIFT)
#define NVMETEST_MMAP_IRQ_COUNTS	((__u64)8 << NVMETEST_MMAP_SHIFT)
#define NVMETEST_MMAP_DMA_FIRST		16	/* region of DMA handle 0 */

/* --------------------------------------------------------- netlink events */

/*
 * Generic netlink family NVMETEST_GENL_NAME, multicast group
 * NVMETEST_GENL_MCGRP: one NVMETEST_CMD_EVENT message per event.
 */
#define NVMETEST_GENL_NAME		"nvmetest"
#define NVMETEST_GENL_VERSION		1
#define NVMETEST_GENL_MCGRP		"events"

enum nvmetest_genl_cmd {
	NVMETEST_CMD_UNSPEC,
	NVMETEST_CMD_EVENT,
	__NVMETEST_CMD_MAX,
};

enum nvmetest_event {
	NVMETEST_EVENT_UNSPEC,
	NVMETEST_EVENT_BIND,		/* a function was bound to nvmetest */
	NVMETEST_EVENT_UNBIND,		/* a function was unbound from nvmetest */
	NVMETEST_EVENT_RESET_BEGIN,	/* ATTR_RESET_METHOD */
	NVMETEST_EVENT_RESET_END,	/* ATTR_RESET_METHOD, ATTR_ERRNO */
	NVMETEST_EVENT_REMOVE,		/* the function is leaving the PCI bus */
	NVMETEST_EVENT_PCI_ERROR,	/* ATTR_PCI_ERROR_STEP, ATTR_PCI_CHANNEL_STATE */
	NVMETEST_EVENT_IRQ_SETUP,	/* ATTR_IRQ_TYPE, ATTR_IRQ_COUNT */
	__NVMETEST_EVENT_MAX,
};

/* Steps of the PCI error recovery callbacks, for NVMETEST_EVENT_PCI_ERROR. */
enum nvmetest_pci_error_step {
	NVMETEST_PCI_ERROR_DETECTED	= 1,
	NVMETEST_PCI_ERROR_MMIO_ENABLED	= 2,
	NVMETEST_PCI_ERROR_SLOT_RESET	= 3,
	NVMETEST_PCI_ERROR_RESUME	= 4,
	NVMETEST_PCI_ERROR_RESET_PREPARE = 5,	/* reset_prepare: someone else resets */
	NVMETEST_PCI_ERROR_RESET_DONE	= 6,
};

enum nvmetest_genl_attr {
	NVMETEST_ATTR_UNSPEC,
	NVMETEST_ATTR_EVENT,		/* u32: enum nvmetest_event */
	NVMETEST_ATTR_BDF,		/* string: "0000:01:00.0" */
	NVMETEST_ATTR_PID,		/* u32: process that caused it, 0: the kernel */
	NVMETEST_ATTR_RESET_METHOD,	/* u32: enum nvmetest_reset_method */
	NVMETEST_ATTR_ERRNO,		/* s32: result, 0 or a negative errno */
	NVMETEST_ATTR_IRQ_TYPE,		/* u32: enum nvmetest_irq_type */
	NVMETEST_ATTR_IRQ_COUNT,	/* u32 */
	NVMETEST_ATTR_PCI_ERROR_STEP,	/* u32: enum nvmetest_pci_error_step */
	NVMETEST_ATTR_PCI_CHANNEL_STATE, /* u32: pci_channel_state_t */
	NVMETEST_ATTR_TIMESTAMP_NS,	/* u64: ktime_get_ns() */
	__NVMETEST_ATTR_MAX,
};
#define NVMETEST_ATTR_MAX		(__NVMETEST_ATTR_MAX - 1)

#endif /* _UAPI_LINUX_NVMETEST_H */
