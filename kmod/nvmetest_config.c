// SPDX-License-Identifier: GPL-2.0
/*
 * nvmetest: config space access.
 *
 * Raw: nothing is virtualized.  The one side effect the module takes care
 * of is memory decoding: a write to the Command register that clears
 * Memory Space Enable zaps the user's BAR mappings first, so an access
 * while decoding is off gets SIGBUS instead of an Unsupported Request.
 *
 * Writing a BAR or the expansion ROM base moves the function's decode
 * window over the addresses of other devices or of RAM, which no IOMMU
 * prevents: that takes CAP_SYS_RAWIO.  The MSI and MSI-X registers are left
 * to whoever may open: they only choose what the device writes where, and
 * the device can write the same address by DMA (without an IOMMU, which
 * opening already had to accept; with one, interrupt remapping checks
 * both alike).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pci.h>

#include "nvmetest_private.h"

static int nvmetest_config_read(struct pci_dev *pdev, int pos, u32 width,
				u64 *value)
{
	u8 b;
	u16 w;
	u32 dw;
	int ret;

	switch (width) {
	case 1:
		ret = pci_user_read_config_byte(pdev, pos, &b);
		*value = b;
		break;
	case 2:
		ret = pci_user_read_config_word(pdev, pos, &w);
		*value = w;
		break;
	default:
		ret = pci_user_read_config_dword(pdev, pos, &dw);
		*value = dw;
		break;
	}
	return pcibios_err_to_errno(ret);
}

static bool nvmetest_moves_decode(struct pci_dev *pdev, int pos, u32 width)
{
	int end = pos + width;

	/* A bridge's bus numbers and windows route others' addresses too. */
	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL)
		return end > PCI_BASE_ADDRESS_0 && pos < PCI_INTERRUPT_LINE;
	return (end > PCI_BASE_ADDRESS_0 && pos < PCI_BASE_ADDRESS_5 + 4) ||
	       (end > PCI_ROM_ADDRESS && pos < PCI_ROM_ADDRESS + 4);
}

static int nvmetest_config_write(struct pci_dev *pdev, int pos, u32 width,
				 u64 value)
{
	int ret;

	if (nvmetest_moves_decode(pdev, pos, width) && !capable(CAP_SYS_RAWIO))
		return -EPERM;

	switch (width) {
	case 1:
		ret = pci_user_write_config_byte(pdev, pos, value);
		break;
	case 2:
		ret = pci_user_write_config_word(pdev, pos, value);
		break;
	default:
		ret = pci_user_write_config_dword(pdev, pos, value);
		break;
	}
	return pcibios_err_to_errno(ret);
}

int nvmetest_config_rw(struct nvmetest_dev *ndev, struct nvmetest_rw *rw)
{
	struct pci_dev *pdev = ndev->pdev;
	int ret;

	lockdep_assert_held(&ndev->lock);

	if (rw->bar)
		return -EINVAL;
	if (rw->width != 1 && rw->width != 2 && rw->width != 4)
		return -EINVAL;
	if (rw->offset & (rw->width - 1))
		return -EINVAL;
	if (rw->offset >= pdev->cfg_size ||
	    rw->offset > pdev->cfg_size - rw->width)
		return -EINVAL;

	if (!(rw->flags & NVMETEST_RW_WRITE)) {
		return nvmetest_config_read(pdev, rw->offset, rw->width,
					    &rw->value);
	}

	if (rw->value >> (rw->width * 8))
		return -EINVAL;

	if (rw->offset != PCI_COMMAND)
		return nvmetest_config_write(pdev, rw->offset, rw->width,
					     rw->value);

	/* The Command register's low byte holds Memory Space Enable. */
	down_write(&ndev->memory_lock);
	if (!(rw->value & PCI_COMMAND_MEMORY))
		nvmetest_zap_bars(ndev);
	ret = nvmetest_config_write(pdev, rw->offset, rw->width, rw->value);
	up_write(&ndev->memory_lock);
	return ret;
}
