// SPDX-License-Identifier: GPL-2.0
/*
 * nvmetest: resets, remove and rescan, PCI error callbacks, and reclaiming
 * functions that come back on the bus.
 *
 * Every reset zaps the user's BAR mappings first (an access during the
 * reset gets SIGBUS, one after it faults the mapping back in) and saves
 * config space before and restores it after.  Resets done by others
 * (sysfs "reset", AER recovery, a bus reset of a neighbour) reach us
 * through the error handlers and are treated the same way; they may overlap
 * ours, so BAR faults stay refused until the last reset under way is done.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "nvmetest_private.h"

/* Longest hold_ms and delay_ms accepted. */
#define NVMETEST_HOLD_MAX_MS		60000
#define NVMETEST_RESCAN_DELAY_MAX_MS	60000
/* Default (and least) times held in reset: link disabled, bus reset. */
#define NVMETEST_LINK_HOLD_MS		10
#define NVMETEST_SBR_HOLD_MS		2
/*
 * After the link is released: config requests wait 100 ms (PCIe r6.0
 * sec 6.6.1), and the function must answer within a second.
 */
#define NVMETEST_LINK_SETTLE_MS		100
#define NVMETEST_READY_TIMEOUT_MS	1000

static int nvmetest_count_dev(struct pci_dev *pdev, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

/* Is @bridge a port whose Link Control can disable the link below it? */
static bool nvmetest_port_has_link_disable(struct pci_dev *bridge)
{
	int type;

	if (!bridge || !pci_is_pcie(bridge))
		return false;
	type = pci_pcie_type(bridge);
	return type == PCI_EXP_TYPE_ROOT_PORT ||
	       type == PCI_EXP_TYPE_DOWNSTREAM;
}

static bool nvmetest_has_flr(struct pci_dev *pdev)
{
	u32 cap;

	if (pdev->dev_flags & PCI_DEV_FLAGS_NO_FLR_RESET)
		return false;
	if (pcie_capability_read_dword(pdev, PCI_EXP_DEVCAP, &cap))
		return false;
	return cap & PCI_EXP_DEVCAP_FLR;
}

static bool nvmetest_has_pm_reset(struct pci_dev *pdev)
{
	u16 csr;

	if (!pdev->pm_cap ||
	    pdev->dev_flags & (PCI_DEV_FLAGS_NO_PM_RESET | PCI_DEV_FLAGS_NO_D3))
		return false;
	if (pci_read_config_word(pdev, pdev->pm_cap + PCI_PM_CTRL, &csr))
		return false;
	/* With No_Soft_Reset, D3hot->D0 keeps the function's state. */
	return !(csr & PCI_PM_CTRL_NO_SOFT_RESET);
}

/*
 * The bus below the upstream bridge holds nothing but this function, so
 * resetting that bus or its link touches no one else: nvmetest saves,
 * resets and restores it alone.
 */
static bool nvmetest_alone_below_bridge(struct pci_dev *pdev)
{
	struct pci_dev *bridge = pci_upstream_bridge(pdev);
	unsigned int count = 0;

	if (!bridge || pci_is_root_bus(pdev->bus) ||
	    (bridge->dev_flags & PCI_DEV_FLAGS_NO_BUS_RESET) ||
	    (pdev->dev_flags & PCI_DEV_FLAGS_NO_BUS_RESET))
		return false;
	pci_walk_bus(pdev->bus, nvmetest_count_dev, &count);
	return count == 1;
}

u32 nvmetest_reset_methods(struct nvmetest_dev *ndev)
{
	struct pci_dev *pdev = ndev->pdev;
	struct pci_dev *bridge = pci_upstream_bridge(pdev);
	bool alone = nvmetest_alone_below_bridge(pdev);
	u32 methods = 0;

	if (nvmetest_has_flr(pdev))
		methods |= BIT(NVMETEST_RESET_FLR);
	if (alone || (bridge && !pci_is_root_bus(pdev->bus) &&
		      (!pci_probe_reset_slot(pdev->slot) ||
		       !pci_probe_reset_bus(pdev->bus))))
		methods |= BIT(NVMETEST_RESET_HOT);
	if (alone && nvmetest_port_has_link_disable(bridge))
		methods |= BIT(NVMETEST_RESET_LINK);
	if (nvmetest_has_pm_reset(pdev))
		methods |= BIT(NVMETEST_RESET_PM);
	return methods;
}

static int nvmetest_wait_ready(struct pci_dev *pdev, unsigned int timeout_ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);

	while (!pci_device_is_present(pdev)) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		msleep(20);
	}
	return 0;
}

/*
 * Wait for the link below @bridge to come back and for @pdev to answer.
 * Data Link Layer Link Active, where the port reports it, ends the wait
 * for training early; a function that answers after the settle time needs
 * no such report (QEMU's root ports advertise it and never set it).
 */
static int nvmetest_wait_link(struct pci_dev *bridge, struct pci_dev *pdev)
{
	unsigned long deadline;
	u16 sta;

	msleep(NVMETEST_LINK_SETTLE_MS);
	if (pci_device_is_present(pdev))
		return 0;

	deadline = jiffies + msecs_to_jiffies(NVMETEST_READY_TIMEOUT_MS);
	if (bridge->link_active_reporting) {
		for (;;) {
			if (pcie_capability_read_word(bridge, PCI_EXP_LNKSTA,
						      &sta))
				return -ENODEV;
			if (sta & PCI_EXP_LNKSTA_DLLLA) {
				msleep(NVMETEST_LINK_SETTLE_MS);
				break;
			}
			if (pci_device_is_present(pdev))
				return 0;
			if (time_after(jiffies, deadline))
				break;
			usleep_range(10000, 20000);
		}
	}
	return nvmetest_wait_ready(pdev, NVMETEST_READY_TIMEOUT_MS);
}

/*
 * Reset what is below @pdev's upstream bridge, @pdev alone: Link Disable
 * in the port's Link Control (@sbr false) or Secondary Bus Reset in the
 * bridge control (@sbr true), held @hold_ms.
 */
static int nvmetest_link_reset(struct pci_dev *pdev, bool sbr, u32 hold_ms)
{
	struct pci_dev *bridge = pci_upstream_bridge(pdev);
	const u16 slot_events = PCI_EXP_SLTCTL_DLLSCE | PCI_EXP_SLTCTL_PDCE;
	bool hotplug = bridge->is_hotplug_bridge && pci_is_pcie(bridge);
	u16 sltctl = 0, bctl;
	int ret = 0;

	/* Keep pciehp from taking the link going down for a removal. */
	if (hotplug) {
		pcie_capability_read_word(bridge, PCI_EXP_SLTCTL, &sltctl);
		pcie_capability_clear_word(bridge, PCI_EXP_SLTCTL, slot_events);
	}

	if (sbr) {
		pci_read_config_word(bridge, PCI_BRIDGE_CONTROL, &bctl);
		pci_write_config_word(bridge, PCI_BRIDGE_CONTROL,
				      bctl | PCI_BRIDGE_CTL_BUS_RESET);
		msleep(max_t(u32, hold_ms, NVMETEST_SBR_HOLD_MS));
		pci_write_config_word(bridge, PCI_BRIDGE_CONTROL, bctl);
	} else {
		ret = pcie_capability_set_word(bridge, PCI_EXP_LNKCTL,
					       PCI_EXP_LNKCTL_LD);
		if (ret)
			goto out_restore_slot;
		msleep(hold_ms ? hold_ms : NVMETEST_LINK_HOLD_MS);
		pcie_capability_clear_word(bridge, PCI_EXP_LNKCTL,
					   PCI_EXP_LNKCTL_LD);
	}

	ret = nvmetest_wait_link(bridge, pdev);

out_restore_slot:
	if (hotplug) {
		pcie_capability_write_word(bridge, PCI_EXP_SLTSTA,
					   PCI_EXP_SLTSTA_DLLSC |
					   PCI_EXP_SLTSTA_PDC);
		pcie_capability_clear_and_set_word(bridge, PCI_EXP_SLTCTL,
						   slot_events,
						   sltctl & slot_events);
	}
	return pcibios_err_to_errno(ret);
}

static int nvmetest_pm_reset(struct pci_dev *pdev, u32 hold_ms)
{
	int ret;

	ret = pci_set_power_state(pdev, PCI_D3hot);
	if (ret)
		return ret;
	if (hold_ms)
		msleep(hold_ms);
	ret = pci_set_power_state(pdev, PCI_D0);
	if (ret)
		return ret;
	return nvmetest_wait_ready(pdev, NVMETEST_READY_TIMEOUT_MS);
}

/*
 * Resets nest: ours, one through sysfs or a neighbour's bus reset may
 * overlap, and BAR faults stay refused until the last of them is done.
 */
static void nvmetest_reset_begin(struct nvmetest_dev *ndev)
{
	down_write(&ndev->memory_lock);
	ndev->resetting++;
	nvmetest_zap_bars(ndev);
	up_write(&ndev->memory_lock);
}

static void nvmetest_reset_end(struct nvmetest_dev *ndev)
{
	down_write(&ndev->memory_lock);
	if (!WARN_ON_ONCE(!ndev->resetting))
		ndev->resetting--;
	up_write(&ndev->memory_lock);
}

int nvmetest_reset(struct nvmetest_dev *ndev, u32 method, u32 hold_ms)
{
	struct pci_dev *pdev = ndev->pdev;
	struct nvmetest_event_info ev = {
		.event = NVMETEST_EVENT_RESET_BEGIN,
		.method = method,
	};
	bool shared_bus;
	int ret;

	/* FLR is timed by the function itself. */
	if (method == NVMETEST_RESET_FLR && hold_ms)
		return -EINVAL;
	if (hold_ms > NVMETEST_HOLD_MAX_MS)
		return -EINVAL;

	mutex_lock(&ndev->lock);
	if (ndev->removed) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (!(nvmetest_reset_methods(ndev) & BIT(method))) {
		ret = -EOPNOTSUPP;
		goto out_unlock;
	}
	shared_bus = method == NVMETEST_RESET_HOT &&
		     !nvmetest_alone_below_bridge(pdev);
	if (shared_bus && hold_ms) {
		ret = -EINVAL;
		goto out_unlock;
	}
	/* Resetting the neighbours on the bus is root's, as in sysfs. */
	if (shared_bus && !capable(CAP_SYS_ADMIN)) {
		ret = -EPERM;
		goto out_unlock;
	}

	nvmetest_notify(nvmetest_bdf(ndev), &ev);
	nvmetest_reset_begin(ndev);
	WRITE_ONCE(ndev->reset_task, current);

	if (shared_bus) {
		/*
		 * Others share the bus: pci_reset_bus() locks, saves,
		 * quiesces and restores every function below the bridge,
		 * this one included (our reset_prepare/done see it is ours),
		 * through the hotplug slot when there is one.  The kernel
		 * times that reset.
		 */
		ret = pci_reset_bus(pdev);
	} else {
		pci_cfg_access_lock(pdev);
		pci_save_state(pdev);
		/* No DMA and no INTx while the function resets. */
		pci_write_config_word(pdev, PCI_COMMAND,
				      PCI_COMMAND_INTX_DISABLE);
		switch (method) {
		case NVMETEST_RESET_FLR:
			ret = pcie_flr(pdev);
			break;
		case NVMETEST_RESET_HOT:
			ret = nvmetest_link_reset(pdev, true, hold_ms);
			break;
		case NVMETEST_RESET_LINK:
			ret = nvmetest_link_reset(pdev, false, hold_ms);
			break;
		default:
			ret = nvmetest_pm_reset(pdev, hold_ms);
			break;
		}
		pci_restore_state(pdev);
		/*
		 * pci_restore_state() consumes the saved state: save it again
		 * so a later AER slot_reset has something to restore.
		 */
		pci_save_state(pdev);
		pci_cfg_access_unlock(pdev);
	}

	WRITE_ONCE(ndev->reset_task, NULL);
	nvmetest_reset_end(ndev);

	ev.event = NVMETEST_EVENT_RESET_END;
	ev.err = ret;
	nvmetest_notify(nvmetest_bdf(ndev), &ev);
out_unlock:
	mutex_unlock(&ndev->lock);
	return ret;
}

/* ---------------------------------------------------- PCI error callbacks */

static void nvmetest_notify_pci_error(struct pci_dev *pdev, u32 step,
				      pci_channel_state_t state)
{
	struct nvmetest_event_info ev = {
		.event = NVMETEST_EVENT_PCI_ERROR,
		.step = step,
		.channel_state = (__force u32)state,
	};

	nvmetest_notify(pci_name(pdev), &ev);
}

static pci_ers_result_t nvmetest_error_detected(struct pci_dev *pdev,
						pci_channel_state_t state)
{
	struct nvmetest_dev *ndev = pci_get_drvdata(pdev);

	nvmetest_notify_pci_error(pdev, NVMETEST_PCI_ERROR_DETECTED, state);
	if (state == pci_channel_io_normal)
		return PCI_ERS_RESULT_CAN_RECOVER;

	down_write(&ndev->memory_lock);
	ndev->error_frozen = true;
	nvmetest_zap_bars(ndev);
	up_write(&ndev->memory_lock);
	if (state == pci_channel_io_perm_failure)
		return PCI_ERS_RESULT_DISCONNECT;
	return PCI_ERS_RESULT_NEED_RESET;
}

static pci_ers_result_t nvmetest_mmio_enabled(struct pci_dev *pdev)
{
	nvmetest_notify_pci_error(pdev, NVMETEST_PCI_ERROR_MMIO_ENABLED,
				  pdev->error_state);
	return PCI_ERS_RESULT_RECOVERED;
}

static pci_ers_result_t nvmetest_slot_reset(struct pci_dev *pdev)
{
	nvmetest_notify_pci_error(pdev, NVMETEST_PCI_ERROR_SLOT_RESET,
				  pdev->error_state);
	pci_restore_state(pdev);
	pci_save_state(pdev);
	return PCI_ERS_RESULT_RECOVERED;
}

static void nvmetest_resume(struct pci_dev *pdev)
{
	struct nvmetest_dev *ndev = pci_get_drvdata(pdev);

	down_write(&ndev->memory_lock);
	ndev->error_frozen = false;
	up_write(&ndev->memory_lock);
	nvmetest_notify_pci_error(pdev, NVMETEST_PCI_ERROR_RESUME,
				  pdev->error_state);
}

/* Someone else resets the function (not our own NVMETEST_RESET). */
static void nvmetest_reset_prepare(struct pci_dev *pdev)
{
	struct nvmetest_dev *ndev = pci_get_drvdata(pdev);

	if (READ_ONCE(ndev->reset_task) == current)
		return;
	nvmetest_notify_pci_error(pdev, NVMETEST_PCI_ERROR_RESET_PREPARE,
				  pdev->error_state);
	nvmetest_reset_begin(ndev);
}

static void nvmetest_reset_done(struct pci_dev *pdev)
{
	struct nvmetest_dev *ndev = pci_get_drvdata(pdev);

	if (READ_ONCE(ndev->reset_task) == current)
		return;
	nvmetest_reset_end(ndev);
	nvmetest_notify_pci_error(pdev, NVMETEST_PCI_ERROR_RESET_DONE,
				  pdev->error_state);
}

const struct pci_error_handlers nvmetest_err_handlers = {
	.error_detected	= nvmetest_error_detected,
	.mmio_enabled	= nvmetest_mmio_enabled,
	.slot_reset	= nvmetest_slot_reset,
	.resume		= nvmetest_resume,
	.reset_prepare	= nvmetest_reset_prepare,
	.reset_done	= nvmetest_reset_done,
};

/* ------------------------------------------------ remove, rescan, reclaim */

/*
 * A function we want back: bound to nvmetest again when a function with
 * the same address and IDs is added to the bus.  @pdev is set from the
 * unbind until the function is deleted from the bus (armed) or bound to a
 * driver again (forgotten); it is only compared, never dereferenced.  An
 * unbind that is not followed at once by the deletion was the user's
 * choice, not a removal, and is forgotten too.
 */
struct nvmetest_reclaim {
	struct list_head node;
	struct pci_dev *pdev;
	unsigned long unbound_at;	/* jiffies */
	int domain;
	unsigned int busnr;
	unsigned int devfn;
	unsigned short vendor;
	unsigned short device;
	bool armed;			/* the function left the bus */
};

struct nvmetest_rescan {
	struct list_head node;
	struct delayed_work work;
	int domain;
	unsigned int busnr;
};

/* A removal follows the unbind within this time. */
#define NVMETEST_REMOVAL_WINDOW		(2 * HZ)

static LIST_HEAD(nvmetest_reclaims);
static LIST_HEAD(nvmetest_rescans);
static DEFINE_MUTEX(nvmetest_reclaim_lock);
static struct workqueue_struct *nvmetest_wq;

static struct nvmetest_reclaim *nvmetest_reclaim_find(struct pci_dev *pdev,
						      bool armed)
{
	struct nvmetest_reclaim *r;

	lockdep_assert_held(&nvmetest_reclaim_lock);

	list_for_each_entry(r, &nvmetest_reclaims, node) {
		if (!armed && r->pdev == pdev)
			return r;
		if (armed && r->armed &&
		    r->domain == pci_domain_nr(pdev->bus) &&
		    r->busnr == pdev->bus->number && r->devfn == pdev->devfn &&
		    r->vendor == pdev->vendor && r->device == pdev->device)
			return r;
	}
	return NULL;
}

/* Probe: the function is ours again; forget any earlier record of it. */
void nvmetest_reclaim_bound(struct pci_dev *pdev)
{
	struct nvmetest_reclaim *r;

	mutex_lock(&nvmetest_reclaim_lock);
	r = nvmetest_reclaim_find(pdev, false);
	if (!r)
		r = nvmetest_reclaim_find(pdev, true);
	if (r) {
		list_del(&r->node);
		kfree(r);
	}
	mutex_unlock(&nvmetest_reclaim_lock);
}

/* Remove: remember the function in case it is leaving the bus. */
void nvmetest_reclaim_unbound(struct pci_dev *pdev)
{
	struct nvmetest_reclaim *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return;
	r->pdev = pdev;
	r->unbound_at = jiffies;
	r->domain = pci_domain_nr(pdev->bus);
	r->busnr = pdev->bus->number;
	r->devfn = pdev->devfn;
	r->vendor = pdev->vendor;
	r->device = pdev->device;
	mutex_lock(&nvmetest_reclaim_lock);
	list_add_tail(&r->node, &nvmetest_reclaims);
	mutex_unlock(&nvmetest_reclaim_lock);
}

static void nvmetest_reclaim_set_override(struct pci_dev *pdev)
{
	int ret;

	if (pdev->driver_override)
		return;
	ret = driver_set_override(&pdev->dev, &pdev->driver_override,
				  NVMETEST_NAME, strlen(NVMETEST_NAME));
	if (ret)
		pci_warn(pdev, "cannot reclaim: %d\n", ret);
	else
		pci_info(pdev, "back on the bus, reclaimed for " NVMETEST_NAME "\n");
}

static int nvmetest_bus_notify(struct notifier_block *nb, unsigned long action,
			       void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);
	struct nvmetest_reclaim *r;
	bool removed = false;

	mutex_lock(&nvmetest_reclaim_lock);
	switch (action) {
	case BUS_NOTIFY_DEL_DEVICE:
		r = nvmetest_reclaim_find(pdev, false);
		if (!r)
			break;
		if (time_before(jiffies, r->unbound_at + NVMETEST_REMOVAL_WINDOW)) {
			removed = true;
			r->pdev = NULL;
			r->armed = true;
		}
		if (!r->armed || !READ_ONCE(nvmetest_reclaim)) {
			list_del(&r->node);
			kfree(r);
		}
		break;
	case BUS_NOTIFY_BOUND_DRIVER:
		/* The user gave the function to a driver: forget it. */
		r = nvmetest_reclaim_find(pdev, false);
		if (r) {
			list_del(&r->node);
			kfree(r);
		}
		break;
	case BUS_NOTIFY_ADD_DEVICE:
		r = nvmetest_reclaim_find(pdev, true);
		if (r && READ_ONCE(nvmetest_reclaim))
			nvmetest_reclaim_set_override(pdev);
		break;
	default:
		break;
	}
	mutex_unlock(&nvmetest_reclaim_lock);

	if (removed)
		nvmetest_notify_simple(pci_name(pdev), NVMETEST_EVENT_REMOVE);
	return NOTIFY_OK;
}

static struct notifier_block nvmetest_bus_nb = {
	.notifier_call = nvmetest_bus_notify,
};

static void nvmetest_rescan_work(struct work_struct *work)
{
	struct nvmetest_rescan *rs = container_of(to_delayed_work(work),
						  struct nvmetest_rescan, work);
	struct pci_bus *bus;

	pci_lock_rescan_remove();
	bus = pci_find_bus(rs->domain, rs->busnr);
	if (bus)
		pci_rescan_bus(bus);
	else
		pr_warn("rescan: bus %04x:%02x is gone\n", rs->domain,
			rs->busnr);
	pci_unlock_rescan_remove();

	mutex_lock(&nvmetest_reclaim_lock);
	list_del(&rs->node);
	mutex_unlock(&nvmetest_reclaim_lock);
	kfree(rs);
}

int nvmetest_remove_function(struct nvmetest_dev *ndev, bool rescan,
			     u32 delay_ms)
{
	struct pci_dev *pdev = ndev->pdev;
	struct nvmetest_rescan *rs = NULL;

	if (delay_ms > NVMETEST_RESCAN_DELAY_MAX_MS)
		return -EINVAL;

	if (rescan) {
		rs = kzalloc(sizeof(*rs), GFP_KERNEL);
		if (!rs)
			return -ENOMEM;
		rs->domain = pci_domain_nr(pdev->bus);
		rs->busnr = pdev->bus->number;
		INIT_DELAYED_WORK(&rs->work, nvmetest_rescan_work);
	}

	/* One remover: a second concurrent caller finds the device gone. */
	mutex_lock(&ndev->lock);
	if (ndev->removed || ndev->removing) {
		mutex_unlock(&ndev->lock);
		kfree(rs);
		return -ENODEV;
	}
	ndev->removing = true;
	mutex_unlock(&ndev->lock);

	/*
	 * No lock of ours is held here: removal unbinds the driver, and
	 * nvmetest_remove() takes them.  The open file keeps ndev and pdev.
	 */
	pci_stop_and_remove_bus_device_locked(pdev);

	if (rs) {
		mutex_lock(&nvmetest_reclaim_lock);
		list_add_tail(&rs->node, &nvmetest_rescans);
		queue_delayed_work(nvmetest_wq, &rs->work,
				   msecs_to_jiffies(delay_ms));
		mutex_unlock(&nvmetest_reclaim_lock);
	}
	return 0;
}

int nvmetest_reclaim_init(void)
{
	int ret;

	nvmetest_wq = alloc_workqueue(NVMETEST_NAME, WQ_UNBOUND, 0);
	if (!nvmetest_wq)
		return -ENOMEM;
	ret = bus_register_notifier(&pci_bus_type, &nvmetest_bus_nb);
	if (ret)
		destroy_workqueue(nvmetest_wq);
	return ret;
}

void nvmetest_reclaim_exit(void)
{
	struct nvmetest_reclaim *r, *rtmp;
	struct nvmetest_rescan *rs;

	/* Pending rescans run now, so no function stays off the bus. */
	mutex_lock(&nvmetest_reclaim_lock);
	list_for_each_entry(rs, &nvmetest_rescans, node)
		mod_delayed_work(nvmetest_wq, &rs->work, 0);
	mutex_unlock(&nvmetest_reclaim_lock);
	destroy_workqueue(nvmetest_wq);

	bus_unregister_notifier(&pci_bus_type, &nvmetest_bus_nb);
	list_for_each_entry_safe(r, rtmp, &nvmetest_reclaims, node) {
		list_del(&r->node);
		kfree(r);
	}
}
