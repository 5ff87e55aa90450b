// SPDX-License-Identifier: GPL-2.0
/*
 * A 32-bit (compat) process that asks for DMA memory: built with -m32 and no
 * C library, so it runs on any x86-64 kernel with IA-32 emulation.
 *
 * Usage: compat32_probe REQUEST, with an nvmetest file open as fd 3 and
 * REQUEST the decimal NVMETEST_DMA_ALLOC ioctl number (the structure has the
 * same layout in both ABIs).  Exit status: 0 when the allocation succeeded,
 * otherwise the errno the ioctl returned.
 */

/* struct nvmetest_dma_alloc, spelled out: no UAPI headers for -m32 here. */
struct dma_alloc {
	unsigned int argsz;
	unsigned int flags;
	unsigned long long size;
	unsigned long long iova;
	unsigned long long mmap_offset;
	unsigned int handle;
	unsigned int reserved;
};

#define SYS_IOCTL	54

static long syscall3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory");
	return ret;
}

int probe_main(long *sp);

/* The kernel enters with argc, argv[] on the stack; exit(probe_main()). */
__asm__(".globl _start\n"
	"_start:\n"
	"	movl %esp, %eax\n"
	"	pushl %eax\n"
	"	call probe_main\n"
	"	movl %eax, %ebx\n"
	"	movl $1, %eax\n"
	"	int $0x80\n");

int probe_main(long *sp)
{
	const char *arg = sp[0] > 1 ? (const char *)sp[2] : "";
	unsigned long request = 0;
	struct dma_alloc a;
	long ret;

	while (*arg >= '0' && *arg <= '9')
		request = request * 10 + (unsigned long)(*arg++ - '0');
	a.argsz = sizeof(a);
	a.flags = 0;
	a.size = 4096;
	a.iova = 0;
	a.mmap_offset = 0;
	a.handle = 0;
	a.reserved = 0;
	ret = syscall3(SYS_IOCTL, 3, (long)request, (long)&a);
	return ret < 0 ? (int)-ret : 0;
}
