// SPDX-License-Identifier: GPL-2.0
/*
 * nvmetest: BAR access through the ioctl, BAR mmap, and zapping user
 * mappings.
 *
 * BAR mappings are filled one page at a time by a fault handler, so that
 * zapping them (reset, Memory Space Enable cleared, removal) is all it
 * takes to make a stray access fault: the handler answers SIGBUS while the
 * device cannot decode, and maps the page again afterwards.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/pci.h>

#include "nvmetest_private.h"

static bool nvmetest_bar_is_mem(struct pci_dev *pdev, int bar)
{
	return pci_resource_flags(pdev, bar) & IORESOURCE_MEM;
}

static bool nvmetest_bar_is_io(struct pci_dev *pdev, int bar)
{
	return pci_resource_flags(pdev, bar) & IORESOURCE_IO;
}

static bool nvmetest_bar_mmappable(struct nvmetest_dev *ndev, int bar)
{
	struct pci_dev *pdev = ndev->pdev;

	return ndev->bar_requested[bar] && nvmetest_bar_is_mem(pdev, bar) &&
	       PAGE_ALIGNED(pci_resource_start(pdev, bar)) &&
	       PAGE_ALIGNED(pci_resource_len(pdev, bar));
}

void nvmetest_bar_probe(struct nvmetest_dev *ndev)
{
	struct pci_dev *pdev = ndev->pdev;
	int bar;

	for (bar = 0; bar < NVMETEST_NUM_BARS; bar++) {
		if (!pci_resource_len(pdev, bar) ||
		    !(nvmetest_bar_is_mem(pdev, bar) ||
		      nvmetest_bar_is_io(pdev, bar)))
			continue;
		if (pci_request_region(pdev, bar, NVMETEST_NAME)) {
			pci_warn(pdev, "BAR %d busy: no access to it\n", bar);
			continue;
		}
		ndev->bar_requested[bar] = true;
	}
}

void nvmetest_bar_release(struct nvmetest_dev *ndev)
{
	struct pci_dev *pdev = ndev->pdev;
	int bar;

	for (bar = 0; bar < NVMETEST_NUM_BARS; bar++) {
		if (ndev->bar_map[bar]) {
			pci_iounmap(pdev, ndev->bar_map[bar]);
			ndev->bar_map[bar] = NULL;
		}
		if (ndev->bar_requested[bar]) {
			pci_release_region(pdev, bar);
			ndev->bar_requested[bar] = false;
		}
	}
}

void nvmetest_bar_info(struct nvmetest_dev *ndev, int bar,
		       struct nvmetest_bar_info *info)
{
	struct pci_dev *pdev = ndev->pdev;
	unsigned long flags = pci_resource_flags(pdev, bar);

	memset(info, 0, sizeof(*info));
	if (!pci_resource_len(pdev, bar))
		return;
	if (flags & IORESOURCE_MEM) {
		info->flags |= NVMETEST_BAR_MEM;
		if (flags & IORESOURCE_MEM_64)
			info->flags |= NVMETEST_BAR_64BIT;
		if (flags & IORESOURCE_PREFETCH)
			info->flags |= NVMETEST_BAR_PREFETCH;
		if (nvmetest_bar_mmappable(ndev, bar))
			info->flags |= NVMETEST_BAR_MMAP;
	} else if (flags & IORESOURCE_IO) {
		info->flags |= NVMETEST_BAR_IO;
	} else {
		return;
	}
	info->size = pci_resource_len(pdev, bar);
}

/* Can the function decode the BAR now?  Called under memory_lock. */
static bool nvmetest_bar_decodes(struct nvmetest_dev *ndev, int bar)
{
	u16 cmd;

	if (ndev->removed || ndev->resetting || ndev->error_frozen)
		return false;
	if (pci_read_config_word(ndev->pdev, PCI_COMMAND, &cmd))
		return false;
	if (nvmetest_bar_is_io(ndev->pdev, bar))
		return cmd & PCI_COMMAND_IO;
	return cmd & PCI_COMMAND_MEMORY;
}

int nvmetest_bar_rw(struct nvmetest_dev *ndev, struct nvmetest_rw *rw)
{
	struct pci_dev *pdev = ndev->pdev;
	void __iomem *io;
	u64 len;
	int ret = 0;

	lockdep_assert_held(&ndev->lock);

	if (rw->bar >= NVMETEST_NUM_BARS)
		return -EINVAL;
	if (rw->width != 1 && rw->width != 2 && rw->width != 4 &&
	    rw->width != 8)
		return -EINVAL;
	len = pci_resource_len(pdev, rw->bar);
	if (!len || !(nvmetest_bar_is_mem(pdev, rw->bar) ||
		      nvmetest_bar_is_io(pdev, rw->bar)))
		return -EINVAL;
	if (rw->width == 8 && !nvmetest_bar_is_mem(pdev, rw->bar))
		return -EINVAL;
	if (rw->offset & (rw->width - 1))
		return -EINVAL;
	if (rw->offset >= len || rw->offset > len - rw->width)
		return -EINVAL;
	if ((rw->flags & NVMETEST_RW_WRITE) && rw->width < 8 &&
	    rw->value >> (rw->width * 8))
		return -EINVAL;
	if (!ndev->bar_requested[rw->bar])
		return -EBUSY;

	if (!ndev->bar_map[rw->bar]) {
		ndev->bar_map[rw->bar] = pci_iomap(pdev, rw->bar, 0);
		if (!ndev->bar_map[rw->bar])
			return -ENOMEM;
	}
	io = ndev->bar_map[rw->bar] + rw->offset;

	down_read(&ndev->memory_lock);
	if (!nvmetest_bar_decodes(ndev, rw->bar)) {
		ret = -EIO;
		goto out_unlock;
	}
	if (rw->flags & NVMETEST_RW_WRITE) {
		switch (rw->width) {
		case 1:
			iowrite8(rw->value, io);
			break;
		case 2:
			iowrite16(rw->value, io);
			break;
		case 4:
			iowrite32(rw->value, io);
			break;
		default:
			writeq(rw->value, io);
			break;
		}
	} else {
		switch (rw->width) {
		case 1:
			rw->value = ioread8(io);
			break;
		case 2:
			rw->value = ioread16(io);
			break;
		case 4:
			rw->value = ioread32(io);
			break;
		default:
			rw->value = readq(io);
			break;
		}
	}
out_unlock:
	up_read(&ndev->memory_lock);
	return ret;
}

static vm_fault_t nvmetest_bar_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct nvmetest_dev *ndev = vma->vm_private_data;
	u64 off = (u64)vmf->pgoff << PAGE_SHIFT;
	unsigned int bar = NVMETEST_MMAP_REGION(off);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	unsigned long pfn;

	down_read(&ndev->memory_lock);
	if (!nvmetest_bar_decodes(ndev, bar))
		goto out_unlock;
	pfn = (pci_resource_start(ndev->pdev, bar) +
	       NVMETEST_MMAP_OFFSET(off)) >> PAGE_SHIFT;
	ret = vmf_insert_pfn(vma, vmf->address, pfn);
out_unlock:
	up_read(&ndev->memory_lock);
	return ret;
}

static const struct vm_operations_struct nvmetest_bar_vm_ops = {
	.fault = nvmetest_bar_fault,
};

int nvmetest_bar_mmap(struct nvmetest_dev *ndev, struct vm_area_struct *vma,
		      unsigned int bar, u64 offset)
{
	u64 size = vma->vm_end - vma->vm_start;
	u64 len;

	if (!nvmetest_bar_mmappable(ndev, bar))
		return -EINVAL;
	len = pci_resource_len(ndev->pdev, bar);
	if (offset >= len || size > len - offset)
		return -EINVAL;

	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vma->vm_ops = &nvmetest_bar_vm_ops;
	vma->vm_private_data = ndev;
	return 0;
}

/* Zap [start, start + len) of every open file's mappings (len 0: to the end). */
static void nvmetest_zap(struct nvmetest_dev *ndev, loff_t start, loff_t len)
{
	struct nvmetest_file *nf;

	mutex_lock(&ndev->files_lock);
	list_for_each_entry(nf, &ndev->files, node)
		unmap_mapping_range(nf->file->f_mapping, start, len, true);
	mutex_unlock(&ndev->files_lock);
}

/* Callers hold memory_lock for writing and have made faults fail. */
void nvmetest_zap_bars(struct nvmetest_dev *ndev)
{
	nvmetest_zap(ndev, 0, NVMETEST_MMAP_BAR(NVMETEST_NUM_BARS));
}

void nvmetest_zap_all(struct nvmetest_dev *ndev)
{
	nvmetest_zap(ndev, 0, 0);
}
