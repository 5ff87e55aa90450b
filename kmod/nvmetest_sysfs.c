// SPDX-License-Identifier: GPL-2.0
/*
 * nvmetest: observability.
 *
 * sysfs, on the class device /sys/class/nvmetest/<bdf>/: bdf, dma_bytes,
 * dma_allocs, irq_type, irq_vectors, irq_counts, openers.
 * debugfs, /sys/kernel/debug/nvmetest/: <bdf>/clients (one line per open
 * file: pid comm dma_bytes dma_allocs irq_owner), and the module-wide
 * dma_bytes_total and dma_allocs_total that leak tests read after the
 * functions are gone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/seq_file.h>
#include <linux/sysfs.h>

#include "nvmetest_private.h"

static ssize_t bdf_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%s\n", nvmetest_bdf(to_nvmetest_dev(dev)));
}
static DEVICE_ATTR_RO(bdf);

static ssize_t dma_bytes_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	struct nvmetest_dev *ndev = to_nvmetest_dev(dev);
	u64 bytes;

	mutex_lock(&ndev->lock);
	bytes = ndev->dma_bytes;
	mutex_unlock(&ndev->lock);
	return sysfs_emit(buf, "%llu\n", bytes);
}
static DEVICE_ATTR_RO(dma_bytes);

static ssize_t dma_allocs_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct nvmetest_dev *ndev = to_nvmetest_dev(dev);
	u32 allocs;

	mutex_lock(&ndev->lock);
	allocs = ndev->dma_allocs;
	mutex_unlock(&ndev->lock);
	return sysfs_emit(buf, "%u\n", allocs);
}
static DEVICE_ATTR_RO(dma_allocs);

static ssize_t irq_type_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct nvmetest_dev *ndev = to_nvmetest_dev(dev);
	u32 type;

	mutex_lock(&ndev->lock);
	type = ndev->irq_type;
	mutex_unlock(&ndev->lock);
	return sysfs_emit(buf, "%s\n", nvmetest_irq_type_name(type));
}
static DEVICE_ATTR_RO(irq_type);

static ssize_t irq_vectors_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct nvmetest_dev *ndev = to_nvmetest_dev(dev);
	u32 count;

	mutex_lock(&ndev->lock);
	count = ndev->irq_count;
	mutex_unlock(&ndev->lock);
	return sysfs_emit(buf, "%u\n", count);
}
static DEVICE_ATTR_RO(irq_vectors);

/* Space separated, one count per vector set up; cut at PAGE_SIZE. */
static ssize_t irq_counts_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct nvmetest_dev *ndev = to_nvmetest_dev(dev);
	int len = 0;
	u32 i;

	mutex_lock(&ndev->lock);
	for (i = 0; i < ndev->irq_count && len < PAGE_SIZE - 24; i++)
		len += sysfs_emit_at(buf, len, "%s%lld", i ? " " : "",
				     atomic64_read(&ndev->irq_counts[i]));
	mutex_unlock(&ndev->lock);
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}
static DEVICE_ATTR_RO(irq_counts);

static ssize_t openers_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct nvmetest_dev *ndev = to_nvmetest_dev(dev);
	unsigned int openers;

	mutex_lock(&ndev->files_lock);
	openers = ndev->openers;
	mutex_unlock(&ndev->files_lock);
	return sysfs_emit(buf, "%u\n", openers);
}
static DEVICE_ATTR_RO(openers);

static struct attribute *nvmetest_dev_attrs[] = {
	&dev_attr_bdf.attr,
	&dev_attr_dma_bytes.attr,
	&dev_attr_dma_allocs.attr,
	&dev_attr_irq_type.attr,
	&dev_attr_irq_vectors.attr,
	&dev_attr_irq_counts.attr,
	&dev_attr_openers.attr,
	NULL,
};

static const struct attribute_group nvmetest_dev_group = {
	.attrs = nvmetest_dev_attrs,
};

const struct attribute_group *nvmetest_dev_groups[] = {
	&nvmetest_dev_group,
	NULL,
};

/* --------------------------------------------------------------- debugfs */

static struct dentry *nvmetest_debugfs_root;

static int nvmetest_clients_show(struct seq_file *s, void *unused)
{
	struct nvmetest_dev *ndev = s->private;
	struct nvmetest_file *nf;

	mutex_lock(&ndev->lock);
	mutex_lock(&ndev->files_lock);
	list_for_each_entry(nf, &ndev->files, node)
		seq_printf(s, "%d %s %llu %u %d\n", nf->pid, nf->comm,
			   nf->dma_bytes, nf->dma_allocs,
			   ndev->irq_owner == nf);
	mutex_unlock(&ndev->files_lock);
	mutex_unlock(&ndev->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nvmetest_clients);

static int nvmetest_dma_bytes_total_get(void *data, u64 *val)
{
	*val = atomic64_read(&nvmetest_dma_bytes_total);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(nvmetest_dma_bytes_total_fops,
			 nvmetest_dma_bytes_total_get, NULL, "%llu\n");

static int nvmetest_dma_allocs_total_get(void *data, u64 *val)
{
	*val = atomic64_read(&nvmetest_dma_allocs_total);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(nvmetest_dma_allocs_total_fops,
			 nvmetest_dma_allocs_total_get, NULL, "%llu\n");

void nvmetest_debugfs_init(void)
{
	nvmetest_debugfs_root = debugfs_create_dir(NVMETEST_NAME, NULL);
	debugfs_create_file_unsafe("dma_bytes_total", 0444,
				   nvmetest_debugfs_root, NULL,
				   &nvmetest_dma_bytes_total_fops);
	debugfs_create_file_unsafe("dma_allocs_total", 0444,
				   nvmetest_debugfs_root, NULL,
				   &nvmetest_dma_allocs_total_fops);
}

void nvmetest_debugfs_exit(void)
{
	debugfs_remove_recursive(nvmetest_debugfs_root);
	nvmetest_debugfs_root = NULL;
}

void nvmetest_debugfs_add(struct nvmetest_dev *ndev)
{
	ndev->debugfs = debugfs_create_dir(nvmetest_bdf(ndev),
					   nvmetest_debugfs_root);
	debugfs_create_file("clients", 0444, ndev->debugfs, ndev,
			    &nvmetest_clients_fops);
}

void nvmetest_debugfs_remove(struct nvmetest_dev *ndev)
{
	debugfs_remove_recursive(ndev->debugfs);
	ndev->debugfs = NULL;
}
