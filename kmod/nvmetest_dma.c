// SPDX-License-Identifier: GPL-2.0
/*
 * nvmetest: DMA memory owned by open files.
 *
 * Allocations come from dma_alloc_coherent() (zeroed, contiguous in the
 * device's address space) and are named by a per-file handle.  User
 * mappings are filled page by page by a fault handler, as the BAR mappings
 * are: the module remembers no address space, a zapped or MADV_DONTNEEDed
 * range faults back in, and removal zaps with unmap_mapping_range().
 * Allocations are freed by NVMETEST_DMA_FREE, after close once the function
 * can no longer reach them, or when the function goes away (its struct
 * device is needed to free them): user mappings are zapped first.
 *
 * Memory goes back to the allocator only when the device cannot write it:
 * - after close, any open file may have given the device the address, so
 *   the file's allocations are orphaned, not freed: the device keeps them
 *   until the last file closes and the function is quiesced (Bus Master
 *   off and a function reset), or until the function goes away;
 * - under a translating IOMMU, the IOTLB may still hold a freed mapping
 *   (lazy invalidation through a flush queue): each page is held by an
 *   extra reference of ours until the IOTLB of the domain is flushed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/pfn_t.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include "nvmetest_private.h"

struct nvmetest_dma {
	void *cpu_addr;
	dma_addr_t iova;
	size_t size;
	unsigned int mmap_count;	/* under nvmetest_file.lock */
	struct page **pages;		/* held until the IOTLB flush, or NULL */
	struct list_head node;		/* in nvmetest_dev.dma_orphans */
};

/*
 * The largest allocation dma-iommu can describe: it keeps an array of page
 * pointers, which kvmalloc() refuses (with a warning) above INT_MAX bytes.
 */
#define NVMETEST_DMA_IOMMU_MAX \
	(((u64)INT_MAX / sizeof(struct page *)) << PAGE_SHIFT)

/* Module-wide, still meaningful after the functions are gone. */
atomic64_t nvmetest_dma_bytes_total = ATOMIC64_INIT(0);
atomic64_t nvmetest_dma_allocs_total = ATOMIC64_INIT(0);

bool nvmetest_iommu_translates(struct nvmetest_dev *ndev)
{
	struct iommu_domain *domain;

	domain = iommu_get_domain_for_dev(&ndev->pdev->dev);
	return domain && domain->type != IOMMU_DOMAIN_IDENTITY;
}

/*
 * Always a whole number of pages, far below U64_MAX: PAGE_ALIGN() of a size
 * up to this cannot wrap, whatever the limit parameters are set to.
 */
u64 nvmetest_dma_max_alloc(struct nvmetest_dev *ndev)
{
	u64 max;

	/* Otherwise the page allocator's largest block is the limit. */
	if (!nvmetest_iommu_translates(ndev))
		return PAGE_SIZE << (MAX_ORDER - 1);

	/* Through an IOMMU, dma-iommu maps scattered pages contiguously. */
	max = min(READ_ONCE(nvmetest_dma_limit_file),
		  READ_ONCE(nvmetest_dma_limit_device));
	/* More than the machine has can never be given. */
	max = min_t(u64, max, (u64)totalram_pages() << PAGE_SHIFT);
	max = min_t(u64, max, NVMETEST_DMA_IOMMU_MAX);
	return round_down(max, PAGE_SIZE);
}

/* Would @size more bytes on top of @held exceed @limit?  Never wraps. */
static bool nvmetest_dma_over(u64 held, u64 size, u64 limit)
{
	return held > limit || size > limit - held;
}

/*
 * Under a translating IOMMU, take a reference of our own on every page, so
 * that dma_free_coherent() cannot hand them back to the allocator before
 * nvmetest_dma_free_mem() has flushed the IOTLB.  dma-iommu allocates
 * single pages (split from larger blocks) behind a vmap()ed address; any
 * other kind of allocation is flushed after the free instead.
 */
static int nvmetest_dma_hold_pages(struct nvmetest_dev *ndev,
				   struct nvmetest_dma *dma)
{
	size_t i, count = dma->size >> PAGE_SHIFT;

	if (!nvmetest_iommu_translates(ndev) || !is_vmalloc_addr(dma->cpu_addr))
		return 0;
	dma->pages = kvmalloc_array(count, sizeof(*dma->pages), GFP_KERNEL);
	if (!dma->pages)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		dma->pages[i] = vmalloc_to_page(dma->cpu_addr + i * PAGE_SIZE);
		get_page(dma->pages[i]);
	}
	return 0;
}

/*
 * Give the memory back.  The callers make sure the device cannot reach it
 * through a bus address (the function is quiesced, or there is an IOMMU);
 * with an IOMMU the IOTLB is flushed before the last page reference goes.
 */
static void nvmetest_dma_free_mem(struct nvmetest_dev *ndev,
				  struct nvmetest_dma *dma)
{
	struct device *dev = &ndev->pdev->dev;
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	size_t i;

	dma_free_coherent(dev, dma->size, dma->cpu_addr, dma->iova);
	if (domain && domain->type != IOMMU_DOMAIN_IDENTITY)
		iommu_flush_iotlb_all(domain);
	if (dma->pages) {
		for (i = 0; i < dma->size >> PAGE_SHIFT; i++)
			put_page(dma->pages[i]);
		kvfree(dma->pages);
	}
	kfree(dma);
}

static void nvmetest_dma_account(struct nvmetest_file *nf, s64 bytes,
				 int allocs)
{
	struct nvmetest_dev *ndev = nf->ndev;

	nf->dma_bytes += bytes;
	nf->dma_allocs += allocs;
	ndev->dma_bytes += bytes;
	ndev->dma_allocs += allocs;
	atomic64_add(bytes, &nvmetest_dma_bytes_total);
	atomic64_add(allocs, &nvmetest_dma_allocs_total);
}

int nvmetest_dma_alloc(struct nvmetest_file *nf, struct nvmetest_dma_alloc *arg)
{
	struct nvmetest_dev *ndev = nf->ndev;
	unsigned long limit_file = READ_ONCE(nvmetest_dma_limit_file);
	unsigned long limit_dev = READ_ONCE(nvmetest_dma_limit_device);
	struct nvmetest_dma *dma;
	u64 size;
	u32 handle;
	int ret;

	/*
	 * A 32-bit process passes mmap() a page offset of 32 bits, which
	 * cannot hold a DMA region (bit 44 and up): truncated, the offset we
	 * hand out would name a BAR or the counters.  Say so now instead.
	 */
	if (in_compat_syscall()) {
		pr_info_ratelimited("%s: pid %d: DMA allocation refused: a 32-bit process cannot map DMA memory\n",
				    nvmetest_bdf(ndev), task_tgid_nr(current));
		return -EOVERFLOW;
	}

	mutex_lock(&ndev->lock);
	if (ndev->removed) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (!arg->size || arg->size > nvmetest_dma_max_alloc(ndev)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	size = PAGE_ALIGN(arg->size);

	mutex_lock(&nf->lock);
	if (nvmetest_dma_over(nf->dma_bytes, size, limit_file)) {
		pr_info_ratelimited("%s: pid %d: DMA allocation of %llu bytes refused: per-file limit dma_limit_file=%lu reached (%llu held)\n",
				    nvmetest_bdf(ndev), task_tgid_nr(current),
				    size, limit_file, nf->dma_bytes);
		ret = -ENOSPC;
		goto out_unlock_file;
	}
	if (nvmetest_dma_over(ndev->dma_bytes, size, limit_dev)) {
		pr_info_ratelimited("%s: pid %d: DMA allocation of %llu bytes refused: per-device limit dma_limit_device=%lu reached (%llu held)\n",
				    nvmetest_bdf(ndev), task_tgid_nr(current),
				    size, limit_dev, ndev->dma_bytes);
		ret = -ENOSPC;
		goto out_unlock_file;
	}

	dma = kzalloc(sizeof(*dma), GFP_KERNEL);
	if (!dma) {
		ret = -ENOMEM;
		goto out_unlock_file;
	}
	dma->size = size;
	dma->cpu_addr = dma_alloc_coherent(&ndev->pdev->dev, size, &dma->iova,
					   GFP_KERNEL | __GFP_NOWARN);
	if (!dma->cpu_addr) {
		ret = -ENOMEM;
		goto out_free_dma;
	}
	ret = nvmetest_dma_hold_pages(ndev, dma);
	if (ret)
		goto out_free_mem;

	ret = xa_alloc_cyclic(&nf->dma, &handle, dma,
			      XA_LIMIT(0, NVMETEST_DMA_HANDLE_MAX),
			      &nf->dma_next, GFP_KERNEL);
	if (ret < 0)
		goto out_free_mem;

	nvmetest_dma_account(nf, size, 1);
	mutex_unlock(&nf->lock);
	mutex_unlock(&ndev->lock);

	arg->size = size;
	arg->iova = dma->iova;
	arg->handle = handle;
	arg->mmap_offset = (u64)(NVMETEST_MMAP_DMA_FIRST + handle) <<
			   NVMETEST_MMAP_SHIFT;
	return 0;

out_free_mem:
	/* Never given to anyone: nothing can have reached it. */
	nvmetest_dma_free_mem(ndev, dma);
	dma = NULL;
out_free_dma:
	kfree(dma);
out_unlock_file:
	mutex_unlock(&nf->lock);
out_unlock:
	mutex_unlock(&ndev->lock);
	return ret;
}

/*
 * NVMETEST_DMA_FREE: the file says the device no longer uses the memory.
 * Called with ndev->lock and nf->lock held.
 */
static void nvmetest_dma_destroy(struct nvmetest_file *nf, u32 handle,
				 struct nvmetest_dma *dma)
{
	xa_erase(&nf->dma, handle);
	nvmetest_dma_account(nf, -(s64)dma->size, -1);
	nvmetest_dma_free_mem(nf->ndev, dma);
}

int nvmetest_dma_free(struct nvmetest_file *nf, u32 handle)
{
	struct nvmetest_dev *ndev = nf->ndev;
	struct nvmetest_dma *dma;
	int ret = 0;

	mutex_lock(&ndev->lock);
	if (ndev->removed) {
		ret = -ENODEV;
		goto out_unlock;
	}
	mutex_lock(&nf->lock);
	dma = xa_load(&nf->dma, handle);
	if (!dma)
		ret = -ENOENT;
	else if (dma->mmap_count)
		ret = -EBUSY;
	else
		nvmetest_dma_destroy(nf, handle, dma);
	mutex_unlock(&nf->lock);
out_unlock:
	mutex_unlock(&ndev->lock);
	return ret;
}

/*
 * On close: no mapping is left, since every vma holds a file reference, but
 * the device may still hold the addresses (a process killed in the middle
 * of its test leaves queues and outstanding commands behind, and any other
 * open file may have handed them out too).  The allocations become the
 * device's, still counted against its limit, until nvmetest_dma_free_orphans()
 * runs on a function that can no longer reach them.
 */
void nvmetest_dma_release_file(struct nvmetest_file *nf)
{
	struct nvmetest_dev *ndev = nf->ndev;
	struct nvmetest_dma *dma;
	unsigned long handle;

	lockdep_assert_held(&ndev->lock);

	mutex_lock(&nf->lock);
	xa_for_each(&nf->dma, handle, dma) {
		xa_erase(&nf->dma, handle);
		nf->dma_bytes -= dma->size;
		nf->dma_allocs--;
		list_add_tail(&dma->node, &ndev->dma_orphans);
	}
	mutex_unlock(&nf->lock);
}

/* Does the device hold memory of closed files? */
bool nvmetest_dma_has_orphans(struct nvmetest_dev *ndev)
{
	lockdep_assert_held(&ndev->lock);
	return !list_empty(&ndev->dma_orphans);
}

/*
 * Free what closed files left to the device: only once the function cannot
 * write it any more (quiesced, or removed with Bus Master off).
 */
void nvmetest_dma_free_orphans(struct nvmetest_dev *ndev)
{
	struct nvmetest_dma *dma, *tmp;

	lockdep_assert_held(&ndev->lock);

	list_for_each_entry_safe(dma, tmp, &ndev->dma_orphans, node) {
		list_del(&dma->node);
		ndev->dma_bytes -= dma->size;
		ndev->dma_allocs--;
		atomic64_sub(dma->size, &nvmetest_dma_bytes_total);
		atomic64_dec(&nvmetest_dma_allocs_total);
		nvmetest_dma_free_mem(ndev, dma);
	}
}

/*
 * On removal: the struct device is going away, so every file's memory is
 * freed now; the caller has cleared Bus Master, so the function (if it is
 * still there) cannot write it.  Faults fail from now on (they check
 * removed under nf->lock); taking each nf->lock once waits out those that
 * were inserting a page, so the zap that follows leaves no page mapped.
 * The vmas stay until munmap and get SIGBUS.
 */
void nvmetest_dma_release_all(struct nvmetest_dev *ndev)
{
	struct nvmetest_file *nf;

	lockdep_assert_held(&ndev->lock);
	WARN_ON_ONCE(!ndev->removed);

	mutex_lock(&ndev->files_lock);
	list_for_each_entry(nf, &ndev->files, node) {
		mutex_lock(&nf->lock);
		mutex_unlock(&nf->lock);
	}
	mutex_unlock(&ndev->files_lock);

	nvmetest_zap_all(ndev);

	mutex_lock(&ndev->files_lock);
	list_for_each_entry(nf, &ndev->files, node)
		nvmetest_dma_release_file(nf);
	mutex_unlock(&ndev->files_lock);
	nvmetest_dma_free_orphans(ndev);
}

static u32 nvmetest_dma_vma_handle(struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;

	return NVMETEST_MMAP_REGION(off) - NVMETEST_MMAP_DMA_FIRST;
}

/* A vma was split or copied on fork: one more mapping of the allocation. */
static void nvmetest_dma_vm_open(struct vm_area_struct *vma)
{
	struct nvmetest_file *nf = vma->vm_private_data;
	struct nvmetest_dma *dma;

	mutex_lock(&nf->lock);
	dma = xa_load(&nf->dma, nvmetest_dma_vma_handle(vma));
	if (dma)
		dma->mmap_count++;
	mutex_unlock(&nf->lock);
}

static void nvmetest_dma_vm_close(struct vm_area_struct *vma)
{
	struct nvmetest_file *nf = vma->vm_private_data;
	struct nvmetest_dma *dma;

	mutex_lock(&nf->lock);
	dma = xa_load(&nf->dma, nvmetest_dma_vma_handle(vma));
	if (dma && dma->mmap_count)
		dma->mmap_count--;
	mutex_unlock(&nf->lock);
}

/* The page frame behind byte @offset of @dma. */
static unsigned long nvmetest_dma_pfn(struct nvmetest_dma *dma, u64 offset)
{
	void *addr = dma->cpu_addr + offset;

	/* dma-iommu vmap()s scattered pages; dma-direct gives linear memory. */
	if (is_vmalloc_addr(addr))
		return vmalloc_to_pfn(addr);
	return PHYS_PFN(virt_to_phys(addr));
}

/*
 * First touch, or a touch after a zap or MADV_DONTNEED: map the page back,
 * unless the allocation went with the device.
 */
static vm_fault_t nvmetest_dma_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct nvmetest_file *nf = vma->vm_private_data;
	u64 offset = NVMETEST_MMAP_OFFSET((u64)vma->vm_pgoff << PAGE_SHIFT) +
		     (vmf->address - vma->vm_start);
	struct nvmetest_dma *dma;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	mutex_lock(&nf->lock);
	if (READ_ONCE(nf->ndev->removed))
		goto out_unlock;
	dma = xa_load(&nf->dma, nvmetest_dma_vma_handle(vma));
	if (!dma || offset >= dma->size)
		goto out_unlock;
	ret = vmf_insert_mixed(vma, vmf->address,
			       pfn_to_pfn_t(nvmetest_dma_pfn(dma, offset)));
out_unlock:
	mutex_unlock(&nf->lock);
	return ret;
}

static const struct vm_operations_struct nvmetest_dma_vm_ops = {
	.open	= nvmetest_dma_vm_open,
	.close	= nvmetest_dma_vm_close,
	.fault	= nvmetest_dma_vm_fault,
};

int nvmetest_dma_mmap(struct nvmetest_file *nf, struct vm_area_struct *vma,
		      u32 handle, u64 offset)
{
	struct nvmetest_dev *ndev = nf->ndev;
	u64 size = vma->vm_end - vma->vm_start;
	struct nvmetest_dma *dma;
	int ret = 0;

	mutex_lock(&nf->lock);
	if (READ_ONCE(ndev->removed)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	/* The same answer as NVMETEST_DMA_FREE gives for a handle not ours. */
	dma = xa_load(&nf->dma, handle);
	if (!dma) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if (offset >= dma->size || size > dma->size - offset) {
		ret = -EINVAL;
		goto out_unlock;
	}

	/*
	 * Cached, as dma_mmap_coherent() maps coherent memory on x86.  Mixed,
	 * not PFNMAP: MADV_DONTNEED is then allowed, and the next touch
	 * faults the same memory back in.
	 */
	vma->vm_flags |= VM_IO | VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &nvmetest_dma_vm_ops;
	vma->vm_private_data = nf;
	dma->mmap_count++;
out_unlock:
	mutex_unlock(&nf->lock);
	return ret;
}
