// SPDX-License-Identifier: GPL-2.0
/*
 * nvmetest: events on the generic netlink family "nvmetest", multicast
 * group "events".  The family has no commands: listeners only receive, and
 * only with CAP_NET_ADMIN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/sched.h>
#include <net/genetlink.h>

#include "nvmetest_private.h"

/*
 * Events name processes and devices of others: joining the group takes
 * CAP_NET_ADMIN, as the kernel's own privileged multicast groups do.
 */
static const struct genl_multicast_group nvmetest_genl_mcgrps[] = {
	{ .name = NVMETEST_GENL_MCGRP, .flags = GENL_MCAST_CAP_NET_ADMIN, },
};

static struct genl_family nvmetest_genl_family __ro_after_init = {
	.name		= NVMETEST_GENL_NAME,
	.version	= NVMETEST_GENL_VERSION,
	.maxattr	= NVMETEST_ATTR_MAX,
	.module		= THIS_MODULE,
	.mcgrps		= nvmetest_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(nvmetest_genl_mcgrps),
};

static bool nvmetest_genl_registered;

/* The process behind the event (an exiting one too), 0 for kernel threads. */
static u32 nvmetest_event_pid(void)
{
	if (in_task() && !(current->flags & PF_KTHREAD))
		return task_tgid_nr(current);
	return 0;
}

static int nvmetest_event_fill(struct sk_buff *skb, const char *bdf,
			       const struct nvmetest_event_info *info)
{
	if (nla_put_u32(skb, NVMETEST_ATTR_EVENT, info->event) ||
	    nla_put_string(skb, NVMETEST_ATTR_BDF, bdf) ||
	    nla_put_u32(skb, NVMETEST_ATTR_PID, nvmetest_event_pid()) ||
	    nla_put_u64_64bit(skb, NVMETEST_ATTR_TIMESTAMP_NS, ktime_get_ns(),
			      NVMETEST_ATTR_UNSPEC))
		return -EMSGSIZE;

	switch (info->event) {
	case NVMETEST_EVENT_RESET_BEGIN:
		return nla_put_u32(skb, NVMETEST_ATTR_RESET_METHOD,
				   info->method);
	case NVMETEST_EVENT_RESET_END:
		if (nla_put_u32(skb, NVMETEST_ATTR_RESET_METHOD, info->method))
			return -EMSGSIZE;
		return nla_put_s32(skb, NVMETEST_ATTR_ERRNO, info->err);
	case NVMETEST_EVENT_PCI_ERROR:
		if (nla_put_u32(skb, NVMETEST_ATTR_PCI_ERROR_STEP, info->step))
			return -EMSGSIZE;
		return nla_put_u32(skb, NVMETEST_ATTR_PCI_CHANNEL_STATE,
				   info->channel_state);
	case NVMETEST_EVENT_IRQ_SETUP:
		if (nla_put_u32(skb, NVMETEST_ATTR_IRQ_TYPE, info->irq_type))
			return -EMSGSIZE;
		return nla_put_u32(skb, NVMETEST_ATTR_IRQ_COUNT,
				   info->irq_count);
	default:
		return 0;
	}
}

void nvmetest_notify(const char *bdf, const struct nvmetest_event_info *info)
{
	struct sk_buff *skb;
	void *hdr;

	if (!nvmetest_genl_registered)
		return;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &nvmetest_genl_family, 0,
			  NVMETEST_CMD_EVENT);
	if (!hdr)
		goto out_free;
	if (nvmetest_event_fill(skb, bdf, info))
		goto out_free;
	genlmsg_end(skb, hdr);
	/* -ESRCH just means nobody listens. */
	genlmsg_multicast(&nvmetest_genl_family, skb, 0, 0, GFP_KERNEL);
	return;

out_free:
	nlmsg_free(skb);
}

void nvmetest_notify_simple(const char *bdf, u32 event)
{
	struct nvmetest_event_info info = { .event = event };

	nvmetest_notify(bdf, &info);
}

int nvmetest_genl_init(void)
{
	int ret;

	ret = genl_register_family(&nvmetest_genl_family);
	if (ret)
		return ret;
	nvmetest_genl_registered = true;
	return 0;
}

void nvmetest_genl_exit(void)
{
	nvmetest_genl_registered = false;
	genl_unregister_family(&nvmetest_genl_family);
}
