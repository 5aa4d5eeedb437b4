/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "vio.h"

#include <tv/errno.h>
#include <tv/hypercall_abi.h>

#include <tv/string.h>

TV_STATIC_ASSERT(VIO_DEBUG_EXIT_BASE == TV_DEBUG_EXIT_PORT, "one exit port");

/* 16550A register offsets from VIO_UART_BASE (DLAB = LCR bit 7). */
#define UART_RBR_THR_DLL	0U
#define UART_IER_DLM		1U
#define UART_IIR_FCR		2U
#define UART_LCR		3U
#define UART_MCR		4U
#define UART_LSR		5U
#define UART_MSR		6U
#define UART_SCR		7U
#define UART_PORTS		8U

#define UART_IER_MASK		0x0FU
#define UART_IER_ERBFI		0x01U	/* received data available */
#define UART_IER_ETBEI		0x02U	/* THR empty */
#define UART_IIR_NO_INT		0x01U
#define UART_IIR_THRE		0x02U
#define UART_IIR_RDA		0x04U
#define UART_IIR_FIFO		0xC0U
#define UART_FCR_ENABLE		0x01U
#define UART_FCR_CLEAR_RX	0x02U
#define UART_FCR_KEEP		0xC9U	/* enable, DMA mode, receiver trigger */
#define UART_LCR_DLAB		0x80U
#define UART_MCR_MASK		0x1FU
#define UART_MCR_DTR		0x01U
#define UART_MCR_RTS		0x02U
#define UART_MCR_OUT1		0x04U
#define UART_MCR_OUT2		0x08U
#define UART_MCR_LOOP		0x10U
#define UART_LSR_DR		0x01U
#define UART_LSR_THRE		0x20U
#define UART_LSR_TEMT		0x40U
#define UART_MSR_CTS		0x10U
#define UART_MSR_DSR		0x20U
#define UART_MSR_RI		0x40U
#define UART_MSR_DCD		0x80U

/* 8259A command words, told apart by bits 4:3 of a write to the even port. */
#define PIC_ICW1		0x10U
#define PIC_ICW1_IC4		0x01U
#define PIC_ICW1_SNGL		0x02U
#define PIC_OCW3		0x08U
#define PIC_OCW3_POLL		0x04U
#define PIC_OCW3_RR		0x02U
#define PIC_OCW3_RIS		0x01U
#define PIC_ICW2_VECTOR		0xF8U

/* fw_cfg items (QEMU docs/specs/fw_cfg.rst, "Firmware Configuration Items"). */
#define FWCFG_SIGNATURE		0x0000U
#define FWCFG_ID		0x0001U
#define FWCFG_RAM_SIZE		0x0003U
#define FWCFG_NB_CPUS		0x0005U
#define FWCFG_MAX_CPUS		0x000FU
#define FWCFG_FILE_DIR		0x0019U
#define FWCFG_WRITE_CHANNEL	0x4000U	/* ignored for reads, as QEMU does */
#define FWCFG_ID_TRADITIONAL	0x1U	/* bit 0 "always set"; bit 1 (DMA) clear */

#define PM1A_CNT_QEMU		0x604U
#define PM1A_CNT_BOCHS		0xB004U
#define PM1_CNT_SLP_EN		0x2000U

/*
 * System Control Port A (IBM PS/2; Intel PIIX/ICH "Port 92h"): bit 0
 * ALT_RST (a 0->1 transition resets the processor), bit 1 ALT_A20_GATE.
 */
#define PORT92_FAST_RESET	0x01U
#define PORT92_A20		0x02U

#define POST_CODE_PORT		0x80U
#define IO_DELAY_PORT		0xEDU

/*
 * PCI Local Bus Specification 3.0, 3.2.2.3.2 "Software Generation of
 * Configuration Transactions": CONFIG_ADDRESS bits 30:24 are reserved and
 * bits 1:0 read 0.
 */
#define PCI_CONFIG_ADDRESS_MASK	0x80FFFFFCU

static const char vio_bochs_word[] = "Shutdown";

static uint32_t vio_size_mask(unsigned int size)
{
	return size == 4U ? 0xFFFFFFFFU : (1U << (size * 8U)) - 1U;
}

static bool vio_is_in(uint16_t port, unsigned int base, unsigned int count)
{
	return port >= base && port < base + count;
}

/* ---- 16550A UART ---------------------------------------------------- */

static void uart_hand_out(struct vuart *u, struct vio_effect *eff)
{
	tv_memcpy(u->out, u->line, u->line_len);
	eff->out_line = u->out;
	eff->out_len = u->line_len;
	u->line_len = 0;
}

/* Guest bytes become log text: keep what prints, mark the rest. */
static char uart_sanitize(uint8_t c)
{
	if (c == '\t' || (c >= 0x20U && c < 0x7FU))
		return (char)c;
	return '?';
}

static void uart_transmit(struct vuart *u, uint8_t c, struct vio_effect *eff)
{
	if (c == '\r')
		return;
	if (c == '\n') {
		uart_hand_out(u, eff);
		return;
	}
	if (u->line_len == VIO_LINE_MAX)
		uart_hand_out(u, eff);
	u->line[u->line_len++] = uart_sanitize(c);
}

/*
 * 16550A data sheet, "Interrupt Identification Register": the THRE
 * interrupt is raised when THR empties (here: at once) with ETBEI set, and
 * cleared by reading IIR when it is the source, or by writing THR.
 */
static uint8_t uart_read_iir(struct vuart *u)
{
	uint8_t fifo = (u->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0U;

	if ((u->ier & UART_IER_ERBFI) && u->has_rx)
		return fifo | UART_IIR_RDA;
	if ((u->ier & UART_IER_ETBEI) && u->thre_pending) {
		u->thre_pending = false;
		return fifo | UART_IIR_THRE;
	}
	return fifo | UART_IIR_NO_INT;
}

/* In loopback the modem outputs drive the modem inputs (16550A data sheet, MCR bit 4). */
static uint8_t uart_read_msr(const struct vuart *u)
{
	uint8_t msr = 0;

	if (!(u->mcr & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	if (u->mcr & UART_MCR_RTS)
		msr |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_DTR)
		msr |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_OUT1)
		msr |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		msr |= UART_MSR_DCD;
	return msr;
}

static uint8_t uart_read(struct vuart *u, unsigned int reg)
{
	bool dlab = (u->lcr & UART_LCR_DLAB) != 0;

	switch (reg) {
	case UART_RBR_THR_DLL:
		if (dlab)
			return u->dll;
		if (!u->has_rx)
			return 0;
		u->has_rx = false;
		return u->rbr;
	case UART_IER_DLM:
		return dlab ? u->dlm : u->ier;
	case UART_IIR_FCR:
		return uart_read_iir(u);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT | (u->has_rx ? UART_LSR_DR : 0U);
	case UART_MSR:
		return uart_read_msr(u);
	default:
		return u->scr;
	}
}

static void uart_write(struct vuart *u, unsigned int reg, uint8_t v, struct vio_effect *eff)
{
	bool dlab = (u->lcr & UART_LCR_DLAB) != 0;

	switch (reg) {
	case UART_RBR_THR_DLL:
		if (dlab) {
			u->dll = v;
			break;
		}
		if (u->mcr & UART_MCR_LOOP) {
			u->rbr = v;
			u->has_rx = true;
		} else {
			uart_transmit(u, v, eff);
		}
		u->thre_pending = true;
		break;
	case UART_IER_DLM:
		if (dlab) {
			u->dlm = v;
			break;
		}
		if ((v & UART_IER_ETBEI) && !(u->ier & UART_IER_ETBEI))
			u->thre_pending = true;
		u->ier = v & UART_IER_MASK;
		break;
	case UART_IIR_FCR:
		/* FCR bit 0 must be set for the other bits to be programmed. */
		if (!(v & UART_FCR_ENABLE)) {
			u->fcr = 0;
			break;
		}
		u->fcr = v & UART_FCR_KEEP;
		if (v & UART_FCR_CLEAR_RX)
			u->has_rx = false;
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & UART_MCR_MASK;
		break;
	case UART_SCR:
		u->scr = v;
		break;
	default:
		/* LSR and MSR: factory-test writes, ignored. */
		break;
	}
}

/* ---- 8259A PIC pair ------------------------------------------------- */

static void pic_write_command(struct vpic_chip *c, uint8_t v)
{
	if (v & PIC_ICW1) {
		/*
		 * 8259A data sheet, "Initialization Command Words": ICW1 clears
		 * the IMR, resets the status read to IRR and, without IC4,
		 * zeroes every ICW4 function.
		 */
		c->imr = 0;
		c->needs_icw4 = (v & PIC_ICW1_IC4) != 0;
		c->is_single = (v & PIC_ICW1_SNGL) != 0;
		c->read_isr = false;
		c->poll = false;
		if (!c->needs_icw4)
			c->icw4 = 0;
		c->icw_next = 2;
		return;
	}
	if (v & PIC_OCW3) {
		if (v & PIC_OCW3_POLL)
			c->poll = true;
		if (v & PIC_OCW3_RR)
			c->read_isr = (v & PIC_OCW3_RIS) != 0;
		return;
	}
	/* OCW2 (EOI, rotation): nothing is ever in service, nothing to end. */
}

static void pic_write_data(struct vpic_chip *c, uint8_t v)
{
	switch (c->icw_next) {
	case 2:
		c->icw2 = v & PIC_ICW2_VECTOR;
		c->icw_next = !c->is_single ? 3 : (c->needs_icw4 ? 4 : 0);
		break;
	case 3:
		c->icw3 = v;
		c->icw_next = c->needs_icw4 ? 4 : 0;
		break;
	case 4:
		c->icw4 = v;
		c->icw_next = 0;
		break;
	default:
		c->imr = v;	/* OCW1 */
		break;
	}
}

static uint8_t pic_read(struct vpic_chip *c, bool is_data)
{
	if (is_data)
		return c->imr;
	/* Poll word, IRR and ISR: no request is ever pending or in service. */
	c->poll = false;
	return 0;
}

/* ---- fw_cfg ---------------------------------------------------------- */

static uint8_t le_byte(uint64_t v, uint32_t offset, uint32_t len)
{
	return offset < len ? (uint8_t)(v >> (offset * 8U)) : 0U;
}

/* Byte offset of the selected item; items are built on the fly, not stored. */
static uint8_t fwcfg_item_byte(const struct vio_state *io, uint16_t selector, uint32_t offset)
{
	switch (selector & (uint16_t)~FWCFG_WRITE_CHANNEL) {
	case FWCFG_SIGNATURE:
		return offset < 4U ? (uint8_t)"QEMU"[offset] : 0U;
	case FWCFG_ID:
		return le_byte(FWCFG_ID_TRADITIONAL, offset, 4U);
	case FWCFG_RAM_SIZE:
		return le_byte(io->ram_bytes, offset, 8U);
	case FWCFG_NB_CPUS:
	case FWCFG_MAX_CPUS:
		return le_byte(io->nr_cpus, offset, 2U);
	case FWCFG_FILE_DIR:
		/* A big-endian count of 0 and no entries: all four bytes are 0. */
		return 0;
	default:
		return 0;
	}
}

static uint8_t fwcfg_read_data(struct vio_state *io)
{
	struct vfwcfg *f = &io->fwcfg;
	uint8_t b = fwcfg_item_byte(io, f->selector, f->offset);

	/* Past the end every item reads 0: stop counting rather than wrap. */
	if (f->offset < 0xFFFFFFFFU)
		f->offset++;
	return b;
}

/* ---- byte-wide ports ----------------------------------------------- */

static void bochs_write(struct vio_state *io, uint8_t v, struct vio_effect *eff)
{
	/*
	 * Bochs (iodev/unmapped.cc) leaves its count alone when a letter of
	 * the word comes out of order; here any wrong byte starts over (an 'S'
	 * as a new first letter), so that only "Shutdown" in a row counts.
	 */
	if (v == (uint8_t)vio_bochs_word[io->bochs_matched])
		io->bochs_matched++;
	else
		io->bochs_matched = v == (uint8_t)vio_bochs_word[0] ? 1U : 0U;
	if (io->bochs_matched == sizeof(vio_bochs_word) - 1U) {
		io->bochs_matched = 0;
		eff->shutdown_requested = true;
	}
}

/*
 * Port 0x92.  The A20 bit reads back as written, but A20 is always enabled in
 * a VM (EPT maps guest-physical addresses as they are; nothing wraps at
 * 1 MiB), so clearing it changes nothing else.  The reset bit reads 0 and
 * its 0->1 edge asks for a reset of the machine.  The other bits (security
 * lock, disk LEDs) read 0.
 */
static uint8_t port92_access(struct vio_state *io, bool is_write, uint8_t v,
			     struct vio_effect *eff)
{
	if (!is_write)
		return io->port92 & PORT92_A20;
	if ((v & PORT92_FAST_RESET) && !(io->port92 & PORT92_FAST_RESET))
		eff->reset_requested = true;
	io->port92 = v & (PORT92_FAST_RESET | PORT92_A20);
	return 0;
}

/* One byte of an access to a byte-wide port; unknown ports read 0xFF. */
static uint8_t vio_access_byte(struct vio_state *io, uint16_t port, bool is_write, uint8_t v,
			       uint64_t now, struct vio_effect *eff)
{
	if (vio_is_in(port, VIO_UART_BASE, UART_PORTS)) {
		if (!is_write)
			return uart_read(&io->uart, port - VIO_UART_BASE);
		uart_write(&io->uart, port - VIO_UART_BASE, v, eff);
		return 0;
	}
	if (port == VIO_PIC_MASTER || port == VIO_PIC_MASTER + 1U ||
	    port == VIO_PIC_SLAVE || port == VIO_PIC_SLAVE + 1U) {
		struct vpic_chip *c = &io->pic.chip[port >= VIO_PIC_SLAVE ? 1 : 0];
		bool is_data = (port & 1U) != 0;

		if (!is_write)
			return pic_read(c, is_data);
		if (is_data)
			pic_write_data(c, v);
		else
			pic_write_command(c, v);
		return 0;
	}
	if (port == VIO_FWCFG_SELECTOR || port == VIO_FWCFG_DATA) {
		/* QEMU ignores data writes since 2.4; a byte write never selects. */
		return is_write ? 0U : fwcfg_read_data(io);
	}
	if (port == RTC_INDEX_PORT || port == RTC_DATA_PORT) {
		if (!is_write)
			return rtc_read(&io->rtc, port == RTC_DATA_PORT, now);
		rtc_write(&io->rtc, port == RTC_DATA_PORT, v, now);
		return 0;
	}
	if (port == VIO_PORT92)
		return port92_access(io, is_write, v, eff);
	if (port == VIO_BOCHS_SHUTDOWN) {
		if (is_write)
			bochs_write(io, v, eff);
		return 0xFF;
	}
	eff->unhandled = true;
	return 0xFF;
}

/*
 * Ports that take an access whole.  Returns false when the port is not one
 * of them, or the size is not one they accept, so that the access goes
 * byte by byte instead.
 */
static bool vio_access_whole(struct vio_state *io, uint16_t port, unsigned int size,
			     bool is_write, uint32_t *val, struct vio_effect *eff)
{
	uint32_t v = *val & vio_size_mask(size);

	if (vio_is_in(port, VIO_DEBUG_EXIT_BASE, TV_DEBUG_EXIT_PORTS)) {
		if (is_write) {
			eff->exit_requested = true;
			eff->exit_value = v;
			eff->exit_status = TV_EXIT_STATUS(v);
		} else {
			*val = vio_size_mask(size);
		}
		return true;
	}
	if (port == POST_CODE_PORT || port == IO_DELAY_PORT ||
	    vio_is_in(port, VIO_PCI_CONFIG_DATA, 4U)) {
		if (!is_write)
			*val = vio_size_mask(size);
		return true;
	}
	if (port == VIO_PCI_CONFIG_ADDRESS && size == 4U) {
		if (is_write)
			io->pci_address = v & PCI_CONFIG_ADDRESS_MASK;
		else
			*val = io->pci_address;
		return true;
	}
	if (port == VIO_FWCFG_SELECTOR && size == 2U && is_write) {
		io->fwcfg.selector = (uint16_t)v;
		io->fwcfg.offset = 0;
		return true;
	}
	if ((port == PM1A_CNT_QEMU || port == PM1A_CNT_BOCHS) && size >= 2U && is_write) {
		/* ACPI "Sleeping/Wake Control": any sleep state ends the VM. */
		if (v & PM1_CNT_SLP_EN)
			eff->shutdown_requested = true;
		return true;
	}
	return false;
}

/* ---- public --------------------------------------------------------- */

void vio_init(struct vio_state *io, uint64_t ram_bytes, unsigned int nr_cpus)
{
	unsigned int i;

	tv_memset(io, 0, sizeof(*io));
	/* 115200 baud (divisor 1), 8N1: what a firmware would have left. */
	io->uart.dll = 1;
	io->uart.lcr = 0x03;
	for (i = 0; i < TV_ARRAY_SIZE(io->pic.chip); i++)
		io->pic.chip[i].imr = 0xFF;
	io->ram_bytes = ram_bytes;
	if (nr_cpus == 0)
		nr_cpus = 1;
	io->nr_cpus = (uint16_t)TV_MIN(nr_cpus, 0xFFFFU);
	/* A20 on, as firmware leaves it; the clock stopped until vio_start_rtc(). */
	io->port92 = PORT92_A20;
	rtc_init(&io->rtc, 0, 0, 0);
}

void vio_start_rtc(struct vio_state *io, uint64_t unix_seconds, uint64_t now, uint64_t tsc_hz)
{
	rtc_init(&io->rtc, unix_seconds, now, tsc_hz);
}

int vio_access_port(struct vio_state *io, uint16_t port, unsigned int size, bool is_write,
		    uint32_t *val, uint64_t now, struct vio_effect *eff)
{
	uint32_t result = 0;
	unsigned int i;

	tv_memset(eff, 0, sizeof(*eff));
	if (size != 1U && size != 2U && size != 4U)
		return -TV_EINVAL;
	eff->port = port;
	eff->size = (uint8_t)size;
	eff->is_write = is_write;
	if (is_write)
		eff->value = *val & vio_size_mask(size);

	if (!vio_access_whole(io, port, size, is_write, val, eff)) {
		for (i = 0; i < size; i++) {
			uint8_t b = (uint8_t)(*val >> (i * 8U));

			b = vio_access_byte(io, (uint16_t)(port + i), is_write, b, now, eff);
			result |= (uint32_t)b << (i * 8U);
		}
		if (!is_write)
			*val = result;
	}
	if (!is_write)
		eff->value = *val;
	return 0;
}

void vio_flush_uart(struct vio_state *io, struct vio_effect *eff)
{
	tv_memset(eff, 0, sizeof(*eff));
	if (io->uart.line_len > 0)
		uart_hand_out(&io->uart, eff);
}
