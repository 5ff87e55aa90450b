/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nvmetest: what the files of the module share.
 *
 * Locking, outermost first:
 *   nvmetest_dev.lock         ioctl state: interrupts, DMA accounting, resets
 *   nvmetest_dev.memory_lock  BAR faults (read) against reset/remove (write)
 *   nvmetest_dev.files_lock   the list of open files, walked to zap mappings
 *   nvmetest_file.lock        one open file's DMA allocations
 * No user memory is touched while nvmetest_dev.lock or nvmetest_file.lock
 * is held: mmap() and the vm_ops (DMA faults included) take
 * nvmetest_file.lock under the mm's mmap lock, and BAR faults take
 * memory_lock under it.
 */
#ifndef NVMETEST_PRIVATE_H
#define NVMETEST_PRIVATE_H

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nvmetest.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

/* mmap() offsets: region number in bits 63:40, as the UAPI header says. */
#define NVMETEST_MMAP_REGION(off)	((off) >> NVMETEST_MMAP_SHIFT)
#define NVMETEST_MMAP_OFFSET(off)	((off) & ((1ULL << NVMETEST_MMAP_SHIFT) - 1))
#define NVMETEST_REGION_IRQ_COUNTS	NVMETEST_MMAP_REGION(NVMETEST_MMAP_IRQ_COUNTS)
/* Highest DMA handle whose mmap offset stays below 2^63. */
#define NVMETEST_DMA_HANDLE_MAX		((1U << (63 - NVMETEST_MMAP_SHIFT)) - \
					 NVMETEST_MMAP_DMA_FIRST - 1)

struct nvmetest_file;

struct nvmetest_irq_vec {
	struct nvmetest_dev *ndev;
	unsigned int index;
	unsigned int irq;		/* Linux IRQ number */
	struct eventfd_ctx *trigger;	/* NULL: count only */
	bool masked;
	bool pending;			/* fired while masked (INTx, software) */
	char *name;
};

struct nvmetest_dev {
	struct device dev;		/* class device; its refcount frees us */
	struct cdev cdev;
	struct pci_dev *pdev;		/* referenced until the last put */
	int minor;

	struct mutex lock;		/* see the top of this file */
	struct rw_semaphore memory_lock;
	bool removed;			/* set under lock and memory_lock */
	bool removing;			/* NVMETEST_REMOVE under way, under lock */
	unsigned int resetting;		/* resets under way, under memory_lock */
	bool error_frozen;		/* PCI error recovery, under memory_lock */
	struct task_struct *reset_task;	/* our own reset in progress */

	struct mutex files_lock;	/* files, openers */
	struct list_head files;
	unsigned int openers;

	void __iomem *bar_map[NVMETEST_NUM_BARS];
	bool bar_requested[NVMETEST_NUM_BARS];

	u64 dma_bytes;			/* under lock, orphans included */
	u32 dma_allocs;
	struct list_head dma_orphans;	/* closed files' memory, under lock */

	u32 irq_type;			/* enum nvmetest_irq_type, under lock */
	u32 irq_count;
	u32 irq_max;			/* vectors the counter region holds */
	struct nvmetest_file *irq_owner;
	struct nvmetest_irq_vec *vecs;
	spinlock_t intx_lock;		/* vecs[0].masked/pending for INTx */
	bool intx_exclusive;		/* no INTx masking: exclusive line */
	bool unsafe_dma_logged;		/* allow_unsafe_dma used, under lock */
	atomic64_t *irq_counts;		/* vmalloc'ed, mmapped read-only */
	size_t irq_counts_size;

	struct dentry *debugfs;
};

struct nvmetest_file {
	struct nvmetest_dev *ndev;
	struct file *file;
	struct list_head node;		/* in nvmetest_dev.files */
	struct mutex lock;		/* dma and the counters */
	struct xarray dma;		/* handle -> struct nvmetest_dma */
	u32 dma_next;
	u64 dma_bytes;
	u32 dma_allocs;
	pid_t pid;
	char comm[TASK_COMM_LEN];
};

static inline struct nvmetest_dev *to_nvmetest_dev(struct device *dev)
{
	return container_of(dev, struct nvmetest_dev, dev);
}

static inline struct nvmetest_dev *cdev_to_nvmetest_dev(struct cdev *cdev)
{
	return container_of(cdev, struct nvmetest_dev, cdev);
}

static inline const char *nvmetest_bdf(struct nvmetest_dev *ndev)
{
	return pci_name(ndev->pdev);
}

/* nvmetest_main.c */
extern unsigned long nvmetest_dma_limit_file;
extern unsigned long nvmetest_dma_limit_device;
extern bool nvmetest_reclaim;
extern bool nvmetest_allow_unsafe_dma;
extern struct pci_driver nvmetest_pci_driver;

/* nvmetest_ioctl.c */
long nvmetest_ioctl(struct file *filp, unsigned int cmd, unsigned long arg);

/* nvmetest_config.c */
int nvmetest_config_rw(struct nvmetest_dev *ndev, struct nvmetest_rw *rw);

/* nvmetest_bar.c */
void nvmetest_bar_probe(struct nvmetest_dev *ndev);
void nvmetest_bar_release(struct nvmetest_dev *ndev);
void nvmetest_bar_info(struct nvmetest_dev *ndev, int bar,
		       struct nvmetest_bar_info *info);
int nvmetest_bar_rw(struct nvmetest_dev *ndev, struct nvmetest_rw *rw);
int nvmetest_bar_mmap(struct nvmetest_dev *ndev, struct vm_area_struct *vma,
		      unsigned int bar, u64 offset);
void nvmetest_zap_bars(struct nvmetest_dev *ndev);
void nvmetest_zap_all(struct nvmetest_dev *ndev);

/* nvmetest_dma.c */
extern atomic64_t nvmetest_dma_bytes_total;
extern atomic64_t nvmetest_dma_allocs_total;
u64 nvmetest_dma_max_alloc(struct nvmetest_dev *ndev);
bool nvmetest_iommu_translates(struct nvmetest_dev *ndev);
int nvmetest_dma_alloc(struct nvmetest_file *nf, struct nvmetest_dma_alloc *arg);
int nvmetest_dma_free(struct nvmetest_file *nf, u32 handle);
int nvmetest_dma_mmap(struct nvmetest_file *nf, struct vm_area_struct *vma,
		      u32 handle, u64 offset);
void nvmetest_dma_release_file(struct nvmetest_file *nf);
bool nvmetest_dma_has_orphans(struct nvmetest_dev *ndev);
void nvmetest_dma_free_orphans(struct nvmetest_dev *ndev);
void nvmetest_dma_release_all(struct nvmetest_dev *ndev);

/* nvmetest_intrs.c */
int nvmetest_irq_init(struct nvmetest_dev *ndev);
void nvmetest_irq_exit(struct nvmetest_dev *ndev);
u32 nvmetest_irq_max(struct nvmetest_dev *ndev, u32 type);
int nvmetest_irq_set(struct nvmetest_file *nf, u32 type, u32 count,
		     const s32 *fds);
int nvmetest_irq_mask(struct nvmetest_file *nf, u32 vector, bool mask);
int nvmetest_irq_trigger(struct nvmetest_file *nf, u32 vector);
void nvmetest_irq_teardown(struct nvmetest_dev *ndev);
int nvmetest_irq_mmap(struct nvmetest_dev *ndev, struct vm_area_struct *vma,
		      u64 offset);
const char *nvmetest_irq_type_name(u32 type);

/* nvmetest_reset.c */
extern const struct pci_error_handlers nvmetest_err_handlers;
u32 nvmetest_reset_methods(struct nvmetest_dev *ndev);
int nvmetest_reset(struct nvmetest_dev *ndev, u32 method, u32 hold_ms);
int nvmetest_remove_function(struct nvmetest_dev *ndev, bool rescan,
			     u32 delay_ms);
void nvmetest_reclaim_bound(struct pci_dev *pdev);
void nvmetest_reclaim_unbound(struct pci_dev *pdev);
int nvmetest_reclaim_init(void);
void nvmetest_reclaim_exit(void);

/* nvmetest_netlink.c */
struct nvmetest_event_info {
	u32 event;			/* enum nvmetest_event */
	u32 method;			/* RESET_BEGIN, RESET_END */
	s32 err;			/* RESET_END */
	u32 irq_type;			/* IRQ_SETUP */
	u32 irq_count;
	u32 step;			/* PCI_ERROR */
	u32 channel_state;
};

void nvmetest_notify(const char *bdf, const struct nvmetest_event_info *info);
void nvmetest_notify_simple(const char *bdf, u32 event);
int nvmetest_genl_init(void);
void nvmetest_genl_exit(void);

/* nvmetest_sysfs.c */
extern const struct attribute_group *nvmetest_dev_groups[];
void nvmetest_debugfs_init(void);
void nvmetest_debugfs_exit(void);
void nvmetest_debugfs_add(struct nvmetest_dev *ndev);
void nvmetest_debugfs_remove(struct nvmetest_dev *ndev);

#endif /* NVMETEST_PRIVATE_H */
