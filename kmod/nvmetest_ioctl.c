// SPDX-License-Identifier: GPL-2.0
/*
 * nvmetest: ioctl dispatch and argument validation.
 *
 * Every argument starts with argsz and flags.  The kernel reads the
 * structure's minimum size (argsz below it: -EINVAL), accepts a larger
 * argsz only when the bytes it does not know are zero (-E2BIG otherwise),
 * rejects unknown flags and nonzero reserved fields with -EINVAL, and
 * never writes back more than argsz bytes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>

#include "nvmetest_private.h"

/* Largest argsz accepted; the tail past what the kernel knows must be zero. */
#define NVMETEST_ARGSZ_MAX	PAGE_SIZE

/*
 * Copy an argument structure in: @ksize is the kernel's structure size,
 * @minsz the smallest argsz accepted.  Returns argsz or a negative errno.
 */
static long nvmetest_copy_in(void *karg, size_t ksize, size_t minsz,
			     unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	u32 argsz;
	int ret;

	if (get_user(argsz, (u32 __user *)uarg))
		return -EFAULT;
	if (argsz < minsz)
		return -EINVAL;
	if (argsz > NVMETEST_ARGSZ_MAX)
		return -E2BIG;
	ret = copy_struct_from_user(karg, ksize, uarg, argsz);
	if (ret)
		return ret;
	/* The caller's structure may have changed under us: use ours. */
	*(u32 *)karg = argsz;
	return argsz;
}

static int nvmetest_copy_out(unsigned long arg, const void *karg, size_t ksize,
			     u32 argsz)
{
	if (copy_to_user((void __user *)arg, karg, min_t(size_t, ksize, argsz)))
		return -EFAULT;
	return 0;
}

static void nvmetest_fill_info(struct nvmetest_dev *ndev,
			       struct nvmetest_info *info)
{
	struct pci_dev *pdev = ndev->pdev;
	int bar;

	info->flags = 0;
	if (nvmetest_iommu_translates(ndev))
		info->flags |= NVMETEST_INFO_IOMMU;
	if (pci_is_pcie(pdev))
		info->flags |= NVMETEST_INFO_PCIE;
	info->abi_version = NVMETEST_ABI_VERSION;
	info->domain = pci_domain_nr(pdev->bus);
	info->bus = pdev->bus->number;
	info->slot = PCI_SLOT(pdev->devfn);
	info->function = PCI_FUNC(pdev->devfn);
	info->revision = pdev->revision;
	info->vendor_id = pdev->vendor;
	info->device_id = pdev->device;
	info->subsystem_vendor_id = pdev->subsystem_vendor;
	info->subsystem_device_id = pdev->subsystem_device;
	info->class_code = pdev->class;
	info->cfg_size = pdev->cfg_size;
	info->reset_methods = nvmetest_reset_methods(ndev);
	info->intx = nvmetest_irq_max(ndev, NVMETEST_IRQ_INTX);
	info->msi_vectors = nvmetest_irq_max(ndev, NVMETEST_IRQ_MSI);
	info->msix_vectors = nvmetest_irq_max(ndev, NVMETEST_IRQ_MSIX);
	info->irq_counts_size = ndev->irq_counts_size;
	info->dma_max_alloc = nvmetest_dma_max_alloc(ndev);
	info->dma_limit_file = READ_ONCE(nvmetest_dma_limit_file);
	info->dma_limit_device = READ_ONCE(nvmetest_dma_limit_device);
	for (bar = 0; bar < NVMETEST_NUM_BARS; bar++)
		nvmetest_bar_info(ndev, bar, &info->bars[bar]);
	memset(info->reserved, 0, sizeof(info->reserved));
}

static long nvmetest_ioctl_get_info(struct nvmetest_dev *ndev,
				    unsigned long arg)
{
	struct nvmetest_info info;
	long argsz;
	int i;

	argsz = nvmetest_copy_in(&info, sizeof(info),
				 offsetofend(struct nvmetest_info, reserved),
				 arg);
	if (argsz < 0)
		return argsz;
	if (info.flags)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(info.reserved); i++)
		if (info.reserved[i])
			return -EINVAL;
	for (i = 0; i < NVMETEST_NUM_BARS; i++)
		if (info.bars[i].reserved)
			return -EINVAL;

	mutex_lock(&ndev->lock);
	if (ndev->removed) {
		mutex_unlock(&ndev->lock);
		return -ENODEV;
	}
	nvmetest_fill_info(ndev, &info);
	mutex_unlock(&ndev->lock);
	return nvmetest_copy_out(arg, &info, sizeof(info), argsz);
}

static long nvmetest_ioctl_rw(struct nvmetest_dev *ndev, unsigned long arg,
			      bool config, bool writable)
{
	struct nvmetest_rw rw;
	long argsz;
	int ret;

	argsz = nvmetest_copy_in(&rw, sizeof(rw),
				 offsetofend(struct nvmetest_rw, value), arg);
	if (argsz < 0)
		return argsz;
	if (rw.flags & ~NVMETEST_RW_WRITE)
		return -EINVAL;
	if ((rw.flags & NVMETEST_RW_WRITE) && !writable)
		return -EBADF;

	mutex_lock(&ndev->lock);
	if (ndev->removed)
		ret = -ENODEV;
	else if (config)
		ret = nvmetest_config_rw(ndev, &rw);
	else
		ret = nvmetest_bar_rw(ndev, &rw);
	mutex_unlock(&ndev->lock);
	if (ret)
		return ret;
	if (rw.flags & NVMETEST_RW_WRITE)
		return 0;
	return nvmetest_copy_out(arg, &rw, sizeof(rw), argsz);
}

static long nvmetest_ioctl_dma_alloc(struct nvmetest_file *nf,
				     unsigned long arg)
{
	struct nvmetest_dma_alloc da;
	long argsz;
	int ret;

	argsz = nvmetest_copy_in(&da, sizeof(da),
				 offsetofend(struct nvmetest_dma_alloc, reserved),
				 arg);
	if (argsz < 0)
		return argsz;
	if (da.flags || da.reserved)
		return -EINVAL;

	ret = nvmetest_dma_alloc(nf, &da);
	if (ret)
		return ret;
	ret = nvmetest_copy_out(arg, &da, sizeof(da), argsz);
	if (ret)
		nvmetest_dma_free(nf, da.handle);
	return ret;
}

static long nvmetest_ioctl_dma_free(struct nvmetest_file *nf,
				    unsigned long arg)
{
	struct nvmetest_dma_free df;
	long argsz;

	argsz = nvmetest_copy_in(&df, sizeof(df),
				 offsetofend(struct nvmetest_dma_free, reserved),
				 arg);
	if (argsz < 0)
		return argsz;
	if (df.flags || df.reserved)
		return -EINVAL;
	return nvmetest_dma_free(nf, df.handle);
}

static long nvmetest_ioctl_irq_set(struct nvmetest_file *nf,
				   unsigned long arg)
{
	struct nvmetest_irq_set is;
	s32 *fds = NULL;
	long argsz;
	int ret;

	argsz = nvmetest_copy_in(&is, sizeof(is),
				 offsetofend(struct nvmetest_irq_set, eventfds),
				 arg);
	if (argsz < 0)
		return argsz;
	if (is.flags)
		return -EINVAL;

	switch (is.type) {
	case NVMETEST_IRQ_NONE:
		if (is.count)
			return -EINVAL;
		break;
	case NVMETEST_IRQ_INTX:
	case NVMETEST_IRQ_MSI:
	case NVMETEST_IRQ_MSIX:
		if (!is.count ||
		    is.count > nvmetest_irq_max(nf->ndev, is.type))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}

	/* User memory is read before any lock is taken. */
	if (is.count) {
		fds = memdup_user(u64_to_user_ptr(is.eventfds),
				  array_size(is.count, sizeof(*fds)));
		if (IS_ERR(fds))
			return PTR_ERR(fds);
	}
	ret = nvmetest_irq_set(nf, is.type, is.count, fds);
	kfree(fds);
	return ret;
}

static long nvmetest_ioctl_irq_vector(struct nvmetest_file *nf,
				      unsigned int cmd, unsigned long arg)
{
	struct nvmetest_irq_vector iv;
	long argsz;

	argsz = nvmetest_copy_in(&iv, sizeof(iv),
				 offsetofend(struct nvmetest_irq_vector,
					     reserved),
				 arg);
	if (argsz < 0)
		return argsz;
	if (iv.flags || iv.reserved)
		return -EINVAL;

	if (cmd == NVMETEST_IRQ_TRIGGER)
		return nvmetest_irq_trigger(nf, iv.vector);
	return nvmetest_irq_mask(nf, iv.vector, cmd == NVMETEST_IRQ_MASK);
}

static long nvmetest_ioctl_reset(struct nvmetest_dev *ndev, unsigned long arg)
{
	struct nvmetest_reset rs;
	long argsz;

	argsz = nvmetest_copy_in(&rs, sizeof(rs),
				 offsetofend(struct nvmetest_reset, hold_ms),
				 arg);
	if (argsz < 0)
		return argsz;
	if (rs.flags || rs.method >= NVMETEST_RESET_NR)
		return -EINVAL;
	return nvmetest_reset(ndev, rs.method, rs.hold_ms);
}

static long nvmetest_ioctl_remove(struct nvmetest_dev *ndev, unsigned long arg)
{
	struct nvmetest_remove rm;
	long argsz;

	argsz = nvmetest_copy_in(&rm, sizeof(rm),
				 offsetofend(struct nvmetest_remove, reserved),
				 arg);
	if (argsz < 0)
		return argsz;
	/*
	 * Removing the function and rescanning its bus reach beyond it, as
	 * sysfs "remove" and "rescan" do, which only root may write.
	 */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if ((rm.flags & ~NVMETEST_REMOVE_RESCAN) || rm.reserved)
		return -EINVAL;
	if (!(rm.flags & NVMETEST_REMOVE_RESCAN) && rm.delay_ms)
		return -EINVAL;
	return nvmetest_remove_function(ndev,
					rm.flags & NVMETEST_REMOVE_RESCAN,
					rm.delay_ms);
}

long nvmetest_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct nvmetest_file *nf = filp->private_data;
	struct nvmetest_dev *ndev = nf->ndev;
	bool writable = filp->f_mode & FMODE_WRITE;

	if (READ_ONCE(ndev->removed))
		return -ENODEV;

	/*
	 * A file opened read-only may look, not touch: whatever changes the
	 * device or lets it write memory needs a writable open, as write(2)
	 * does.  Register writes are checked once their flags are known.
	 */
	switch (cmd) {
	case NVMETEST_GET_INFO:
	case NVMETEST_CONFIG_RW:
	case NVMETEST_BAR_RW:
		break;
	case NVMETEST_DMA_ALLOC:
	case NVMETEST_DMA_FREE:
	case NVMETEST_IRQ_SET:
	case NVMETEST_IRQ_MASK:
	case NVMETEST_IRQ_UNMASK:
	case NVMETEST_IRQ_TRIGGER:
	case NVMETEST_RESET:
	case NVMETEST_REMOVE:
		if (!writable)
			return -EBADF;
		break;
	default:
		return -ENOTTY;
	}

	switch (cmd) {
	case NVMETEST_GET_INFO:
		return nvmetest_ioctl_get_info(ndev, arg);
	case NVMETEST_CONFIG_RW:
		return nvmetest_ioctl_rw(ndev, arg, true, writable);
	case NVMETEST_BAR_RW:
		return nvmetest_ioctl_rw(ndev, arg, false, writable);
	case NVMETEST_DMA_ALLOC:
		return nvmetest_ioctl_dma_alloc(nf, arg);
	case NVMETEST_DMA_FREE:
		return nvmetest_ioctl_dma_free(nf, arg);
	case NVMETEST_IRQ_SET:
		return nvmetest_ioctl_irq_set(nf, arg);
	case NVMETEST_IRQ_MASK:
	case NVMETEST_IRQ_UNMASK:
	case NVMETEST_IRQ_TRIGGER:
		return nvmetest_ioctl_irq_vector(nf, cmd, arg);
	case NVMETEST_RESET:
		return nvmetest_ioctl_reset(ndev, arg);
	case NVMETEST_REMOVE:
		return nvmetest_ioctl_remove(ndev, arg);
	default:
		return -ENOTTY;
	}
}
