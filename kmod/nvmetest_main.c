// SPDX-License-Identifier: GPL-2.0
/*
 * nvmetest: raw access to a PCIe function under test.
 *
 * Module setup, the PCI driver (probe/remove) and the character device
 * (open/release/mmap) of each bound function.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "nvmetest_private.h"

#define NVMETEST_MINORS		(MINORMASK + 1)

static char *ids;
module_param(ids, charp, 0444);
MODULE_PARM_DESC(ids,
		 "Initial PCI IDs to bind: vendor:device[:subvendor[:subdevice[:class[:class_mask]]]], comma separated");

unsigned long nvmetest_dma_limit_file = 256UL << 20;
module_param_named(dma_limit_file, nvmetest_dma_limit_file, ulong, 0644);
MODULE_PARM_DESC(dma_limit_file, "DMA bytes one open file may hold (default 256 MiB)");

unsigned long nvmetest_dma_limit_device = 1UL << 30;
module_param_named(dma_limit_device, nvmetest_dma_limit_device, ulong, 0644);
MODULE_PARM_DESC(dma_limit_device,
		 "DMA bytes all open files of one function may hold (default 1 GiB)");

bool nvmetest_reclaim = true;
module_param_named(reclaim, nvmetest_reclaim, bool, 0644);
MODULE_PARM_DESC(reclaim,
		 "Bind again a function that left the bus while bound, when it comes back with the same address and IDs (default Y)");

/*
 * Without an IOMMU translating its DMA the device can write any physical
 * memory, so giving it to a user gives that user the machine: opening then
 * takes CAP_SYS_RAWIO, as vfio's no-IOMMU mode does, unless root accepts
 * the risk for the group with this parameter.  Every such open taints the
 * kernel.
 */
bool nvmetest_allow_unsafe_dma;
module_param_named(allow_unsafe_dma, nvmetest_allow_unsafe_dma, bool, 0644);
MODULE_PARM_DESC(allow_unsafe_dma,
		 "Without an IOMMU, let users without CAP_SYS_RAWIO open the device, which can then write all memory; taints the kernel (default N)");

static dev_t nvmetest_devt;
static DEFINE_IDA(nvmetest_minors);

static char *nvmetest_devnode(struct device *dev, umode_t *mode)
{
	/* Without udev's rule only root may open the node. */
	if (mode)
		*mode = 0600;
	return kasprintf(GFP_KERNEL, NVMETEST_NAME "/%s", dev_name(dev));
}

static struct class nvmetest_class = {
	.name		= NVMETEST_NAME,
	.owner		= THIS_MODULE,
	.devnode	= nvmetest_devnode,
	.dev_groups	= nvmetest_dev_groups,
};

/* ------------------------------------------------------ character device */

/* Who may open: see allow_unsafe_dma above. */
static int nvmetest_may_open(struct nvmetest_dev *ndev)
{
	lockdep_assert_held(&ndev->lock);

	if (nvmetest_iommu_translates(ndev) || capable(CAP_SYS_RAWIO))
		return 0;
	if (!READ_ONCE(nvmetest_allow_unsafe_dma))
		return -EPERM;

	add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	if (!ndev->unsafe_dma_logged) {
		ndev->unsafe_dma_logged = true;
		pci_warn(ndev->pdev,
			 "opened by %s[%d] without CAP_SYS_RAWIO or an IOMMU (allow_unsafe_dma): the device can write all memory; tainting kernel\n",
			 current->comm, task_tgid_nr(current));
	}
	return 0;
}

static int nvmetest_open(struct inode *inode, struct file *filp)
{
	struct nvmetest_dev *ndev = cdev_to_nvmetest_dev(inode->i_cdev);
	struct nvmetest_file *nf;
	int ret;

	ret = security_locked_down(LOCKDOWN_PCI_ACCESS);
	if (ret)
		return ret;

	nf = kzalloc(sizeof(*nf), GFP_KERNEL);
	if (!nf)
		return -ENOMEM;
	nf->ndev = ndev;
	nf->file = filp;
	mutex_init(&nf->lock);
	xa_init_flags(&nf->dma, XA_FLAGS_ALLOC);
	nf->pid = task_tgid_nr(current);
	get_task_comm(nf->comm, current);

	get_device(&ndev->dev);
	mutex_lock(&ndev->lock);
	if (ndev->removed) {
		ret = -ENODEV;
		goto out_unlock;
	}
	ret = nvmetest_may_open(ndev);
	if (ret)
		goto out_unlock;
	mutex_lock(&ndev->files_lock);
	list_add_tail(&nf->node, &ndev->files);
	ndev->openers++;
	mutex_unlock(&ndev->files_lock);
	mutex_unlock(&ndev->lock);

	filp->private_data = nf;
	return nonseekable_open(inode, filp);

out_unlock:
	mutex_unlock(&ndev->lock);
	put_device(&ndev->dev);
	kfree(nf);
	return ret;
}

/*
 * The last file closed, and closed files left memory to the device: make
 * the function forget every address it was given before that memory goes
 * back to the allocator, as vfio-pci does when its last user goes.  Bus
 * Master off stops its DMA at once; a function reset (the methods the PCI
 * core uses for sysfs "reset", FLR first) makes it drop its queues and
 * outstanding commands, after which Bus Master is set again for the next
 * opener, as after probe.  Without a reset Bus Master stays off, and the
 * next owner sets it once it has put the device in a state it knows.
 */
static void nvmetest_quiesce(struct nvmetest_dev *ndev)
{
	struct pci_dev *pdev = ndev->pdev;
	bool reset = false;

	lockdep_assert_held(&ndev->lock);

	pci_clear_master(pdev);
	/* Unbind holds the device lock while it waits for ndev->lock. */
	if (!pci_channel_offline(pdev) && device_trylock(&pdev->dev)) {
		pci_cfg_access_lock(pdev);
		pci_save_state(pdev);
		pci_write_config_word(pdev, PCI_COMMAND,
				      PCI_COMMAND_INTX_DISABLE);
		reset = !__pci_reset_function_locked(pdev);
		pci_restore_state(pdev);
		/* Keep a saved state for AER recovery, as after a reset. */
		pci_save_state(pdev);
		pci_cfg_access_unlock(pdev);
		device_unlock(&pdev->dev);
	}
	nvmetest_dma_free_orphans(ndev);
	if (reset)
		pci_set_master(pdev);
	else
		pci_info(pdev, "no function reset after the last close: Bus Master left off\n");
}

static int nvmetest_release(struct inode *inode, struct file *filp)
{
	struct nvmetest_file *nf = filp->private_data;
	struct nvmetest_dev *ndev = nf->ndev;
	bool last;

	mutex_lock(&ndev->lock);
	if (ndev->irq_owner == nf)
		nvmetest_irq_teardown(ndev);
	/* After a remove the allocations were freed with the device. */
	nvmetest_dma_release_file(nf);
	mutex_lock(&ndev->files_lock);
	list_del(&nf->node);
	last = !--ndev->openers;
	mutex_unlock(&ndev->files_lock);
	if (last && !ndev->removed && nvmetest_dma_has_orphans(ndev))
		nvmetest_quiesce(ndev);
	mutex_unlock(&ndev->lock);

	xa_destroy(&nf->dma);
	mutex_destroy(&nf->lock);
	kfree(nf);
	put_device(&ndev->dev);
	return 0;
}

static int nvmetest_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct nvmetest_file *nf = filp->private_data;
	struct nvmetest_dev *ndev = nf->ndev;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 region = NVMETEST_MMAP_REGION(off);
	u64 offset = NVMETEST_MMAP_OFFSET(off);

	if (READ_ONCE(ndev->removed))
		return -ENODEV;
	if (vma->vm_end <= vma->vm_start)
		return -EINVAL;
	/*
	 * Private mappings of device memory make no sense.  (VM_MAYSHARE:
	 * mmap() drops VM_SHARED from a shared mapping of a read-only file.)
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	if (region < NVMETEST_NUM_BARS)
		return nvmetest_bar_mmap(ndev, vma, region, offset);
	if (region == NVMETEST_REGION_IRQ_COUNTS)
		return nvmetest_irq_mmap(ndev, vma, offset);
	if (region >= NVMETEST_MMAP_DMA_FIRST &&
	    region - NVMETEST_MMAP_DMA_FIRST <= NVMETEST_DMA_HANDLE_MAX)
		return nvmetest_dma_mmap(nf, vma,
					 region - NVMETEST_MMAP_DMA_FIRST,
					 offset);
	return -EINVAL;
}

static const struct file_operations nvmetest_fops = {
	.owner		= THIS_MODULE,
	.open		= nvmetest_open,
	.release	= nvmetest_release,
	.unlocked_ioctl	= nvmetest_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= nvmetest_mmap,
	.llseek		= no_llseek,
};

/* ------------------------------------------------------------ PCI driver */

static void nvmetest_dev_release(struct device *dev)
{
	struct nvmetest_dev *ndev = to_nvmetest_dev(dev);

	nvmetest_irq_exit(ndev);
	if (ndev->minor >= 0)
		ida_free(&nvmetest_minors, ndev->minor);
	pci_dev_put(ndev->pdev);
	mutex_destroy(&ndev->files_lock);
	mutex_destroy(&ndev->lock);
	kfree(ndev);
}

static int nvmetest_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct nvmetest_dev *ndev;
	int ret;

	ndev = kzalloc(sizeof(*ndev), GFP_KERNEL);
	if (!ndev)
		return -ENOMEM;
	ndev->pdev = pci_dev_get(pdev);
	ndev->minor = -1;
	mutex_init(&ndev->lock);
	init_rwsem(&ndev->memory_lock);
	mutex_init(&ndev->files_lock);
	INIT_LIST_HEAD(&ndev->files);
	INIT_LIST_HEAD(&ndev->dma_orphans);
	spin_lock_init(&ndev->intx_lock);

	/* From here on put_device() frees what was set up. */
	device_initialize(&ndev->dev);
	ndev->dev.class = &nvmetest_class;
	ndev->dev.parent = &pdev->dev;
	ndev->dev.release = nvmetest_dev_release;
	ret = dev_set_name(&ndev->dev, "%s", pci_name(pdev));
	if (ret)
		goto out_put;

	ret = ida_alloc_max(&nvmetest_minors, NVMETEST_MINORS - 1, GFP_KERNEL);
	if (ret < 0)
		goto out_put;
	ndev->minor = ret;
	ndev->dev.devt = MKDEV(MAJOR(nvmetest_devt), ndev->minor);

	ret = nvmetest_irq_init(ndev);
	if (ret)
		goto out_put;

	ret = pci_enable_device(pdev);
	if (ret) {
		pci_err(pdev, "cannot enable device: %d\n", ret);
		goto out_put;
	}
	pci_set_master(pdev);
	if (dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64)) &&
	    dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32)))
		pci_warn(pdev, "no usable DMA mask\n");
	nvmetest_bar_probe(ndev);
	pci_save_state(pdev);
	pci_set_drvdata(pdev, ndev);

	cdev_init(&ndev->cdev, &nvmetest_fops);
	ndev->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&ndev->cdev, &ndev->dev);
	if (ret)
		goto out_release_bars;

	nvmetest_debugfs_add(ndev);
	nvmetest_reclaim_bound(pdev);
	nvmetest_notify_simple(pci_name(pdev), NVMETEST_EVENT_BIND);
	pci_info(pdev, "bound, /dev/" NVMETEST_NAME "/%s\n", pci_name(pdev));
	return 0;

out_release_bars:
	pci_set_drvdata(pdev, NULL);
	nvmetest_bar_release(ndev);
	pci_clear_master(pdev);
	pci_disable_device(pdev);
out_put:
	put_device(&ndev->dev);
	return ret;
}

static void nvmetest_remove(struct pci_dev *pdev)
{
	struct nvmetest_dev *ndev = pci_get_drvdata(pdev);

	pci_disable_sriov(pdev);	/* a PF's VFs go before it (no-op otherwise) */
	nvmetest_reclaim_unbound(pdev);

	/*
	 * Open files stay: they see -ENODEV from every ioctl and SIGBUS from
	 * every mapping from now on, and free their bookkeeping on close.
	 */
	mutex_lock(&ndev->lock);
	down_write(&ndev->memory_lock);
	WRITE_ONCE(ndev->removed, true);
	nvmetest_zap_all(ndev);
	up_write(&ndev->memory_lock);
	nvmetest_irq_teardown(ndev);
	/* No DMA from the function into memory about to be freed. */
	pci_clear_master(pdev);
	nvmetest_dma_release_all(ndev);
	mutex_unlock(&ndev->lock);

	nvmetest_debugfs_remove(ndev);
	cdev_device_del(&ndev->cdev, &ndev->dev);
	nvmetest_bar_release(ndev);
	pci_disable_device(pdev);
	pci_set_drvdata(pdev, NULL);

	nvmetest_notify_simple(pci_name(pdev), NVMETEST_EVENT_UNBIND);
	pci_info(pdev, "unbound\n");
	put_device(&ndev->dev);
}

struct pci_driver nvmetest_pci_driver = {
	.name		= NVMETEST_NAME,
	.id_table	= NULL,		/* driver_override and ids= only */
	.probe		= nvmetest_probe,
	.remove		= nvmetest_remove,
	/* sysfs sriov_numvfs: VFs come up unbound (no id_table) */
	.sriov_configure = pci_sriov_configure_simple,
	.err_handler	= &nvmetest_err_handlers,
};

/* vfio-pci's ids= syntax: vendor:device[:subvendor[:subdevice[:class[:mask]]]] */
static void __init nvmetest_add_ids(void)
{
	char *p, *id;

	if (!ids || !*ids)
		return;

	p = ids;
	while ((id = strsep(&p, ","))) {
		unsigned int vendor, device, subvendor = PCI_ANY_ID;
		unsigned int subdevice = PCI_ANY_ID, class = 0, class_mask = 0;
		int fields, ret;

		if (!*id)
			continue;
		fields = sscanf(id, "%x:%x:%x:%x:%x:%x", &vendor, &device,
				&subvendor, &subdevice, &class, &class_mask);
		if (fields < 2) {
			pr_warn("invalid id string \"%s\"\n", id);
			continue;
		}
		ret = pci_add_dynid(&nvmetest_pci_driver, vendor, device,
				    subvendor, subdevice, class, class_mask, 0);
		if (ret)
			pr_warn("failed to add dynamic id %s: %d\n", id, ret);
		else
			pr_info("added %04x:%04x sub %04x:%04x class %#08x/%08x\n",
				vendor, device, subvendor, subdevice,
				class, class_mask);
	}
}

static int __init nvmetest_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&nvmetest_devt, 0, NVMETEST_MINORS,
				  NVMETEST_NAME);
	if (ret)
		return ret;

	ret = class_register(&nvmetest_class);
	if (ret)
		goto out_unregister_chrdev;

	ret = nvmetest_genl_init();
	if (ret)
		goto out_unregister_class;

	nvmetest_debugfs_init();

	ret = nvmetest_reclaim_init();
	if (ret)
		goto out_debugfs_exit;

	ret = pci_register_driver(&nvmetest_pci_driver);
	if (ret)
		goto out_reclaim_exit;

	nvmetest_add_ids();
	return 0;

out_reclaim_exit:
	nvmetest_reclaim_exit();
out_debugfs_exit:
	nvmetest_debugfs_exit();
	nvmetest_genl_exit();
out_unregister_class:
	class_unregister(&nvmetest_class);
out_unregister_chrdev:
	unregister_chrdev_region(nvmetest_devt, NVMETEST_MINORS);
	return ret;
}

static void __exit nvmetest_exit(void)
{
	pci_unregister_driver(&nvmetest_pci_driver);
	nvmetest_reclaim_exit();
	nvmetest_debugfs_exit();
	nvmetest_genl_exit();
	class_unregister(&nvmetest_class);
	unregister_chrdev_region(nvmetest_devt, NVMETEST_MINORS);
	ida_destroy(&nvmetest_minors);
}

module_init(nvmetest_init);
module_exit(nvmetest_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("nvmetest developers");
MODULE_DESCRIPTION("Raw access to a PCIe function under test");
MODULE_VERSION(NVMETEST_VERSION);
