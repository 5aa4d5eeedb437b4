/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * hostile_io (issue 12): a guest that abuses tickvisor's I/O surface: the
 * hypercall ABI (include/tv/hypercall_abi.h), the port devices (vmm/vio.h's
 * port map), fw_cfg, string I/O at the end of RAM, and the log (lines that
 * imitate tickvisor's own).  how=NAME runs one case; how=all runs them all
 * (none of them is one tickvisor must stop: every one is the native oracle's).
 *
 * Hypercalls (tickvisor only: natively VMCALL raises #UD, so a skip):
 *   hc_ptr_outside    TV_HC_PRINT of bytes at or past the end of RAM, in the
 *                     APIC page, at 4 GiB: -EFAULT each, nothing printed.
 *   hc_ptr_cross_end  bytes that start in RAM and run past its end: -EFAULT;
 *                     the same length ending exactly at the end: 0.
 *   hc_len_huge       RCX = TV_HC_PRINT_MAX + 1, 2^32 + 4, ~0 (with a good
 *                     and with a bad pointer): -EINVAL, checked before the
 *                     address; RCX = TV_HC_PRINT_MAX: 0.
 *   hc_len_zero       RCX = 0: 0 at a good pointer, at GPA 0, at the very
 *                     end of RAM; far outside RAM either 0 or -EFAULT (the
 *                     ABI text does not order the two rules; see below).
 *   hc_noncanonical   RBX with bits 63:48 not a sign extension, a kernel-half
 *                     address, an address that wraps: -EFAULT (RBX is a
 *                     guest-physical address, never translated).
 *   hc_unknown        unassigned numbers inside tickvisor's range: -ENOSYS;
 *                     outside it (below, above, bit 32 or 63 set on a valid
 *                     number): -KVM_ENOSYS; RBX/RCX/RDX/RSI/RDI/R8-R11 kept.
 *   hc_kvm_numbers    KVM's numbers 0-12 with RBX = 7: -KVM_ENOSYS, the VM
 *                     goes on (version 1 of the ABI ended the VM on 1).
 * Ports (strict under tickvisor; natively a deviation is a skip naming it):
 *   port_unclaimed    IN/OUT of 1, 2 and 4 bytes on ports no device claims:
 *                     all-ones, writes dropped; an 8/16-bit IN keeps RAX's
 *                     upper bytes, a 32-bit IN zero-extends.
 *   port_wrap         2- and 4-byte accesses at 0xFFFD-0xFFFF, whose bytes
 *                     wrap to port 0: all-ones, nothing claimed.
 *   port_odd32        32- and 16-bit accesses at odd ports and across a
 *                     device's edge (unclaimed bytes + UART bytes): each
 *                     byte answered by its own port.
 *   pci_config        CONFIG_ADDRESS (0xCF8): reserved bits read 0, narrow
 *                     accesses do not touch it; CONFIG_DATA (0xCFC-0xCFF):
 *                     all-ones at every width, writes dropped, enable clear.
 *   port92_bits       System Control Port A without the reset bit: bits 7:2
 *                     read 0, wide accesses split; A20 "off" aliases nothing.
 *   debug_exit_read   reads of isa-debug-exit (0xF4-0xF7) at every width,
 *                     string reads too: all-ones, and the VM is not ended.
 *   port_string       REP INS/OUTS on an unclaimed port, DF = 0 and 1,
 *                     RCX = 0, a destination outside RAM: the guard bytes
 *                     around each buffer unchanged, RDI/RSI/RCX as the SDM
 *                     says.
 *   ins_cross_end     INSD whose dword straddles the end of RAM (a page
 *                     boundary): its RAM half all-ones, the rest dropped,
 *                     RDI + 4.  (vmm/guest_string.c stops the VM for an
 *                     element that straddles the end of RAM inside one page;
 *                     with RAM ending on a page boundary the split at the
 *                     page boundary comes first, so the VM goes on.)
 *   outs_cross_end    OUTSD from there to CONFIG_ADDRESS: RAM's 2 bytes and
 *                     2 all-ones bytes arrive, RSI + 4.
 * fw_cfg (tickvisor models the traditional interface only: ID bit 1 clear):
 *   fwcfg_nokey       keys no item has (0x1234, 0x3FFF, 0x7FFF, 0xBFFF,
 *                     0xFFFF): every byte reads 0.
 *   fwcfg_past_end    "QEMU" and then 4 KiB of zeros; RAM_SIZE and 8 zeros;
 *                     a new selection starts again at offset 0.
 *   fwcfg_sel_width   8-bit and 32-bit writes to the selector, a 16-bit
 *                     write to the data port, data writes: no new selection.
 *   fwcfg_dma_outside the DMA address registers (0x514/0x518) given a
 *                     descriptor outside RAM: nothing in RAM changes, the
 *                     traditional interface still answers.
 *   fwcfg_dma_cross   a descriptor whose buffer, and one whose descriptor
 *                     itself, crosses the end of RAM: RAM unchanged (no DMA
 *                     here), or with DMA (QEMU) the error bit.
 *   fwcfg_dma_badctl  control words with no operation bit: no byte moved.
 * The log (the guest passes; tickvisor's own result lines decide):
 *   log_forge_hc      forged result, run and end lines through TV_HC_PRINT,
 *                     several per call, claiming this guest failed and the
 *                     canary passed: every call returns 0.
 *   log_forge_split   a forged line split between the UART and TV_HC_PRINT,
 *                     and one that starts after 256 columns of the UART's
 *                     line (where tickvisor cuts a long line in two).
 *   log_forge_bytes   every byte 0x01-0x1F, 0x7F-0xFF, ANSI/OSC sequences,
 *                     UTF-8 line and paragraph separators and NUL, around
 *                     forged lines, by UART and by hypercall.
 *
 * Natively the hypercall and end-of-RAM cases are skips; fw_cfg cases on a
 * platform without fw_cfg (Bochs) are skips; the rest is checked against
 * the emulator, and a deviation is a skip that names what was seen.
 */
#include "exception.h"
#include "guest.h"
#include "hypercall.h"
#include "libc.h"
#include "multiboot.h"
#include "processor.h"
#include "report.h"
#include "serial.h"

/* Ports no device claims in tickvisor, QEMU's default PC or Bochs's. */
#define PORT_FREE		0x300U
#define PORT_FREE2		0x1230U

#define PCI_ADDR		0xCF8U
#define PCI_DATA		0xCFCU
#define PCI_ADDR_MASK		0x80FFFFFCU	/* bits 30:24 and 1:0 read 0 */
#define PCI_NO_DEVICE		0x80FFFFFCU	/* bus 255, device 31, function 7, reg 0xFC */

#define PORT92			0x92U
#define PORT92_A20		0x02U

#define FWCFG_SEL		0x510U
#define FWCFG_DATA		0x511U
#define FWCFG_DMA_HI		0x514U	/* QEMU docs/specs/fw_cfg.rst: big-endian */
#define FWCFG_DMA_LO		0x518U	/* writing the low half starts the transfer */
#define FWCFG_KEY_SIGNATURE	0x0000U
#define FWCFG_KEY_ID		0x0001U
#define FWCFG_KEY_RAM_SIZE	0x0003U
#define FWCFG_ID_DMA		0x2U
#define FWCFG_DMA_ERROR		0x01U
#define FWCFG_DMA_READ		0x02U
#define FWCFG_DMA_SELECT	0x08U

#define KVM_HC_MAX		12UL	/* KVM_HC_MAP_GPA_RANGE, the last in kvm_para.h */

static bool under_tv;

/* Strict under tickvisor; natively a deviation of the emulator is a skip, not a pass. */
static void check(bool cond, const char *what, const char *seen)
{
	if (under_tv || cond)
		report(cond, "%s (%s)", what, seen);
	else
		report_skip("%s: natively not so (%s): the emulator deviates here", what, seen);
}

static bool need_tv(const char *what)
{
	char sig[13];

	if (under_tv)
		return true;
	report_skip("%s: no tickvisor (%s): VMCALL would raise #UD, not provoked natively", what,
		    tv_read_signature(sig) ? sig : "no hypervisor bit");
	return false;
}

/* The end of guest RAM: tickvisor maps RAM contiguously from 0 to it. */
static uint64_t ram_end(void)
{
	return mb_mmap_ram_end();
}

static bool is_filled(const volatile uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* ---- hypercalls ---------------------------------------------------------- */

#define SENT_RSI	0x5151515151515151ULL
#define SENT_RDI	0xd1d1d1d1d1d1d1d1ULL
#define SENT_R8		0x0808080808080808ULL
#define SENT_R9		0x0909090909090909ULL
#define SENT_R10	0x1010101010101010ULL
#define SENT_R11	0x1111111111111111ULL

struct hc_out {
	long ret;
	bool kept;	/* RBX, RCX, RDX, RSI, RDI, R8-R11 as they were */
};

/* VMCALL with sentinels in the registers the ABI says are preserved. */
static struct hc_out hc_call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	register uint64_t r8 __asm__("r8") = SENT_R8;
	register uint64_t r9 __asm__("r9") = SENT_R9;
	register uint64_t r10 __asm__("r10") = SENT_R10;
	register uint64_t r11 __asm__("r11") = SENT_R11;
	uint64_t rax = nr, rbx = a0, rcx = a1, rdx = a2, rsi = SENT_RSI, rdi = SENT_RDI;
	struct hc_out o;

	__asm__ volatile("vmcall" : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx), "+S"(rsi),
			 "+D"(rdi), "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r11) : : "memory", "cc");
	o.ret = (long)rax;
	o.kept = rbx == a0 && rcx == a1 && rdx == a2 && rsi == SENT_RSI && rdi == SENT_RDI &&
		 r8 == SENT_R8 && r9 == SENT_R9 && r10 == SENT_R10 && r11 == SENT_R11;
	return o;
}

static void hc_expect(uint64_t nr, uint64_t a0, uint64_t a1, long want, const char *what)
{
	struct hc_out o = hc_call(nr, a0, a1, 0);

	report(o.ret == want, "%s: nr 0x%lx RBX 0x%lx RCX 0x%lx returns %ld (want %ld)", what,
	       (unsigned long)nr, (unsigned long)a0, (unsigned long)a1, o.ret, want);
	report(o.kept, "%s: RBX, RCX, RDX, RSI, RDI, R8-R11 preserved", what);
}

static void hc_ptr_outside(void)
{
	uint64_t end = ram_end();

	if (!need_tv("TV_HC_PRINT outside RAM"))
		return;
	report_info("RAM ends at 0x%lx", (unsigned long)end);
	hc_expect(TV_HC_PRINT, end, 1, -TV_HC_EFAULT, "first byte past RAM");
	hc_expect(TV_HC_PRINT, end + 0x1000U, 16, -TV_HC_EFAULT, "a page past RAM");
	hc_expect(TV_HC_PRINT, 0xFEE00000UL, 4, -TV_HC_EFAULT, "the APIC page");
	hc_expect(TV_HC_PRINT, 0xFFFFFFF0UL, 16, -TV_HC_EFAULT, "the top of 4 GiB");
	hc_expect(TV_HC_PRINT, 0x100000000UL, 8, -TV_HC_EFAULT, "4 GiB");
	hc_expect(TV_HC_PRINT, 1UL << 51, 8, -TV_HC_EFAULT, "2^51, beyond any MAXPHYADDR");
	report(tv_info() == TV_HC_ABI_VERSION, "TV_HC_INFO still answers afterwards");
}

static void hc_ptr_cross_end(void)
{
	uint64_t end = ram_end();
	volatile uint8_t *tail = (volatile uint8_t *)(uintptr_t)(end - 32U);
	static const char msg[] = "hc_ptr_cross_end\n";	/* 17 bytes */

	if (!need_tv("TV_HC_PRINT across the end of RAM"))
		return;
	/* The last 32 bytes of RAM: a message ending exactly at the end. */
	for (unsigned int i = 0; i < 32; i++)
		tail[i] = i < 32U - 17U ? 'x' : (uint8_t)msg[i - (32U - 17U)];
	hc_expect(TV_HC_PRINT, end - 8U, 16, -TV_HC_EFAULT, "8 bytes in RAM, 8 past it");
	hc_expect(TV_HC_PRINT, end - 1U, 2, -TV_HC_EFAULT, "the last byte and one past it");
	hc_expect(TV_HC_PRINT, end - 4096U, 4097, -TV_HC_EINVAL,
		  "the last page plus one byte (length checked first)");
	hc_expect(TV_HC_PRINT, end - 4095U, 4096, -TV_HC_EFAULT,
		  "TV_HC_PRINT_MAX bytes ending one past RAM");
	hc_expect(TV_HC_PRINT, end - 17U, 17, 0, "17 bytes ending exactly at the end of RAM");
	report(tail[0] == 'x' && tail[31] == '\n', "the tail of RAM is as the guest wrote it");
}

static void hc_len_huge(void)
{
	static const char buf[4096];	/* TV_HC_PRINT_MAX NUL bytes: one empty line */

	if (!need_tv("TV_HC_PRINT with huge lengths"))
		return;
	hc_expect(TV_HC_PRINT, (uintptr_t)buf, TV_HC_PRINT_MAX + 1U, -TV_HC_EINVAL, "MAX + 1");
	hc_expect(TV_HC_PRINT, (uintptr_t)buf, (1UL << 32) + 4U, -TV_HC_EINVAL,
		  "2^32 + 4 (64-bit mode: every bit of RCX counts)");
	hc_expect(TV_HC_PRINT, (uintptr_t)buf, ~0UL, -TV_HC_EINVAL, "~0");
	hc_expect(TV_HC_PRINT, (uintptr_t)buf, 1UL << 63, -TV_HC_EINVAL, "2^63");
	hc_expect(TV_HC_PRINT, ram_end() + 0x100000U, ~0UL, -TV_HC_EINVAL,
		  "~0 at a pointer outside RAM (length checked first)");
	hc_expect(TV_HC_PRINT, (uintptr_t)buf, TV_HC_PRINT_MAX, 0,
		  "exactly TV_HC_PRINT_MAX bytes (all NUL)");
}

static void hc_len_zero(void)
{
	static const char buf[] = "never printed";
	struct hc_out o;

	if (!need_tv("TV_HC_PRINT of 0 bytes"))
		return;
	hc_expect(TV_HC_PRINT, (uintptr_t)buf, 0, 0, "0 bytes at a good pointer");
	hc_expect(TV_HC_PRINT, 0, 0, 0, "0 bytes at GPA 0");
	hc_expect(TV_HC_PRINT, ram_end(), 0, 0, "0 bytes at the very end of RAM");
	hc_expect(TV_HC_PRINT, (uintptr_t)buf, 1UL << 32, -TV_HC_EINVAL,
		  "RCX = 2^32 is not 0 in 64-bit mode");
	/*
	 * The ABI says both "-EFAULT if the bytes are not wholly inside guest
	 * RAM" and "RCX = 0 prints nothing and returns 0" without ordering
	 * them; either answer keeps the VM sound, anything else does not.
	 */
	o = hc_call(TV_HC_PRINT, ram_end() + 0x1000U, 0, 0);
	report(o.ret == 0 || o.ret == -TV_HC_EFAULT,
	       "0 bytes a page past RAM: 0 or -EFAULT (got %ld)", o.ret);
	report_info("0 bytes outside RAM returns %ld: %s", o.ret,
		    o.ret == 0 ? "the zero-length rule first" : "the address rule first");
}

static void hc_noncanonical(void)
{
	if (!need_tv("TV_HC_PRINT with non-canonical pointers"))
		return;
	hc_expect(TV_HC_PRINT, 0x8000000000001000UL, 4, -TV_HC_EFAULT, "bit 63 set");
	hc_expect(TV_HC_PRINT, 0x0000800000000000UL, 4, -TV_HC_EFAULT,
		  "2^47, the first non-canonical address");
	hc_expect(TV_HC_PRINT, 0x00FF000000100000UL, 4, -TV_HC_EFAULT,
		  "junk in bits 55:48 over a RAM address");
	hc_expect(TV_HC_PRINT, 0xFFFF800000100000UL, 4, -TV_HC_EFAULT,
		  "a kernel-half linear address over a RAM address");
	hc_expect(TV_HC_PRINT, 0xFFFFFFFFFFFFFFF0UL, 0x20, -TV_HC_EFAULT,
		  "an address whose end wraps past 2^64");
	hc_expect(TV_HC_PRINT, ~0UL, 1, -TV_HC_EFAULT, "the last byte of the address space");
}

static void hc_unknown(void)
{
	if (!need_tv("unknown hypercall numbers"))
		return;
	hc_expect(TV_HC_BASE + 4U, 1, 2, -TV_HC_ENOSYS, "BASE + 4 (first unassigned)");
	hc_expect(TV_HC_BASE + 0x1234U, 1, 2, -TV_HC_ENOSYS, "BASE + 0x1234");
	hc_expect(TV_HC_BASE + TV_HC_RANGE - 1U, 1, 2, -TV_HC_ENOSYS, "the last of the range");
	hc_expect(TV_HC_BASE - 1U, 1, 2, -TV_KVM_ENOSYS, "just below the range");
	hc_expect(TV_HC_BASE + TV_HC_RANGE, 1, 2, -TV_KVM_ENOSYS, "just above the range");
	hc_expect(TV_HC_EXIT | (1UL << 32), 0, 0, -TV_KVM_ENOSYS,
		  "TV_HC_EXIT with bit 32 set (64-bit mode: not TV_HC_EXIT)");
	hc_expect(TV_HC_EXIT | (1UL << 63), 0, 0, -TV_KVM_ENOSYS, "TV_HC_EXIT with bit 63 set");
	hc_expect(~0UL, 1, 2, -TV_KVM_ENOSYS, "~0");
	hc_expect(TV_HC_INFO, 0, 0, TV_HC_ABI_VERSION, "TV_HC_INFO after them");
}

static void hc_kvm_numbers(void)
{
	if (!need_tv("KVM-numbered hypercalls"))
		return;
	/* RBX = 7: had one of them ended the VM as TV_HC_EXIT, its exit code would be 7. */
	for (unsigned long nr = 0; nr <= KVM_HC_MAX; nr++) {
		char what[48];

		snprintf(what, sizeof(what), "KVM number %lu", nr);
		hc_expect(nr, 7, 16, -TV_KVM_ENOSYS, what);
	}
	report(tv_info() == TV_HC_ABI_VERSION, "still running, TV_HC_INFO answers");
}

/* ---- ports ---------------------------------------------------------------- */

/* IN with RAX preset: what the instruction leaves in all 64 bits of RAX. */
static uint64_t in_rax(uint16_t port, unsigned int size, uint64_t rax)
{
	if (size == 1)
		__asm__ volatile("inb %w1, %b0" : "+a"(rax) : "Nd"(port));
	else if (size == 2)
		__asm__ volatile("inw %w1, %w0" : "+a"(rax) : "Nd"(port));
	else
		__asm__ volatile("inl %w1, %k0" : "+a"(rax) : "Nd"(port));
	return rax;
}

static void out_n(uint16_t port, unsigned int size, uint32_t v)
{
	if (size == 1)
		outb(port, (uint8_t)v);
	else if (size == 2)
		outw(port, (uint16_t)v);
	else
		outl(port, v);
}

static uint32_t in_n(uint16_t port, unsigned int size)
{
	return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

static uint32_t ones(unsigned int size)
{
	return size == 4 ? 0xFFFFFFFFU : (1U << (size * 8U)) - 1U;
}

static void port_unclaimed(void)
{
	static const uint16_t ports[] = { PORT_FREE, PORT_FREE + 2U, PORT_FREE2, 0x7FF0U };
	const uint64_t pre = 0x1122334455667788ULL;
	char seen[64];

	for (unsigned int i = 0; i < ARRAY_SIZE(ports); i++) {
		for (unsigned int size = 1; size <= 4; size *= 2) {
			uint64_t got = in_rax(ports[i], size, pre);
			/*
			 * SDM Vol. 1, 3.4.1.1 "General-Purpose Registers in 64-Bit
			 * Mode": a 32-bit result is zero-extended into the 64-bit
			 * register, 8- and 16-bit results leave the rest alone.
			 */
			uint64_t want = size == 4 ? 0xFFFFFFFFULL : (pre & ~(uint64_t)ones(size)) |
								     ones(size);

			snprintf(seen, sizeof(seen), "RAX 0x%llx", (unsigned long long)got);
			check(got == want, size == 1 ? "8-bit IN of an unclaimed port: all-ones, "
			      "RAX[63:8] kept" : size == 2 ? "16-bit IN of an unclaimed port: "
			      "all-ones, RAX[63:16] kept" : "32-bit IN of an unclaimed port: "
			      "all-ones, zero-extended", seen);
			out_n(ports[i], size, 0x5AA55AA5U);
			snprintf(seen, sizeof(seen), "port 0x%x read 0x%x after the write", ports[i],
				 in_n(ports[i], size));
			check(in_n(ports[i], size) == ones(size), "a write to it is dropped", seen);
		}
	}
}

static void port_wrap(void)
{
	char seen[64];
	uint32_t w = inw(0xFFFF), l = inl(0xFFFD), l2 = inl(0xFFFF);

	snprintf(seen, sizeof(seen), "inw 0xFFFF 0x%x, inl 0xFFFD 0x%x, inl 0xFFFF 0x%x", w, l, l2);
	check(w == 0xFFFF && l == 0xFFFFFFFFU && l2 == 0xFFFFFFFFU,
	      "accesses whose bytes run past port 0xFFFF read all-ones", seen);
	outw(0xFFFF, 0x1234);
	outl(0xFFFE, 0x12345678U);
	w = inw(0xFFFF);
	snprintf(seen, sizeof(seen), "inw 0xFFFF 0x%x", w);
	check(w == 0xFFFF, "and writes there are dropped", seen);
}

static void port_odd32(void)
{
	char seen[96];
	uint8_t scr = inb(0x3FFU);
	uint32_t v;

	/* Odd ports, nothing there. */
	v = inl(PORT_FREE + 1U);
	snprintf(seen, sizeof(seen), "0x%x", v);
	check(v == 0xFFFFFFFFU, "32-bit IN at an odd unclaimed port: all-ones", seen);
	v = inl(PORT_FREE + 3U);
	snprintf(seen, sizeof(seen), "0x%x", v);
	check(v == 0xFFFFFFFFU, "32-bit IN at port = 3 mod 4: all-ones", seen);
	outl(PORT_FREE + 1U, 0);
	v = inw(PORT_FREE + 1U);
	snprintf(seen, sizeof(seen), "0x%x", v);
	check(v == 0xFFFF, "16-bit IN at an odd port after a 32-bit OUT there: all-ones", seen);

	/*
	 * Across the UART's edge: 0x3F5-0x3F7 are nobody's, 0x3F8 is RBR
	 * (nothing received: 0).  Each byte answers from its own port.
	 */
	v = inl(0x3F5U);
	snprintf(seen, sizeof(seen), "0x%x", v);
	check(v == 0x00FFFFFFU, "32-bit IN at 0x3F5: three unclaimed bytes, then RBR (0)", seen);
	/*
	 * SCR (0x3FF) takes the low byte, 0x400 (nobody's) the high byte.  Not
	 * natively: QEMU 8 aborts on a 16-bit write to its UART (serial.c,
	 * "Assertion `size == 1 && addr < 8' failed").
	 */
	if (!under_tv) {
		report_skip("16-bit OUT at 0x3FF: not provoked natively (QEMU aborts on it)");
		return;
	}
	outw(0x3FFU, 0xA55AU);
	v = inb(0x3FFU);
	snprintf(seen, sizeof(seen), "SCR 0x%x", v);
	check(v == 0x5AU, "16-bit OUT at 0x3FF: its low byte lands in SCR", seen);
	v = inw(0x3FFU);
	snprintf(seen, sizeof(seen), "0x%x", v);
	check(v == 0xFF5AU, "16-bit IN at 0x3FF: SCR, then all-ones from port 0x400", seen);
	outb(0x3FFU, scr);
}

static void pci_config(void)
{
	char seen[96];
	uint32_t v, w;

	outl(PCI_ADDR, 0xFFFFFFFFU);
	v = inl(PCI_ADDR);
	snprintf(seen, sizeof(seen), "0x%x", v);
	/* PCI Local Bus Specification 3.0, 3.2.2.3.2: bits 30:24 reserved, 1:0 read 0. */
	check(v == PCI_ADDR_MASK, "CONFIG_ADDRESS of ~0 reads back 0x80FFFFFC", seen);

	outl(PCI_ADDR, PCI_NO_DEVICE);
	outb(PCI_ADDR, 0x00);
	outw(PCI_ADDR, 0x0000);
	v = inl(PCI_ADDR);
	snprintf(seen, sizeof(seen), "0x%x", v);
	check(v == PCI_NO_DEVICE, "8- and 16-bit writes to 0xCF8 leave CONFIG_ADDRESS alone",
	      seen);
	v = inw(PCI_ADDR);
	snprintf(seen, sizeof(seen), "0x%x", v);
	check(v == 0xFFFF, "a 16-bit read of 0xCF8 is no CONFIG_ADDRESS read (all-ones)", seen);

	/* Bus 255, device 31, function 7: nothing there, on any platform. */
	outl(PCI_ADDR, PCI_NO_DEVICE);
	v = inl(PCI_DATA);
	snprintf(seen, sizeof(seen), "0x%x", v);
	check(v == 0xFFFFFFFFU, "CONFIG_DATA of an absent device reads all-ones", seen);
	outl(PCI_DATA, 0x12345678U);
	outw(PCI_DATA + 2U, 0x1234);
	outb(PCI_DATA + 1U, 0x12);
	outl(PCI_ADDR, PCI_NO_DEVICE);
	v = inb(PCI_DATA + 1U) | (uint32_t)inw(PCI_DATA + 2U) << 8 | (uint32_t)inb(PCI_DATA + 3U) << 24;
	snprintf(seen, sizeof(seen), "0x%x", v);
	check(v == 0xFFFFFFFFU, "writes dropped: 8/16-bit reads at 0xCFD-0xCFF all-ones", seen);
	w = inl(PCI_DATA + 1U);
	snprintf(seen, sizeof(seen), "0x%x", w);
	check(w == 0xFFFFFFFFU, "a 32-bit read at 0xCFD (odd, across 0xCFF) all-ones", seen);

	outl(PCI_ADDR, 0x00000000U);
	v = inl(PCI_DATA);
	snprintf(seen, sizeof(seen), "0x%x", v);
	check(v == 0xFFFFFFFFU, "with the enable bit clear CONFIG_DATA reads all-ones", seen);

	if (under_tv) {
		/* tickvisor has no PCI device at all, the host bridge included. */
		outl(PCI_ADDR, 0x80000000U);
		v = inl(PCI_DATA);
		report(v == 0xFFFFFFFFU, "00:00.0 (a host bridge elsewhere) reads all-ones (0x%x)",
		       v);
	}
	outl(PCI_ADDR, 0);
}

static volatile uint32_t a20_probe = 0x20A20A20U;

static void port92_bits(void)
{
	char seen[64];
	uint8_t v = inb(PORT92);
	uint16_t w;

	snprintf(seen, sizeof(seen), "0x%x", v);
	check(v == PORT92_A20, "port 0x92 reads A20 only (0x02)", seen);
	/* Every bit but ALT_RST (bit 0): security lock, LEDs, reserved. */
	outb(PORT92, 0xFE);
	v = inb(PORT92);
	snprintf(seen, sizeof(seen), "0x%x", v);
	check(v == PORT92_A20, "after writing 0xFE: still running, bits 7:2 read 0", seen);
	outb(PORT92, PORT92_A20);
	report(true, "no reset from writes without bit 0 (the VM is still here)");
	if (!under_tv) {
		/*
		 * QEMU 8 hands both bytes of a 16-bit write to its 1-byte
		 * port 0x92 model: the second (0) clears A20 and the guest
		 * dies in the aliased memory.
		 */
		report_skip("16-bit access at 0x92: not provoked natively (QEMU clears A20)");
		return;
	}
	outw(PORT92, 0x0002);
	w = inw(PORT92);
	report(w == 0xFF02U, "16-bit access at 0x92: 0x92, then the unclaimed 0x93 (0x%x)", w);
	report(inb(PORT92) == PORT92_A20, "still A20 only, and the VM still here");

	if (under_tv) {
		/*
		 * A20 "off" in a VM masks nothing (vmm/vio.c: EPT maps the
		 * guest-physical addresses as they are).  a20_probe lies above
		 * 1 MiB; with A20 masked it would alias the byte 1 MiB lower.
		 */
		volatile uint32_t *low = (volatile uint32_t *)((uintptr_t)&a20_probe - 0x100000U);
		uint32_t low0 = *low;

		outb(PORT92, 0x00);
		a20_probe = 0x0A20DEADU;
		report(a20_probe == 0x0A20DEADU && *low == low0,
		       "A20 off: a store 1 MiB up does not alias below (0x%x / 0x%x)", a20_probe,
		       *low);
		outb(PORT92, PORT92_A20);
	}
}

static void debug_exit_read(void)
{
	char seen[64];
	uint8_t buf[16];
	bool ok = true;

	for (uint16_t p = 0xF4; p <= 0xF7; p++) {
		for (unsigned int size = 1; size <= 4; size *= 2) {
			uint32_t v = in_n(p, size);

			if (v != ones(size) && ok) {
				ok = false;
				snprintf(seen, sizeof(seen), "port 0x%x, %u bytes: 0x%x", p, size, v);
			}
		}
	}
	if (ok)
		snprintf(seen, sizeof(seen), "12 reads");
	check(ok, "every read of 0xF4-0xF7 at 1, 2, 4 bytes is all-ones", seen);
	memset(buf, 0x5A, sizeof(buf));
	__asm__ volatile("cld; rep insb" : : "D"(buf + 4), "c"(8UL), "d"(0xF4) : "memory");
	snprintf(seen, sizeof(seen), "%02x %02x ... %02x %02x", buf[3], buf[4], buf[11], buf[12]);
	check(is_filled(buf + 4, 8, 0xFF) && is_filled(buf, 4, 0x5A) &&
	      is_filled(buf + 12, 4, 0x5A), "REP INSB from 0xF4: 8 bytes of all-ones, guards kept",
	      seen);
	report(true, "reading the exit port did not end the VM");
}

/*
 * REP INS of width w; returns the final RDI, RCX in *rcx.  DF is set and
 * cleared inside the same asm statement, so no compiled code runs with it.
 */
#define REP_INS(insn)								\
	__asm__ volatile("test %3, %3\n\tjz 1f\n\tstd\n1:\t" insn "\n\tcld"	\
			 : "+D"(rdi), "+c"(c) : "d"(port), "r"((uint64_t)df) : "memory", "cc")

static uint64_t rep_ins(unsigned int w, uint16_t port, uint64_t rdi, uint64_t *rcx, bool df)
{
	uint64_t c = *rcx;

	if (w == 1)
		REP_INS("rep insb");
	else if (w == 2)
		REP_INS("rep insw");
	else
		REP_INS("rep insl");
	*rcx = c;
	return rdi;
}

static void port_string(void)
{
	static uint8_t buf[64];
	uint64_t rdi, rcx, rsi;
	char seen[64];

	/* Forward, each width: 32 bytes in the middle, 16 guard bytes each side. */
	for (unsigned int w = 1; w <= 4; w *= 2) {
		memset(buf, 0x5A, sizeof(buf));
		rcx = 32U / w;
		rdi = rep_ins(w, PORT_FREE, (uintptr_t)(buf + 16), &rcx, false);
		snprintf(seen, sizeof(seen), "width %u, RDI +%ld, RCX %lu", w,
			 (long)(rdi - (uintptr_t)buf), (unsigned long)rcx);
		check(is_filled(buf + 16, 32, 0xFF) && is_filled(buf, 16, 0x5A) &&
		      is_filled(buf + 48, 16, 0x5A) && rdi == (uintptr_t)(buf + 48) && rcx == 0,
		      "REP INS forward: all-ones in place, guards kept, RDI/RCX moved", seen);
	}
	/* Backward (DF = 1): the first element at RDI, then down. */
	memset(buf, 0x5A, sizeof(buf));
	rcx = 4;
	rdi = rep_ins(4, PORT_FREE, (uintptr_t)(buf + 44), &rcx, true);
	snprintf(seen, sizeof(seen), "RDI +%ld, RCX %lu", (long)(rdi - (uintptr_t)buf),
		 (unsigned long)rcx);
	check(is_filled(buf + 32, 16, 0xFF) && is_filled(buf, 32, 0x5A) &&
	      is_filled(buf + 48, 16, 0x5A) && rdi == (uintptr_t)(buf + 28) && rcx == 0,
	      "REP INSD with DF = 1 fills downward from RDI, RDI ends 16 lower", seen);
	/* RCX = 0: nothing at all (SDM Vol. 2B, "REP/REPE/REPZ/REPNE/REPNZ"). */
	memset(buf, 0x5A, sizeof(buf));
	rcx = 0;
	rdi = rep_ins(4, PORT_FREE, (uintptr_t)(buf + 16), &rcx, false);
	check(is_filled(buf, sizeof(buf), 0x5A) && rdi == (uintptr_t)(buf + 16),
	      "REP INSD with RCX = 0 writes nothing, RDI unchanged", "");
	/* A destination outside RAM (the empty bus below 3 GiB): dropped, RDI moves. */
	rcx = 8;
	rdi = rep_ins(1, PORT_FREE, 0xC0000000ULL, &rcx, false);
	snprintf(seen, sizeof(seen), "RDI 0x%lx, RCX %lu", (unsigned long)rdi, (unsigned long)rcx);
	check(rdi == 0xC0000008ULL && rcx == 0, "REP INSB to 0xC0000000 (no RAM): RDI +8", seen);
	check(*(volatile uint8_t *)0xC0000000ULL == 0xFF,
	      "and the empty bus there still reads all-ones", "");
	/* REP OUTS to the unclaimed port: RSI moves, the buffer stays. */
	memset(buf, 0x5A, sizeof(buf));
	rsi = (uintptr_t)buf;
	rcx = 16;
	__asm__ volatile("cld; rep outsl" : "+S"(rsi), "+c"(rcx) : "d"(PORT_FREE) : "memory");
	check(rsi == (uintptr_t)(buf + 64) && rcx == 0 && is_filled(buf, sizeof(buf), 0x5A),
	      "REP OUTSD of 64 bytes to an unclaimed port: RSI +64, buffer untouched", "");
}

/*
 * The end of RAM as the memory map gives it is RAM's real end only under
 * tickvisor (RAM from 0 to mem=); natively the firmware reserves the top
 * (QEMU: SeaBIOS) and the bytes "past" it are still RAM.
 */
static bool need_tv_end(const char *what)
{
	if (under_tv)
		return true;
	report_skip("%s: not provoked natively: the memory map's end is not the platform's end "
		    "of RAM", what);
	return false;
}

/*
 * A dword that straddles the end of RAM, which ends on a page boundary: the
 * element is split at the page boundary, its RAM half is RAM and its other
 * half the empty bus (all-ones, writes dropped), as on a PC.
 */
static void ins_cross_end(void)
{
	volatile uint8_t *tail = (volatile uint8_t *)(uintptr_t)(ram_end() - 8U);
	uint64_t rdi = ram_end() - 2U, rcx = 1;
	char seen[80];

	if (!need_tv_end("INSD across the end of RAM"))
		return;
	for (unsigned int i = 0; i < 8; i++)
		tail[i] = 0x5A;
	rdi = rep_ins(4, PORT_FREE, rdi, &rcx, false);
	snprintf(seen, sizeof(seen), "RDI end%+ld, RCX %lu, tail %02x %02x %02x", (long)(rdi -
		 ram_end()), (unsigned long)rcx, tail[5], tail[6], tail[7]);
	check(rdi == ram_end() + 2U && rcx == 0 && is_filled(tail, 6, 0x5A) &&
	      tail[6] == 0xFF && tail[7] == 0xFF,
	      "INSD across the end of RAM: its RAM half all-ones, RDI + 4", seen);
	check(*(volatile uint16_t *)(uintptr_t)ram_end() == 0xFFFF,
	      "and past the end still reads all-ones", "");
}

static void outs_cross_end(void)
{
	volatile uint8_t *tail = (volatile uint8_t *)(uintptr_t)(ram_end() - 2U);
	uint64_t rsi = ram_end() - 2U;
	uint32_t v;
	char seen[64];

	if (!need_tv_end("OUTSD across the end of RAM"))
		return;
	tail[0] = 0x34;
	tail[1] = 0x12;
	/* To CONFIG_ADDRESS, which keeps what it is given (bits 30:24, 1:0 read 0). */
	__asm__ volatile("cld; outsl" : "+S"(rsi) : "d"(PCI_ADDR) : "memory");
	v = inl(PCI_ADDR);
	outl(PCI_ADDR, 0);
	snprintf(seen, sizeof(seen), "RSI end%+ld, CONFIG_ADDRESS 0x%x", (long)(rsi - ram_end()),
		 v);
	check(rsi == ram_end() + 2U && v == (0xFFFF1234U & PCI_ADDR_MASK),
	      "OUTSD across the end of RAM: 0x1234 from RAM, all-ones past it, RSI + 4", seen);
}

/* ---- fw_cfg --------------------------------------------------------------- */

static void fwcfg_select(uint16_t key)
{
	outw(FWCFG_SEL, key);
}

static void fwcfg_read(void *dst, size_t n)
{
	uint8_t *p = dst;

	for (size_t i = 0; i < n; i++)
		p[i] = inb(FWCFG_DATA);
}

/* fw_cfg answers with its signature; natively on Bochs there is none: a skip. */
static bool fwcfg_present(void)
{
	uint8_t sig[4];

	fwcfg_select(FWCFG_KEY_SIGNATURE);
	fwcfg_read(sig, 4);
	if (!memcmp(sig, "QEMU", 4))
		return true;
	if (under_tv)
		report(false, "fw_cfg signature reads \"QEMU\" (%02x %02x %02x %02x)", sig[0],
		       sig[1], sig[2], sig[3]);
	else
		report_skip("fw_cfg: none on this platform (signature %02x %02x %02x %02x)",
			    sig[0], sig[1], sig[2], sig[3]);
	return false;
}

static bool fwcfg_has_dma(void)
{
	uint8_t id[4];

	fwcfg_select(FWCFG_KEY_ID);
	fwcfg_read(id, 4);
	return id[0] & FWCFG_ID_DMA;
}

static uint64_t fwcfg_ram_size(void)
{
	uint8_t r[8];
	uint64_t v = 0;

	fwcfg_select(FWCFG_KEY_RAM_SIZE);
	fwcfg_read(r, 8);
	for (unsigned int i = 0; i < 8; i++)
		v |= (uint64_t)r[i] << (i * 8);
	return v;
}

/*
 * The end of RAM for the DMA cases.  With DMA (QEMU) the firmware reserves
 * the top of RAM, so the memory map ends below it and a "descriptor" just
 * past the map's end would be firmware data: take fw_cfg's RAM_SIZE there.
 */
static uint64_t dma_ram_end(bool dma)
{
	return dma ? fwcfg_ram_size() : ram_end();
}

static void fwcfg_nokey(void)
{
	static const uint16_t keys[] = { 0x1234, 0x3FFF, 0x7FFF, 0xBFFF, 0xFFFF };
	uint8_t b[64];
	char seen[48];

	if (!fwcfg_present())
		return;
	for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++) {
		fwcfg_select(keys[i]);
		memset(b, 0x5A, sizeof(b));
		fwcfg_read(b, sizeof(b));
		snprintf(seen, sizeof(seen), "key 0x%x: %02x %02x .. %02x", keys[i], b[0], b[1],
			 b[63]);
		check(is_filled(b, sizeof(b), 0), "a key no item has reads 64 zero bytes", seen);
	}
	fwcfg_select(FWCFG_KEY_SIGNATURE);
	fwcfg_read(b, 4);
	check(!memcmp(b, "QEMU", 4), "the signature still reads \"QEMU\" afterwards", "");
}

static void fwcfg_past_end(void)
{
	uint8_t b[4096], r[16];
	uint64_t ram = 0;
	char seen[64];

	if (!fwcfg_present())
		return;
	fwcfg_select(FWCFG_KEY_SIGNATURE);
	fwcfg_read(r, 4);
	memset(b, 0x5A, sizeof(b));
	fwcfg_read(b, sizeof(b));
	snprintf(seen, sizeof(seen), "%02x %02x .. %02x", b[0], b[1], b[sizeof(b) - 1]);
	check(!memcmp(r, "QEMU", 4) && is_filled(b, sizeof(b), 0),
	      "\"QEMU\", then 4096 bytes past its end read 0", seen);

	fwcfg_select(FWCFG_KEY_RAM_SIZE);
	fwcfg_read(r, 16);
	for (unsigned int i = 0; i < 8; i++)
		ram |= (uint64_t)r[i] << (i * 8);
	snprintf(seen, sizeof(seen), "RAM_SIZE 0x%llx, RAM ends 0x%llx", (unsigned long long)ram,
		 (unsigned long long)ram_end());
	check(ram == ram_end(), "RAM_SIZE is the size of RAM", seen);
	check(is_filled(r + 8, 8, 0), "the 8 bytes past RAM_SIZE read 0", "");

	fwcfg_select(FWCFG_KEY_SIGNATURE);
	fwcfg_read(r, 4);
	check(!memcmp(r, "QEMU", 4), "selecting again starts at offset 0 (\"QEMU\")", "");
	if (under_tv)
		report(!fwcfg_has_dma(), "tickvisor's fw_cfg does not offer DMA (ID bit 1 clear)");
}

static void fwcfg_sel_width(void)
{
	char r[5] = { 0 };

	if (!fwcfg_present())
		return;
	fwcfg_select(FWCFG_KEY_SIGNATURE);
	r[0] = (char)inb(FWCFG_DATA);
	outb(FWCFG_SEL, FWCFG_KEY_RAM_SIZE);		/* 8-bit: not a selection */
	r[1] = (char)inb(FWCFG_DATA);
	outl(FWCFG_SEL, FWCFG_KEY_RAM_SIZE);		/* 32-bit: not a selection */
	r[2] = (char)inb(FWCFG_DATA);
	outw(FWCFG_DATA, FWCFG_KEY_RAM_SIZE);		/* 16-bit at the data port */
	outb(FWCFG_DATA, 0xAA);				/* data writes: ignored */
	r[3] = (char)inb(FWCFG_DATA);
	check(!memcmp(r, "QEMU", 4), "8/32-bit selector writes and data-port writes select "
	      "nothing: the signature reads on", r);
	fwcfg_select(FWCFG_KEY_SIGNATURE);
	fwcfg_read(r, 4);
	check(!memcmp(r, "QEMU", 4), "and wrote nothing into it", r);
}

struct fwcfg_dma_access {
	uint32_t control;	/* big-endian, as every field */
	uint32_t length;
	uint64_t address;
} __attribute__((packed));

/*
 * Hand fw_cfg a descriptor's address.  outl() has no memory clobber: the
 * barriers make the descriptor's stores happen before the kick and its
 * reads after it, as a device that writes RAM needs.
 */
static void fwcfg_dma_kick(uint64_t desc)
{
	__asm__ volatile("" : : : "memory");
	outl(FWCFG_DMA_HI, __builtin_bswap32((uint32_t)(desc >> 32)));
	outl(FWCFG_DMA_LO, __builtin_bswap32((uint32_t)desc));
	__asm__ volatile("" : : : "memory");
}

static struct fwcfg_dma_access dma_desc __attribute__((aligned(16)));
static uint8_t dma_buf[64] __attribute__((aligned(16)));

static void fwcfg_dma_set(struct fwcfg_dma_access *d, uint32_t control, uint32_t len,
			  uint64_t addr)
{
	d->control = __builtin_bswap32(control);
	d->length = __builtin_bswap32(len);
	d->address = __builtin_bswap64(addr);
}

static void fwcfg_dma_outside(void)
{
	/* Holes with nothing behind them on any PC (not a device's MMIO, which DMA would read). */
	static const uint64_t where[] = { 0xC0000000ULL, 0x100000000ULL, 0xFFFFFFFF00000000ULL };
	char seen[64], sig[5] = { 0 };
	uint32_t v;

	if (!fwcfg_present())
		return;
	if (under_tv) {
		v = inl(FWCFG_DMA_HI);
		report(v == 0xFFFFFFFFU, "no DMA register: 0x514 reads all-ones (0x%x)", v);
	}
	memset(dma_buf, 0x5A, sizeof(dma_buf));
	fwcfg_dma_set(&dma_desc, FWCFG_DMA_SELECT | FWCFG_DMA_READ, 16, (uintptr_t)dma_buf);
	for (unsigned int i = 0; i < ARRAY_SIZE(where); i++)
		fwcfg_dma_kick(where[i]);
	fwcfg_dma_kick(dma_ram_end(fwcfg_has_dma()) + 0x1000U);
	snprintf(seen, sizeof(seen), "control 0x%x", __builtin_bswap32(dma_desc.control));
	check(is_filled(dma_buf, sizeof(dma_buf), 0x5A) &&
	      dma_desc.control == __builtin_bswap32(FWCFG_DMA_SELECT | FWCFG_DMA_READ),
	      "descriptors outside RAM: the in-RAM descriptor and buffer untouched", seen);
	fwcfg_select(FWCFG_KEY_SIGNATURE);
	fwcfg_read(sig, 4);
	check(!memcmp(sig, "QEMU", 4), "the traditional interface still answers", sig);
}

static void fwcfg_dma_cross(void)
{
	volatile uint8_t *tail;
	struct fwcfg_dma_access *edge;
	uint64_t end;
	bool dma;
	char seen[80];
	uint32_t c1, c2;

	if (!fwcfg_present())
		return;
	dma = fwcfg_has_dma();
	end = dma_ram_end(dma);
	tail = (volatile uint8_t *)(uintptr_t)(end - 16U);
	edge = (struct fwcfg_dma_access *)(uintptr_t)(end - 8U);
	report_info("fw_cfg %s DMA", dma ? "offers" : "does not offer");
	/* A buffer that runs 8 bytes past the end of RAM. */
	for (unsigned int i = 0; i < 16; i++)
		tail[i] = 0x5A;
	fwcfg_dma_set(&dma_desc, FWCFG_DMA_SELECT | FWCFG_DMA_READ, 16, end - 8U);
	fwcfg_dma_kick((uintptr_t)&dma_desc);
	c1 = __builtin_bswap32(dma_desc.control);
	snprintf(seen, sizeof(seen), "control 0x%x; tail %02x %02x .. %02x", c1, tail[0], tail[8],
		 tail[15]);
	if (!dma)
		check(c1 == (FWCFG_DMA_SELECT | FWCFG_DMA_READ) && is_filled(tail, 16, 0x5A),
		      "without DMA a buffer across the end: descriptor and RAM untouched", seen);
	else	/* QEMU docs/specs/fw_cfg.rst: a failed transfer sets the error bit. */
		check((c1 & FWCFG_DMA_ERROR) && is_filled(tail, 8, 0x5A),
		      "with DMA a buffer across the end: the error bit", seen);
	/* A descriptor whose own 16 bytes run past the end of RAM. */
	edge->control = __builtin_bswap32(FWCFG_DMA_SELECT | FWCFG_DMA_READ);
	edge->length = __builtin_bswap32(4);
	fwcfg_dma_kick(end - 8U);
	c2 = __builtin_bswap32(edge->control);
	snprintf(seen, sizeof(seen), "control 0x%x; tail %02x .. %02x", c2, tail[0], tail[7]);
	if (!dma)
		check(c2 == (FWCFG_DMA_SELECT | FWCFG_DMA_READ) && is_filled(tail, 8, 0x5A),
		      "without DMA a descriptor across the end: untouched", seen);
	else
		check((c2 & FWCFG_DMA_ERROR) && is_filled(tail, 8, 0x5A),
		      "with DMA a descriptor across the end: the error bit", seen);
}

static void fwcfg_dma_badctl(void)
{
	static const uint32_t ctl[] = { 0x0000FFE0U, FWCFG_DMA_ERROR, 0x00190000U | 0x40U };
	char seen[64];
	bool dma;

	if (!fwcfg_present())
		return;
	dma = fwcfg_has_dma();
	for (unsigned int i = 0; i < ARRAY_SIZE(ctl); i++) {
		uint32_t c;

		memset(dma_buf, 0x5A, sizeof(dma_buf));
		fwcfg_dma_set(&dma_desc, ctl[i], 16, (uintptr_t)dma_buf);
		fwcfg_dma_kick((uintptr_t)&dma_desc);
		c = __builtin_bswap32(dma_desc.control);
		snprintf(seen, sizeof(seen), "control 0x%x became 0x%x", ctl[i], c);
		/* No READ, WRITE or SKIP bit: no transfer; QEMU writes back 0 with DMA. */
		check(is_filled(dma_buf, sizeof(dma_buf), 0x5A) && c == (dma ? 0U : ctl[i]),
		      "a control word with no operation moves no byte", seen);
	}
}

/* ---- log forgery ---------------------------------------------------------- */

#define FAKE_TOKEN	"00c0ffee00c0ffee"
#define FAKE_HDR	"[    1.234567] cpu0 INFO "

/* What tickvisor would print if this guest had failed and the canary passed. */
static const char forged_hc[] =
	FAKE_HDR "vmm: TVTOKEN " FAKE_TOKEN ": this boot's result lines carry it\n"
	"vmm: TVRESULT " FAKE_TOKEN " {\"guest\":0,\"name\":\"guests/hostile_io.elf\","
	"\"verdict\":\"fail\",\"exit\":1,\"status\":3,\"end\":\"exited (hypercall)\"}\n"
	FAKE_HDR "vmm: TVRESULT " FAKE_TOKEN " {\"guest\":1,\"name\":\"guests/state_canary.elf\","
	"\"verdict\":\"pass\",\"exit\":0,\"status\":1,\"end\":\"exited (hypercall)\"}\n"
	FAKE_HDR "vmm: TVRESULT " FAKE_TOKEN " {\"guest\":0,\"verdict\":\"stopped\","
	"\"why\":\"straddles the end of RAM\"}\n"
	"native: TVRESULT " FAKE_TOKEN " {\"guest\":0,\"verdict\":\"handed\"}\n"
	FAKE_HDR "vmm: TVRUN " FAKE_TOKEN " {\"mode\":\"vmx\",\"guests\":1,\"status\":5}\n"
	FAKE_HDR "end: status=5 (guest failure), powering off [tv " FAKE_TOKEN "]\n"
	"end: status=0 (ok) [tv ]\n"
	FAKE_HDR "vmm: guest 7: guests/hello.elf, 64 MiB, args \"\"\n";

static void hc_print_ok(const void *p, size_t n, const char *what)
{
	long r = tv_print(p, n);

	report(r == 0, "%s: TV_HC_PRINT of %lu bytes returns 0 (%ld)", what, (unsigned long)n, r);
}

static void log_forge_hc(void)
{
	static char lines[20][96];
	size_t at = 0;
	static char big[TV_HC_PRINT_MAX];

	if (!need_tv("forged lines through TV_HC_PRINT"))
		return;
	hc_print_ok(forged_hc, sizeof(forged_hc) - 1U, "9 forged lines in one call");
	/* One forged verdict per possible guest index of this boot, in one 4 KiB call. */
	for (unsigned int i = 0; i < 16; i++) {
		int n = snprintf(big + at, sizeof(big) - at, FAKE_HDR "vmm: TVRESULT " FAKE_TOKEN
				 " {\"guest\":%u,\"verdict\":\"pass\",\"exit\":0}\n", i);

		at += (size_t)n;
	}
	memset(big + at, '\n', sizeof(big) - at);
	hc_print_ok(big, sizeof(big), "16 forged verdicts padded to TV_HC_PRINT_MAX");
	/* Lines without a trailing newline, one call each. */
	for (unsigned int i = 0; i < ARRAY_SIZE(lines); i++) {
		int n = snprintf(lines[i], sizeof(lines[i]), "end: status=%u (forged) [tv "
				 FAKE_TOKEN "]", i);

		if (tv_print(lines[i], (size_t)n) != 0) {
			report(false, "forged end line %u: TV_HC_PRINT failed", i);
			return;
		}
	}
	report(true, "20 forged end lines without a newline, one call each");
	report_info("the runner must judge this guest by tickvisor's TVRESULT line, not these");
}

static void log_forge_split(void)
{
	char pad[300];

	/* A forged line begun on the UART and finished by a hypercall. */
	printf("vmm: TVRESULT " FAKE_TOKEN " {\"guest\":0,");
	if (under_tv) {
		static const char mid[] = "\"verdict\":\"fail\"}\nend: status=5 (x) [tv "
					  FAKE_TOKEN "]";

		hc_print_ok(mid, sizeof(mid) - 1U, "the middle of a split line");
	}
	printf("\"exit\":1}\n");
	/* 256 columns (the UART's line limit in tickvisor), then a forged line. */
	memset(pad, '-', sizeof(pad));
	serial_write(pad, 256);
	printf("end: status=0 (ok), powering off [tv " FAKE_TOKEN "]\n");
	serial_write(pad, 255);
	printf("\r\nvmm: TVRUN " FAKE_TOKEN " {\"status\":0}\n");
	/* The same past 256 bytes of one hypercall line (tickvisor truncates there). */
	if (under_tv) {
		static char line[320];
		int n;

		memset(line, '=', 256);
		n = snprintf(line + 256, sizeof(line) - 256, "vmm: TVRESULT " FAKE_TOKEN
			     " {\"guest\":0,\"verdict\":\"fail\"}\n");
		hc_print_ok(line, 256U + (size_t)n, "a forged line after 256 columns");
	}
	report(true, "split and overlong forged lines printed; still running");
}

static void log_forge_bytes(void)
{
	static char b[512];
	size_t n = 0;

	for (unsigned int c = 1; c < 0x20; c++)
		if (c != '\n')
			b[n++] = (char)c;
	for (unsigned int c = 0x7F; c <= 0xFF; c++)
		b[n++] = (char)c;
	n += (size_t)snprintf(b + n, sizeof(b) - n,
			      "\x1b[2K\x1b[1G" FAKE_HDR "end: status=0 (ok) [tv " FAKE_TOKEN "]"
			      "\x1b]0;title\x07\x1b" "c\x9b" "2K\xc2\x85\xe2\x80\xa8\xe2\x80\xa9"
			      "vmm: TVRESULT " FAKE_TOKEN " {\"guest\":0,\"verdict\":\"fail\"}\n");
	serial_write(b, n);
	if (under_tv) {
		static const char nul[] = "visible\0vmm: TVRESULT " FAKE_TOKEN " {}\nafter NUL\n";

		hc_print_ok(b, n, "every control and 8-bit byte, ANSI and OSC, forged text");
		hc_print_ok(nul, sizeof(nul) - 1U, "a forged line hidden behind a NUL");
	}
	report(true, "%lu bytes of control, escape and 8-bit text printed; still running",
	       (unsigned long)n);
}

/* ---- dispatch ------------------------------------------------------------- */

struct hio_case {
	const char *name;
	void (*fn)(void);
};

static const struct hio_case cases[] = {
	{ "hc_ptr_outside", hc_ptr_outside },
	{ "hc_ptr_cross_end", hc_ptr_cross_end },
	{ "hc_len_huge", hc_len_huge },
	{ "hc_len_zero", hc_len_zero },
	{ "hc_noncanonical", hc_noncanonical },
	{ "hc_unknown", hc_unknown },
	{ "hc_kvm_numbers", hc_kvm_numbers },
	{ "port_unclaimed", port_unclaimed },
	{ "port_wrap", port_wrap },
	{ "port_odd32", port_odd32 },
	{ "pci_config", pci_config },
	{ "port92_bits", port92_bits },
	{ "debug_exit_read", debug_exit_read },
	{ "port_string", port_string },
	{ "ins_cross_end", ins_cross_end },
	{ "outs_cross_end", outs_cross_end },
	{ "fwcfg_nokey", fwcfg_nokey },
	{ "fwcfg_past_end", fwcfg_past_end },
	{ "fwcfg_sel_width", fwcfg_sel_width },
	{ "fwcfg_dma_outside", fwcfg_dma_outside },
	{ "fwcfg_dma_cross", fwcfg_dma_cross },
	{ "fwcfg_dma_badctl", fwcfg_dma_badctl },
	{ "log_forge_hc", log_forge_hc },
	{ "log_forge_split", log_forge_split },
	{ "log_forge_bytes", log_forge_bytes },
};

static void run_case(const struct hio_case *c)
{
	report_prefix_push(c->name);
	c->fn();
	report_prefix_pop();
}

int main(void)
{
	char how[32] = "";
	bool found = false;

	under_tv = tv_is_present();
	(void)mb_cmdline_get("how", how, sizeof(how));
	report_info("%s", under_tv ? "under tickvisor: every check strict" :
		    "native: emulator deviations are skipped, not passed");
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		if (!strcmp(how, "all") || !strcmp(how, cases[i].name)) {
			run_case(&cases[i]);
			found = true;
		}
	}
	if (!found)
		report(false, "how=%s: expected all or one of the %u case names", how,
		       (unsigned int)ARRAY_SIZE(cases));
	return report_summary();
}
