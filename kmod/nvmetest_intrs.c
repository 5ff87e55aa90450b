// SPDX-License-Identifier: GPL-2.0
/*
 * nvmetest: interrupts.
 *
 * One open file at a time owns the function's interrupts: it sets up INTx,
 * MSI or MSI-X with N vectors, each counted in a per-device region of
 * __u64 counters (mmapped read-only) and optionally signalling an eventfd.
 *
 * Masking an MSI/MSI-X vector disables the Linux IRQ without laziness, so
 * the mask bit really is set in the device (MSI-X: the vector control word)
 * and a message the device wants to send while masked is held pending by
 * the device (the PBA) and delivered on unmask.  INTx is level triggered
 * and may be shared: the handler masks it with the Command register's
 * Interrupt Disable bit when the function asserted it, as vfio-pci does,
 * and the owner unmasks it once it has serviced the device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "nvmetest_private.h"

const char *nvmetest_irq_type_name(u32 type)
{
	switch (type) {
	case NVMETEST_IRQ_INTX:
		return "intx";
	case NVMETEST_IRQ_MSI:
		return "msi";
	case NVMETEST_IRQ_MSIX:
		return "msix";
	default:
		return "none";
	}
}

u32 nvmetest_irq_max(struct nvmetest_dev *ndev, u32 type)
{
	struct pci_dev *pdev = ndev->pdev;
	int n;

	switch (type) {
	case NVMETEST_IRQ_INTX:
		return pdev->pin && pdev->irq ? 1 : 0;
	case NVMETEST_IRQ_MSI:
		n = pci_msi_vec_count(pdev);
		return n > 0 ? n : 0;
	case NVMETEST_IRQ_MSIX:
		n = pci_msix_vec_count(pdev);
		return n > 0 ? n : 0;
	default:
		return 0;
	}
}

int nvmetest_irq_init(struct nvmetest_dev *ndev)
{
	u32 max = 1;

	max = max(max, nvmetest_irq_max(ndev, NVMETEST_IRQ_MSI));
	max = max(max, nvmetest_irq_max(ndev, NVMETEST_IRQ_MSIX));
	ndev->irq_max = max;
	ndev->irq_counts_size = PAGE_ALIGN(max * sizeof(u64));
	ndev->irq_counts = vzalloc(ndev->irq_counts_size);
	if (!ndev->irq_counts)
		return -ENOMEM;
	return 0;
}

void nvmetest_irq_exit(struct nvmetest_dev *ndev)
{
	vfree(ndev->irq_counts);
	ndev->irq_counts = NULL;
}

/* Count the vector and signal its eventfd: the same for hardware and trigger. */
static void nvmetest_irq_deliver(struct nvmetest_irq_vec *vec)
{
	atomic64_inc(&vec->ndev->irq_counts[vec->index]);
	if (vec->trigger)
		eventfd_signal(vec->trigger, 1);
}

static irqreturn_t nvmetest_msi_handler(int irq, void *arg)
{
	nvmetest_irq_deliver(arg);
	return IRQ_HANDLED;
}

static irqreturn_t nvmetest_intx_handler(int irq, void *arg)
{
	struct nvmetest_irq_vec *vec = arg;
	struct nvmetest_dev *ndev = vec->ndev;
	unsigned long flags;

	spin_lock_irqsave(&ndev->intx_lock, flags);
	if (ndev->intx_exclusive) {
		disable_irq_nosync(irq);
	} else if (vec->masked || !pci_check_and_mask_intx(ndev->pdev)) {
		/*
		 * Another function on the shared line.  A masked function
		 * cannot be asserting it, though its Interrupt Status stays
		 * set until the owner services it: do not count it again.
		 */
		spin_unlock_irqrestore(&ndev->intx_lock, flags);
		return IRQ_NONE;
	}
	vec->masked = true;
	nvmetest_irq_deliver(vec);
	spin_unlock_irqrestore(&ndev->intx_lock, flags);
	return IRQ_HANDLED;
}

static void nvmetest_irq_reset_counts(struct nvmetest_dev *ndev)
{
	u32 i;

	for (i = 0; i < ndev->irq_max; i++)
		atomic64_set(&ndev->irq_counts[i], 0);
}

/*
 * Give the IRQs of the current setup back to the kernel, keeping ndev->vecs
 * (eventfds, mask state) so that the setup can be requested again.
 */
static void nvmetest_irq_release(struct nvmetest_dev *ndev)
{
	struct pci_dev *pdev = ndev->pdev;
	struct nvmetest_irq_vec *vec;
	u32 i;

	for (i = 0; i < ndev->irq_count; i++) {
		vec = &ndev->vecs[i];
		/*
		 * Freeing the only action shuts the IRQ down, which also
		 * forgets a disable_irq() of a masked vector.
		 */
		if (vec->irq) {
			free_irq(vec->irq, vec);
			if (ndev->irq_type != NVMETEST_IRQ_INTX)
				irq_clear_status_flags(vec->irq,
						       IRQ_DISABLE_UNLAZY);
			vec->irq = 0;
		}
		kfree(vec->name);
		vec->name = NULL;
	}
	if (ndev->irq_type == NVMETEST_IRQ_INTX)
		pci_intx(pdev, 0);
	if (ndev->irq_type != NVMETEST_IRQ_NONE)
		pci_free_irq_vectors(pdev);
	ndev->intx_exclusive = false;
}

/* Drop the eventfds of @count vectors and the array. */
static void nvmetest_irq_free_vecs(struct nvmetest_irq_vec *vecs, u32 count)
{
	u32 i;

	for (i = 0; vecs && i < count; i++)
		if (vecs[i].trigger)
			eventfd_ctx_put(vecs[i].trigger);
	kfree(vecs);
}

static void nvmetest_irq_free_vectors(struct nvmetest_dev *ndev)
{
	nvmetest_irq_release(ndev);
	nvmetest_irq_free_vecs(ndev->vecs, ndev->irq_count);
	ndev->vecs = NULL;
	ndev->irq_count = 0;
	ndev->irq_type = NVMETEST_IRQ_NONE;
	ndev->irq_owner = NULL;
}

/* Tear down whatever is set up, and say so.  Called under ndev->lock. */
void nvmetest_irq_teardown(struct nvmetest_dev *ndev)
{
	struct nvmetest_event_info ev = {
		.event = NVMETEST_EVENT_IRQ_SETUP,
		.irq_type = NVMETEST_IRQ_NONE,
	};

	lockdep_assert_held(&ndev->lock);

	if (ndev->irq_type == NVMETEST_IRQ_NONE && !ndev->irq_owner)
		return;
	nvmetest_irq_free_vectors(ndev);
	nvmetest_notify(nvmetest_bdf(ndev), &ev);
}

/*
 * Allocate and request count vectors into ndev->vecs, masked where the
 * vector says so.  On failure the caller's nvmetest_irq_release() undoes
 * whatever got done.
 */
static int nvmetest_irq_request(struct nvmetest_dev *ndev, u32 type, u32 count)
{
	struct pci_dev *pdev = ndev->pdev;
	static const unsigned int pci_flags[] = {
		[NVMETEST_IRQ_INTX] = PCI_IRQ_LEGACY,
		[NVMETEST_IRQ_MSI] = PCI_IRQ_MSI,
		[NVMETEST_IRQ_MSIX] = PCI_IRQ_MSIX,
	};
	struct nvmetest_irq_vec *vec;
	unsigned long irqflags = 0;
	irq_handler_t handler = nvmetest_msi_handler;
	int irq, ret;
	u32 i;

	ret = pci_alloc_irq_vectors(pdev, count, count, pci_flags[type]);
	if (ret < 0)
		return ret;

	if (type == NVMETEST_IRQ_INTX) {
		handler = nvmetest_intx_handler;
		ndev->intx_exclusive = !pci_intx_mask_supported(pdev);
		if (!ndev->intx_exclusive)
			irqflags = IRQF_SHARED;
		pci_intx(pdev, ndev->intx_exclusive || !ndev->vecs[0].masked);
	}

	for (i = 0; i < count; i++) {
		vec = &ndev->vecs[i];
		vec->name = kasprintf(GFP_KERNEL, "nvmetest-%s[%u](%s)",
				      nvmetest_irq_type_name(type), i,
				      nvmetest_bdf(ndev));
		if (!vec->name)
			return -ENOMEM;
		irq = pci_irq_vector(pdev, i);
		if (irq < 0)
			return irq;
		/* Mask in the device at once, so that it holds the message. */
		if (type != NVMETEST_IRQ_INTX)
			irq_set_status_flags(irq, IRQ_DISABLE_UNLAZY);
		ret = request_irq(irq, handler, irqflags, vec->name, vec);
		if (ret) {
			if (type != NVMETEST_IRQ_INTX)
				irq_clear_status_flags(irq, IRQ_DISABLE_UNLAZY);
			return ret;
		}
		vec->irq = irq;
		if (vec->masked &&
		    (type != NVMETEST_IRQ_INTX || ndev->intx_exclusive))
			disable_irq(irq);
	}
	return 0;
}

/*
 * Replace the current setup (perhaps none) by @count @vecs of @type.  A
 * failure puts the previous setup back, counters and masks included, so
 * that the call changes nothing; only when the kernel refuses the vectors
 * it granted before is the setup gone (-> *@lost).
 */
static int nvmetest_irq_replace(struct nvmetest_file *nf, u32 type, u32 count,
				struct nvmetest_irq_vec *vecs, bool *lost)
{
	struct nvmetest_dev *ndev = nf->ndev;
	struct nvmetest_irq_vec *old_vecs = ndev->vecs;
	struct nvmetest_file *old_owner = ndev->irq_owner;
	u32 old_type = ndev->irq_type, old_count = ndev->irq_count;
	u64 *old_counts = NULL;
	int ret;
	u32 i;

	*lost = false;
	if (old_count) {
		old_counts = kmalloc_array(old_count, sizeof(*old_counts),
					   GFP_KERNEL);
		if (!old_counts) {
			nvmetest_irq_free_vecs(vecs, count);
			return -ENOMEM;
		}
		for (i = 0; i < old_count; i++)
			old_counts[i] = atomic64_read(&ndev->irq_counts[i]);
	}

	nvmetest_irq_release(ndev);
	nvmetest_irq_reset_counts(ndev);
	ndev->vecs = vecs;
	ndev->irq_type = type;
	ndev->irq_count = count;
	ndev->irq_owner = nf;

	ret = nvmetest_irq_request(ndev, type, count);
	if (!ret) {
		nvmetest_irq_free_vecs(old_vecs, old_count);
		goto out_free_counts;
	}

	nvmetest_irq_release(ndev);
	nvmetest_irq_free_vecs(vecs, count);
	nvmetest_irq_reset_counts(ndev);
	ndev->vecs = old_vecs;
	ndev->irq_type = old_type;
	ndev->irq_count = old_count;
	ndev->irq_owner = old_owner;
	for (i = 0; i < old_count; i++)
		atomic64_set(&ndev->irq_counts[i], old_counts[i]);
	if (old_type != NVMETEST_IRQ_NONE &&
	    nvmetest_irq_request(ndev, old_type, old_count)) {
		nvmetest_irq_free_vectors(ndev);
		*lost = true;
	}
out_free_counts:
	kfree(old_counts);
	return ret;
}

int nvmetest_irq_set(struct nvmetest_file *nf, u32 type, u32 count,
		     const s32 *fds)
{
	struct nvmetest_dev *ndev = nf->ndev;
	struct nvmetest_event_info ev = {
		.event = NVMETEST_EVENT_IRQ_SETUP,
		.irq_type = type,
		.irq_count = count,
	};
	struct nvmetest_event_info none = {
		.event = NVMETEST_EVENT_IRQ_SETUP,
		.irq_type = NVMETEST_IRQ_NONE,
	};
	struct nvmetest_irq_vec *vecs = NULL;
	bool lost;
	int ret = 0;
	u32 i;

	/* Resolve every eventfd first: a bad one changes nothing. */
	if (count) {
		vecs = kcalloc(count, sizeof(*vecs), GFP_KERNEL);
		if (!vecs)
			return -ENOMEM;
	}
	for (i = 0; i < count; i++) {
		vecs[i].ndev = ndev;
		vecs[i].index = i;
		if (fds[i] == -1)
			continue;
		if (fds[i] < 0) {
			ret = -EINVAL;
			goto out_put_eventfds;
		}
		vecs[i].trigger = eventfd_ctx_fdget(fds[i]);
		if (IS_ERR(vecs[i].trigger)) {
			ret = PTR_ERR(vecs[i].trigger);
			vecs[i].trigger = NULL;
			goto out_put_eventfds;
		}
	}

	mutex_lock(&ndev->lock);
	if (ndev->removed) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (ndev->irq_owner && ndev->irq_owner != nf) {
		ret = -EBUSY;
		goto out_unlock;
	}
	if (type == NVMETEST_IRQ_NONE) {
		nvmetest_irq_teardown(ndev);
		goto out_unlock;
	}

	ret = nvmetest_irq_replace(nf, type, count, vecs, &lost);
	vecs = NULL;		/* freed or owned by ndev, eventfds included */
	mutex_unlock(&ndev->lock);
	if (!ret)
		nvmetest_notify(nvmetest_bdf(ndev), &ev);
	else if (lost)
		nvmetest_notify(nvmetest_bdf(ndev), &none);
	return ret;

out_unlock:
	mutex_unlock(&ndev->lock);
out_put_eventfds:
	nvmetest_irq_free_vecs(vecs, count);
	return ret;
}

/* The vector the caller may act on, or an ERR_PTR. */
static struct nvmetest_irq_vec *nvmetest_irq_vector(struct nvmetest_file *nf,
						    u32 vector)
{
	struct nvmetest_dev *ndev = nf->ndev;

	lockdep_assert_held(&ndev->lock);

	if (ndev->removed)
		return ERR_PTR(-ENODEV);
	if (ndev->irq_owner && ndev->irq_owner != nf)
		return ERR_PTR(-EBUSY);
	/* Nothing set up: there is no vector to name, whatever its number. */
	if (ndev->irq_type == NVMETEST_IRQ_NONE)
		return ERR_PTR(-ENXIO);
	if (vector >= ndev->irq_count)
		return ERR_PTR(-EINVAL);
	return &ndev->vecs[vector];
}

static void nvmetest_intx_mask(struct nvmetest_dev *ndev,
			       struct nvmetest_irq_vec *vec, bool mask)
{
	unsigned long flags;
	bool deliver = false;

	spin_lock_irqsave(&ndev->intx_lock, flags);
	if (mask && !vec->masked) {
		if (ndev->intx_exclusive)
			disable_irq_nosync(vec->irq);
		else
			pci_intx(ndev->pdev, 0);
		vec->masked = true;
	} else if (!mask && vec->masked) {
		if (ndev->intx_exclusive) {
			enable_irq(vec->irq);
		} else if (!pci_check_and_unmask_intx(ndev->pdev)) {
			/* Still asserted: that is a new interrupt. */
			deliver = true;
		}
		vec->masked = deliver;
		if (vec->pending) {
			vec->pending = false;
			deliver = true;
		}
		if (deliver)
			nvmetest_irq_deliver(vec);
	}
	spin_unlock_irqrestore(&ndev->intx_lock, flags);
}

int nvmetest_irq_mask(struct nvmetest_file *nf, u32 vector, bool mask)
{
	struct nvmetest_dev *ndev = nf->ndev;
	struct nvmetest_irq_vec *vec;
	int ret = 0;

	mutex_lock(&ndev->lock);
	vec = nvmetest_irq_vector(nf, vector);
	if (IS_ERR(vec)) {
		ret = PTR_ERR(vec);
		goto out_unlock;
	}

	if (ndev->irq_type == NVMETEST_IRQ_INTX) {
		nvmetest_intx_mask(ndev, vec, mask);
	} else if (mask && !vec->masked) {
		disable_irq(vec->irq);
		vec->masked = true;
	} else if (!mask && vec->masked) {
		vec->masked = false;
		enable_irq(vec->irq);
		if (vec->pending) {
			vec->pending = false;
			nvmetest_irq_deliver(vec);
		}
	}
out_unlock:
	mutex_unlock(&ndev->lock);
	return ret;
}

int nvmetest_irq_trigger(struct nvmetest_file *nf, u32 vector)
{
	struct nvmetest_dev *ndev = nf->ndev;
	struct nvmetest_irq_vec *vec;
	unsigned long flags;
	int ret = 0;

	mutex_lock(&ndev->lock);
	vec = nvmetest_irq_vector(nf, vector);
	if (IS_ERR(vec)) {
		ret = PTR_ERR(vec);
		goto out_unlock;
	}

	/* A masked vector holds the interrupt until it is unmasked. */
	spin_lock_irqsave(&ndev->intx_lock, flags);
	if (vec->masked)
		vec->pending = true;
	else
		nvmetest_irq_deliver(vec);
	spin_unlock_irqrestore(&ndev->intx_lock, flags);
out_unlock:
	mutex_unlock(&ndev->lock);
	return ret;
}

static vm_fault_t nvmetest_irq_vm_fault(struct vm_fault *vmf)
{
	struct nvmetest_dev *ndev = vmf->vma->vm_private_data;
	u64 off = NVMETEST_MMAP_OFFSET((u64)vmf->pgoff << PAGE_SHIFT);
	struct page *page;

	if (READ_ONCE(ndev->removed) || off >= ndev->irq_counts_size)
		return VM_FAULT_SIGBUS;
	page = vmalloc_to_page((void *)ndev->irq_counts + off);
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct nvmetest_irq_vm_ops = {
	.fault = nvmetest_irq_vm_fault,
};

int nvmetest_irq_mmap(struct nvmetest_dev *ndev, struct vm_area_struct *vma,
		      u64 offset)
{
	u64 size = vma->vm_end - vma->vm_start;

	if (offset >= ndev->irq_counts_size ||
	    size > ndev->irq_counts_size - offset)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EACCES;

	vma->vm_flags &= ~VM_MAYWRITE;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &nvmetest_irq_vm_ops;
	vma->vm_private_data = ndev;
	return 0;
}
