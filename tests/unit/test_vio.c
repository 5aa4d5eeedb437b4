/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* vmm/vio: the guest's port-I/O devices, one behaviour per case. */
#include "harness.h"

#include <string.h>

#include <tv/errno.h>

#include "../../vmm/vio.h"

#define RAM_64M		(64ULL << 20)

static struct vio_state io;
static struct vio_effect eff;
/* The VM's time for the accesses (only the RTC reads it). */
static uint64_t now_tick;
/* The last line a test saw handed out, NUL-terminated for UT_STREQ. */
static char line[VIO_LINE_MAX + 1];
static unsigned int lines_seen;

static void reset(void)
{
	vio_init(&io, RAM_64M, 2);
	now_tick = 0;
	lines_seen = 0;
	line[0] = '\0';
}

static void note_line(void)
{
	if (!eff.out_line)
		return;
	memcpy(line, eff.out_line, eff.out_len);
	line[eff.out_len] = '\0';
	lines_seen++;
}

static uint32_t in(uint16_t port, unsigned int size)
{
	uint32_t v = 0xA5A5A5A5U;

	UT_EQ(vio_access_port(&io, port, size, false, &v, now_tick, &eff), 0);
	return v;
}

static void out(uint16_t port, unsigned int size, uint32_t v)
{
	UT_EQ(vio_access_port(&io, port, size, true, &v, now_tick, &eff), 0);
	note_line();
}

static void out_str(uint16_t port, const char *s)
{
	for (; *s; s++)
		out(port, 1, (uint8_t)*s);
}

#define COM1		VIO_UART_BASE
#define THR		(COM1 + 0U)
#define IER		(COM1 + 1U)
#define IIR		(COM1 + 2U)
#define FCR		(COM1 + 2U)
#define LCR		(COM1 + 3U)
#define MCR		(COM1 + 4U)
#define LSR		(COM1 + 5U)
#define MSR		(COM1 + 6U)
#define SCR		(COM1 + 7U)

/* ---- UART ---------------------------------------------------------- */

static void uart_thr_bytes_form_a_line_at_newline(void)
{
	reset();
	out_str(THR, "hello");
	UT_EQ(lines_seen, 0);
	out(THR, 1, '\n');
	UT_EQ(lines_seen, 1);
	UT_STREQ(line, "hello");
	out_str(THR, "next\n");
	UT_EQ(lines_seen, 2);
	UT_STREQ(line, "next");
}

static void uart_carriage_return_is_dropped(void)
{
	reset();
	out_str(THR, "a\r\nb\rc\n");
	UT_EQ(lines_seen, 2);
	UT_STREQ(line, "bc");
}

static void uart_empty_line_is_forwarded(void)
{
	reset();
	out(THR, 1, '\n');
	UT_CHECK(eff.out_line != NULL);
	UT_EQ(eff.out_len, 0);
	UT_EQ(lines_seen, 1);
}

static void uart_long_line_is_split_at_line_max(void)
{
	unsigned int i;

	reset();
	for (i = 0; i < VIO_LINE_MAX; i++)
		out(THR, 1, 'x');
	UT_EQ(lines_seen, 0);
	out(THR, 1, 'y');
	UT_EQ(lines_seen, 1);
	UT_EQ(strlen(line), VIO_LINE_MAX);
	UT_EQ(line[VIO_LINE_MAX - 1], 'x');
	out(THR, 1, '\n');
	UT_EQ(lines_seen, 2);
	UT_STREQ(line, "y");
}

static void uart_unprintable_bytes_become_question_marks(void)
{
	reset();
	out(THR, 1, 'a');
	out(THR, 1, 0x1B);	/* ESC: could forge terminal sequences */
	out(THR, 1, '\t');
	out(THR, 1, 0x7F);
	out(THR, 1, 0xC3);
	out(THR, 1, 0x00);
	out(THR, 1, '\n');
	UT_STREQ(line, "a?\t???");
}

static void uart_flush_hands_out_the_partial_line_once(void)
{
	reset();
	vio_flush_uart(&io, &eff);
	UT_CHECK(eff.out_line == NULL);
	out_str(THR, "no newline");
	vio_flush_uart(&io, &eff);
	note_line();
	UT_EQ(lines_seen, 1);
	UT_STREQ(line, "no newline");
	vio_flush_uart(&io, &eff);
	UT_CHECK(eff.out_line == NULL);
}

static void uart_rbr_reads_zero_without_input(void)
{
	reset();
	UT_EQ(in(THR, 1), 0);
	UT_EQ(in(THR, 1), 0);
}

static void uart_lsr_reports_thre_temt_and_no_data(void)
{
	reset();
	UT_EQ(in(LSR, 1), 0x60);
	out_str(THR, "abc");
	UT_EQ(in(LSR, 1), 0x60);
	out(LSR, 1, 0xFF);	/* factory test write: ignored */
	UT_EQ(in(LSR, 1), 0x60);
}

static void uart_ier_keeps_four_bits(void)
{
	reset();
	UT_EQ(in(IER, 1), 0);
	out(IER, 1, 0xFF);
	UT_EQ(in(IER, 1), 0x0F);
	out(IER, 1, 0x05);
	UT_EQ(in(IER, 1), 0x05);
}

static void uart_dlab_maps_dll_dlm_over_thr_ier(void)
{
	reset();
	out(IER, 1, 0x03);
	out(LCR, 1, 0x83);
	UT_EQ(in(THR, 1), 0x01);	/* vio_init's divisor: 115200 baud */
	UT_EQ(in(IER, 1), 0x00);
	out(THR, 1, 0x0C);
	out(IER, 1, 0xAB);
	UT_EQ(in(THR, 1), 0x0C);
	UT_EQ(in(IER, 1), 0xAB);
	UT_EQ(lines_seen, 0);
	vio_flush_uart(&io, &eff);
	UT_CHECK(eff.out_line == NULL);	/* the DLL write printed nothing */
	out(LCR, 1, 0x03);
	UT_EQ(in(IER, 1), 0x03);
	UT_EQ(in(THR, 1), 0x00);
	out(LCR, 1, 0x83);
	UT_EQ(in(THR, 1), 0x0C);	/* the divisor survives DLAB off and on */
	UT_EQ(in(IER, 1), 0xAB);
}

static void uart_lcr_reads_back_all_bits(void)
{
	reset();
	UT_EQ(in(LCR, 1), 0x03);
	out(LCR, 1, 0x1F);
	UT_EQ(in(LCR, 1), 0x1F);
	out(LCR, 1, 0x7B);
	UT_EQ(in(LCR, 1), 0x7B);
}

static void uart_mcr_keeps_five_bits(void)
{
	reset();
	out(MCR, 1, 0xFF);
	UT_EQ(in(MCR, 1), 0x1F);
	out(MCR, 1, 0x0B);
	UT_EQ(in(MCR, 1), 0x0B);
}

static void uart_scratch_register_holds_any_byte(void)
{
	unsigned int v;

	reset();
	for (v = 0; v < 256; v += 51) {
		out(SCR, 1, v);
		UT_EQ(in(SCR, 1), v);
	}
}

static void uart_iir_no_interrupt_and_fifo_bits(void)
{
	reset();
	UT_EQ(in(IIR, 1), 0x01);
	out(FCR, 1, 0x07);	/* enable, clear both FIFOs */
	UT_EQ(in(IIR, 1), 0xC1);
	out(FCR, 1, 0x06);	/* bit 0 clear: FIFOs off */
	UT_EQ(in(IIR, 1), 0x01);
}

static void uart_iir_reports_thre_once_after_etbei(void)
{
	reset();
	out(IER, 1, 0x02);
	UT_EQ(in(IIR, 1), 0x02);
	UT_EQ(in(IIR, 1), 0x01);	/* reading IIR cleared it */
	out(THR, 1, 'a');
	UT_EQ(in(IIR, 1), 0x02);	/* THR emptied again */
	UT_EQ(in(IIR, 1), 0x01);
	out(IER, 1, 0x00);
	out(THR, 1, 'b');
	UT_EQ(in(IIR, 1), 0x01);	/* masked: never identified */
}

static void uart_msr_reports_dcd_dsr_cts(void)
{
	reset();
	UT_EQ(in(MSR, 1), 0xB0);
	out(MCR, 1, 0x03);
	UT_EQ(in(MSR, 1), 0xB0);
}

static void uart_loopback_msr_follows_mcr_outputs(void)
{
	reset();
	out(MCR, 1, 0x10);
	UT_EQ(in(MSR, 1), 0x00);
	out(MCR, 1, 0x1A);	/* LOOP | OUT2 | RTS: Linux's 8250 probe */
	UT_EQ(in(MSR, 1) & 0xF0, 0x90);
	out(MCR, 1, 0x15);	/* LOOP | OUT1 | DTR */
	UT_EQ(in(MSR, 1), 0x60);
	out(MCR, 1, 0x1F);
	UT_EQ(in(MSR, 1), 0xF0);
}

static void uart_loopback_thr_goes_to_rbr_not_console(void)
{
	reset();
	out(MCR, 1, 0x10);
	out(THR, 1, 'Z');
	UT_EQ(in(LSR, 1), 0x61);
	UT_EQ(in(THR, 1), 'Z');
	UT_EQ(in(LSR, 1), 0x60);
	UT_EQ(in(THR, 1), 0);
	out(THR, 1, '\n');
	UT_EQ(lines_seen, 0);
	vio_flush_uart(&io, &eff);
	UT_CHECK(eff.out_line == NULL);
}

static void uart_iir_reports_received_data_in_loopback(void)
{
	reset();
	out(MCR, 1, 0x10);
	out(IER, 1, 0x01);
	UT_EQ(in(IIR, 1), 0x01);
	out(THR, 1, 'r');
	UT_EQ(in(IIR, 1), 0x04);
	UT_EQ(in(IIR, 1), 0x04);	/* stays until RBR is read */
	UT_EQ(in(THR, 1), 'r');
	UT_EQ(in(IIR, 1), 0x01);
	out(THR, 1, 's');
	out(FCR, 1, 0x03);	/* enable + clear receiver */
	UT_EQ(in(LSR, 1), 0x60);
	UT_EQ(in(IIR, 1), 0xC1);
}

static void uart_wide_access_is_split_into_bytes(void)
{
	reset();
	out(LCR, 2, 0x0B03);	/* LCR = 0x03, MCR = 0x0B */
	UT_EQ(in(LCR, 1), 0x03);
	UT_EQ(in(MCR, 1), 0x0B);
	UT_EQ(in(LSR, 2), 0xB060);	/* LSR, MSR */
	UT_EQ(in(LCR, 4), 0xB0600B03U);	/* LCR MCR LSR MSR */
	UT_CHECK(!eff.unhandled);
	out(THR, 2, 0x0300 | 'Q');	/* THR = 'Q', IER = 3 */
	UT_EQ(in(IER, 1), 0x03);
	out(THR, 1, '\n');
	UT_STREQ(line, "Q");
}

static void uart_access_past_com1_is_partly_unhandled(void)
{
	reset();
	UT_EQ(in(SCR, 2), 0xFF00);	/* SCR 0, then port 0x400 */
	UT_CHECK(eff.unhandled);
}

/* ---- isa-debug-exit ------------------------------------------------- */

static void debug_exit_status_is_value_shl1_or1(void)
{
	static const struct { uint32_t value; unsigned int size; uint32_t status; } t[] = {
		{ 0x00, 1, 0x01 },
		{ 0x10, 1, 0x21 },
		{ 0x1234, 2, 0x2469 },
		{ 0x7FFFFFFFU, 4, 0xFFFFFFFFU },
		{ 0x80000001U, 4, 0x00000003U },	/* 32-bit wrap, as exit() gets it */
	};
	unsigned int i;

	for (i = 0; i < TV_ARRAY_SIZE(t); i++) {
		reset();
		out(VIO_DEBUG_EXIT_BASE, t[i].size, t[i].value);
		UT_CHECK(eff.exit_requested);
		UT_EQ(eff.exit_value, t[i].value);
		UT_EQ(eff.exit_status, t[i].status);
	}
}

static void debug_exit_value_is_masked_to_access_size(void)
{
	reset();
	out(VIO_DEBUG_EXIT_BASE, 1, 0xABCD01FFU);
	UT_EQ(eff.exit_value, 0xFF);
	UT_EQ(eff.exit_status, 0x1FF);
	out(VIO_DEBUG_EXIT_BASE, 2, 0xABCD0102U);
	UT_EQ(eff.exit_value, 0x0102);
	UT_EQ(eff.exit_status, 0x0205);
}

static void debug_exit_covers_iosize_four_ports(void)
{
	uint16_t p;

	for (p = VIO_DEBUG_EXIT_BASE; p < VIO_DEBUG_EXIT_BASE + 4U; p++) {
		reset();
		out(p, 1, 3);
		UT_CHECK(eff.exit_requested);
		UT_EQ(eff.exit_status, 7);
	}
	reset();
	out(VIO_DEBUG_EXIT_BASE + 4U, 1, 3);
	UT_CHECK(!eff.exit_requested);
	UT_CHECK(eff.unhandled);
}

static void debug_exit_read_returns_all_ones_and_no_exit(void)
{
	reset();
	UT_EQ(in(VIO_DEBUG_EXIT_BASE, 1), 0xFF);
	UT_CHECK(!eff.exit_requested);
	UT_CHECK(!eff.unhandled);
	UT_EQ(in(VIO_DEBUG_EXIT_BASE, 4), 0xFFFFFFFFU);
	UT_CHECK(!eff.exit_requested);
}

/* ---- PIC ------------------------------------------------------------ */

static void pic_imr_starts_all_masked(void)
{
	reset();
	UT_EQ(in(0x21, 1), 0xFF);
	UT_EQ(in(0xA1, 1), 0xFF);
	UT_CHECK(!eff.unhandled);
}

static void pic_imr_round_trips_on_both_chips(void)
{
	reset();
	out(0x21, 1, 0xFB);
	out(0xA1, 1, 0x5A);
	UT_EQ(in(0x21, 1), 0xFB);
	UT_EQ(in(0xA1, 1), 0x5A);
	out(0x21, 1, 0x00);
	UT_EQ(in(0x21, 1), 0x00);
	UT_EQ(in(0xA1, 1), 0x5A);
}

static void pic_icw_sequence_then_ocw1_masks(void)
{
	reset();
	/* The classic remap: ICW1 edge+cascade+IC4, vectors 0x20/0x28, 8086 mode. */
	out(0x20, 1, 0x11);
	out(0xA0, 1, 0x11);
	UT_EQ(in(0x21, 1), 0x00);	/* ICW1 cleared the IMR */
	UT_EQ(in(0xA1, 1), 0x00);
	out(0x21, 1, 0x20);
	out(0xA1, 1, 0x28);
	out(0x21, 1, 0x04);
	out(0xA1, 1, 0x02);
	out(0x21, 1, 0x01);
	out(0xA1, 1, 0x01);
	UT_EQ(in(0x21, 1), 0x00);	/* the ICWs did not land in the IMR */
	UT_EQ(io.pic.chip[0].icw2, 0x20);
	UT_EQ(io.pic.chip[1].icw2, 0x28);
	UT_EQ(io.pic.chip[0].icw3, 0x04);
	UT_EQ(io.pic.chip[1].icw4, 0x01);
	out(0x21, 1, 0xFF);
	out(0xA1, 1, 0xFF);
	UT_EQ(in(0x21, 1), 0xFF);
	UT_EQ(in(0xA1, 1), 0xFF);
}

static void pic_single_mode_without_icw4_takes_only_icw2(void)
{
	reset();
	out(0x20, 1, 0x12);	/* SNGL, no IC4 */
	out(0x21, 1, 0x40);	/* ICW2 */
	out(0x21, 1, 0xF0);	/* already OCW1 */
	UT_EQ(in(0x21, 1), 0xF0);
	UT_EQ(io.pic.chip[0].icw2, 0x40);
	UT_EQ(io.pic.chip[0].icw4, 0x00);
}

static void pic_ocw3_irr_isr_and_poll_read_zero(void)
{
	reset();
	out(0x20, 1, 0x0A);	/* OCW3: read IRR */
	UT_EQ(in(0x20, 1), 0x00);
	out(0x20, 1, 0x0B);	/* read ISR */
	UT_EQ(io.pic.chip[0].read_isr, true);
	UT_EQ(in(0x20, 1), 0x00);
	out(0xA0, 1, 0x0C);	/* poll */
	UT_EQ(in(0xA0, 1), 0x00);	/* bit 7 clear: no interrupt */
	UT_EQ(io.pic.chip[1].poll, false);
	out(0x20, 1, 0x20);	/* OCW2 non-specific EOI: accepted */
	UT_EQ(in(0x21, 1), 0xFF);
	UT_CHECK(!eff.unhandled);
}

/* ---- fw_cfg --------------------------------------------------------- */

static void fwcfg_select(uint16_t key)
{
	out(VIO_FWCFG_SELECTOR, 2, key);
}

static uint64_t fwcfg_read_le(unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)in(VIO_FWCFG_DATA, 1) << (i * 8U);
	return v;
}

static void fwcfg_signature_reads_qemu(void)
{
	char sig[5];
	unsigned int i;

	reset();
	fwcfg_select(0x0000);
	for (i = 0; i < 4; i++)
		sig[i] = (char)in(VIO_FWCFG_DATA, 1);
	sig[4] = '\0';
	UT_STREQ(sig, "QEMU");
	UT_CHECK(!eff.unhandled);
}

static void fwcfg_id_says_traditional_interface_only(void)
{
	reset();
	fwcfg_select(0x0001);
	UT_EQ(fwcfg_read_le(4), 1);
}

static void fwcfg_nb_cpus_is_16bit_little_endian(void)
{
	reset();
	fwcfg_select(0x0005);
	UT_EQ(fwcfg_read_le(2), 2);
	UT_EQ(fwcfg_read_le(2), 0);	/* past the end */
	vio_init(&io, RAM_64M, 0x1234);
	fwcfg_select(0x0005);
	UT_EQ(in(VIO_FWCFG_DATA, 1), 0x34);
	UT_EQ(in(VIO_FWCFG_DATA, 1), 0x12);
	fwcfg_select(0x000F);	/* MAX_CPUS: the same count */
	UT_EQ(fwcfg_read_le(2), 0x1234);
	vio_init(&io, RAM_64M, 0);
	fwcfg_select(0x0005);
	UT_EQ(fwcfg_read_le(2), 1);
}

static void fwcfg_ram_size_is_64bit_little_endian(void)
{
	reset();
	fwcfg_select(0x0003);
	UT_EQ(fwcfg_read_le(8), RAM_64M);
	vio_init(&io, 0x0000000123456789ULL, 1);
	fwcfg_select(0x0003);
	UT_EQ(fwcfg_read_le(8), 0x0000000123456789ULL);
}

static void fwcfg_file_dir_is_empty(void)
{
	reset();
	fwcfg_select(0x0019);
	UT_EQ(fwcfg_read_le(4), 0);
}

static void fwcfg_unknown_key_reads_zero(void)
{
	reset();
	fwcfg_select(0x0002);	/* UUID: not provided */
	UT_EQ(fwcfg_read_le(8), 0);
	fwcfg_select(0x8003);	/* arch-local key space */
	UT_EQ(fwcfg_read_le(8), 0);
	fwcfg_select(0x4005);	/* write channel: reads the same item */
	UT_EQ(fwcfg_read_le(2), 2);
	UT_CHECK(!eff.unhandled);
}

static void fwcfg_select_resets_offset_and_byte_write_is_ignored(void)
{
	reset();
	fwcfg_select(0x0000);
	UT_EQ(in(VIO_FWCFG_DATA, 1), 'Q');
	UT_EQ(in(VIO_FWCFG_DATA, 1), 'E');
	fwcfg_select(0x0000);
	UT_EQ(in(VIO_FWCFG_DATA, 1), 'Q');
	out(VIO_FWCFG_DATA, 1, 0x05);	/* a data write, not a select */
	out(VIO_FWCFG_SELECTOR, 1, 0x05);
	UT_EQ(in(VIO_FWCFG_SELECTOR, 1), 'E');	/* 0x510 reads data too */
	UT_EQ(in(VIO_FWCFG_DATA, 1), 'M');
}

/* ---- PCI, POST, PIT, unknown ports ---------------------------------- */

static void pci_config_address_reads_back_masked(void)
{
	reset();
	UT_EQ(in(VIO_PCI_CONFIG_ADDRESS, 4), 0);
	out(VIO_PCI_CONFIG_ADDRESS, 4, 0x80000000U);
	UT_EQ(in(VIO_PCI_CONFIG_ADDRESS, 4), 0x80000000U);
	out(VIO_PCI_CONFIG_ADDRESS, 4, 0xFFFFFFFFU);
	UT_EQ(in(VIO_PCI_CONFIG_ADDRESS, 4), 0x80FFFFFCU);
	UT_CHECK(!eff.unhandled);
}

static void pci_config_data_reads_all_ones_for_no_device(void)
{
	reset();
	out(VIO_PCI_CONFIG_ADDRESS, 4, 0x80000000U);	/* bus 0, dev 0, vendor ID */
	UT_EQ(in(VIO_PCI_CONFIG_DATA, 4), 0xFFFFFFFFU);
	UT_EQ(in(VIO_PCI_CONFIG_DATA + 2U, 2), 0xFFFF);
	UT_EQ(in(VIO_PCI_CONFIG_DATA + 3U, 1), 0xFF);
	out(VIO_PCI_CONFIG_DATA, 4, 0x12345678U);
	UT_EQ(in(VIO_PCI_CONFIG_DATA, 4), 0xFFFFFFFFU);
	UT_CHECK(!eff.unhandled);
}

static void pci_narrow_config_address_access_is_unhandled(void)
{
	reset();
	out(VIO_PCI_CONFIG_ADDRESS, 4, 0x80000000U);
	out(VIO_PCI_CONFIG_ADDRESS + 1U, 1, 0x06);	/* PIIX reset control: not modelled */
	UT_CHECK(eff.unhandled);
	UT_EQ(in(VIO_PCI_CONFIG_ADDRESS, 4), 0x80000000U);
	UT_EQ(in(VIO_PCI_CONFIG_ADDRESS, 2), 0xFFFF);
	UT_CHECK(eff.unhandled);
}

static void post_code_port_is_silent(void)
{
	reset();
	out(0x80, 1, 0x55);
	UT_CHECK(!eff.unhandled);
	UT_EQ(in(0x80, 1), 0xFF);
	UT_CHECK(!eff.unhandled);
	out(0xED, 1, 0);
	UT_CHECK(!eff.unhandled);
}

static void unknown_port_reads_all_ones_per_size(void)
{
	reset();
	UT_EQ(in(0x1234, 1), 0xFF);
	UT_CHECK(eff.unhandled);
	UT_EQ(eff.port, 0x1234);
	UT_EQ(eff.size, 1);
	UT_EQ(in(0x1234, 2), 0xFFFF);
	UT_CHECK(eff.unhandled);
	UT_EQ(eff.size, 2);
	UT_EQ(in(0x1234, 4), 0xFFFFFFFFU);
	UT_CHECK(eff.unhandled);
	UT_EQ(eff.size, 4);
	UT_EQ(eff.value, 0xFFFFFFFFU);
	UT_CHECK(!eff.is_write);
}

static void unknown_port_write_is_dropped_and_flagged(void)
{
	reset();
	out(0x1234, 4, 0xCAFEF00DU);
	UT_CHECK(eff.unhandled);
	UT_CHECK(eff.is_write);
	UT_EQ(eff.value, 0xCAFEF00DU);
	UT_CHECK(!eff.exit_requested && !eff.shutdown_requested && !eff.out_line);
	UT_EQ(in(0x1234, 4), 0xFFFFFFFFU);
	out(0x1234, 2, 0xFFFFBEEFU);
	UT_EQ(eff.value, 0xBEEF);	/* reported masked to the access size */
}

/* Port 0x92: A20 reads back (it is always on in a VM), bit 0's 0->1 edge asks for a reset. */
static void port92_a20_reads_back(void)
{
	reset();
	UT_EQ(in(0x92, 1), 0x02);	/* firmware leaves A20 on */
	UT_CHECK(!eff.unhandled);
	out(0x92, 1, 0x00);
	UT_CHECK(!eff.reset_requested && !eff.unhandled);
	UT_EQ(in(0x92, 1), 0x00);
	out(0x92, 1, 0xFE);		/* bits 7:2 are not kept; reset bit 0 stays 0 */
	UT_CHECK(!eff.reset_requested);
	UT_EQ(in(0x92, 1), 0x02);
}

static void port92_reset_bit_rising_edge_requests_reset(void)
{
	reset();
	out(0x92, 1, 0x03);
	UT_CHECK(eff.reset_requested);
	UT_CHECK(!eff.shutdown_requested && !eff.exit_requested && !eff.unhandled);
	UT_EQ(in(0x92, 1), 0x02);	/* bit 0 reads 0 */
	out(0x92, 1, 0x03);		/* still 1: no new edge */
	UT_CHECK(!eff.reset_requested);
	out(0x92, 1, 0x02);
	UT_CHECK(!eff.reset_requested);
	out(0x92, 1, 0x01);		/* 0 -> 1 again */
	UT_CHECK(eff.reset_requested);
}

/* A 16-bit write at 0x91 reaches 0x92 with its high byte (the ISA split). */
static void port92_reached_by_a_split_access(void)
{
	reset();
	out(0x91, 2, 0x0100);
	UT_CHECK(eff.reset_requested);
	UT_CHECK(eff.unhandled);	/* 0x91 itself is nobody's */
}

/* 0x70 selects, 0x71 reads: the CMOS clock answers through vio. */
static void cmos_ports_reach_the_rtc(void)
{
	reset();
	vio_start_rtc(&io, 946684800ULL + 59U, 0, 1000U);	/* 2000-01-01 00:00:59, 1 kHz */
	UT_EQ(in(0x70, 1), 0xFF);	/* the index port is write-only */
	UT_CHECK(!eff.unhandled);
	out(0x70, 1, 0x00);
	UT_EQ(in(0x71, 1), 0x59);
	UT_CHECK(!eff.unhandled);
	now_tick = 1000;		/* one second later: 00:01:00 */
	UT_EQ(in(0x71, 1), 0x00);
	out(0x70, 1, 0x02);
	UT_EQ(in(0x71, 1), 0x01);
	out(0x70, 1, 0x8D);		/* register D with NMI disabled */
	UT_EQ(in(0x71, 1), 0x80);
	UT_CHECK(rtc_is_nmi_disabled(&io.rtc));
	out(0x70, 1, 0x40);
	out(0x71, 1, 0x5A);
	UT_EQ(in(0x71, 1), 0x5A);
	UT_CHECK(!rtc_is_nmi_disabled(&io.rtc));
}

/* Until vio_start_rtc the clock stands still. */
static void cmos_clock_stopped_before_start(void)
{
	reset();
	out(0x70, 1, 0x00);
	UT_EQ(in(0x71, 1), 0x00);
	now_tick = 1ULL << 40;
	UT_EQ(in(0x71, 1), 0x00);
}

static void pit_and_speaker_ports_are_unhandled(void)
{
	static const uint16_t ports[] = { 0x40, 0x41, 0x42, 0x43, 0x61 };
	unsigned int i;

	for (i = 0; i < TV_ARRAY_SIZE(ports); i++) {
		reset();
		UT_EQ(in(ports[i], 1), 0xFF);
		UT_CHECK(eff.unhandled);
		out(ports[i], 1, 0x34);
		UT_CHECK(eff.unhandled);
	}
}

static void bad_access_size_is_refused(void)
{
	uint32_t v = 0x11223344U;

	reset();
	UT_EQ(vio_access_port(&io, THR, 3, true, &v, 0, &eff), -TV_EINVAL);
	UT_EQ(vio_access_port(&io, THR, 0, false, &v, 0, &eff), -TV_EINVAL);
	UT_EQ(vio_access_port(&io, THR, 8, false, &v, 0, &eff), -TV_EINVAL);
	UT_EQ(v, 0x11223344U);
	vio_flush_uart(&io, &eff);
	UT_CHECK(eff.out_line == NULL);
}

static void effect_is_cleared_on_every_call(void)
{
	reset();
	out(VIO_DEBUG_EXIT_BASE, 1, 1);
	UT_CHECK(eff.exit_requested);
	(void)in(0x1234, 1);
	UT_CHECK(!eff.exit_requested);
	UT_CHECK(eff.unhandled);
	(void)in(LSR, 1);
	UT_CHECK(!eff.unhandled);
	UT_EQ(eff.port, LSR);
	UT_EQ(eff.value, 0x60);
}

/* ---- shutdown ports ------------------------------------------------- */

static void bochs_shutdown_string_requests_shutdown(void)
{
	reset();
	out_str(VIO_BOCHS_SHUTDOWN, "Shutdow");
	UT_CHECK(!eff.shutdown_requested);
	out(VIO_BOCHS_SHUTDOWN, 1, 'n');
	UT_CHECK(eff.shutdown_requested);
	UT_CHECK(!eff.unhandled);
	UT_EQ(in(VIO_BOCHS_SHUTDOWN, 1), 0xFF);
}

static void bochs_partial_string_does_nothing(void)
{
	reset();
	out_str(VIO_BOCHS_SHUTDOWN, "Shut");
	UT_CHECK(!eff.shutdown_requested);
	out_str(VIO_BOCHS_SHUTDOWN, "xdown");
	UT_CHECK(!eff.shutdown_requested);
	out_str(VIO_BOCHS_SHUTDOWN, "shutdown");	/* case matters */
	UT_CHECK(!eff.shutdown_requested);
}

static void bochs_garbled_string_starts_over(void)
{
	reset();
	out_str(VIO_BOCHS_SHUTDOWN, "ShutSdown");	/* Bochs itself would accept this */
	UT_CHECK(!eff.shutdown_requested);
	out_str(VIO_BOCHS_SHUTDOWN, "SShutdown");	/* the second 'S' restarts the word */
	UT_CHECK(eff.shutdown_requested);
	out_str(VIO_BOCHS_SHUTDOWN, "Shut");
	out_str(VIO_BOCHS_SHUTDOWN, "Shutdown");	/* after a shutdown the count began anew */
	UT_CHECK(eff.shutdown_requested);
}

static void acpi_slp_en_write_requests_shutdown(void)
{
	reset();
	out(0x604, 2, 0x2000);
	UT_CHECK(eff.shutdown_requested);
	out(0xB004, 2, 0x3C00);
	UT_CHECK(eff.shutdown_requested);
	out(0x604, 2, 0x0001);	/* SCI_EN only */
	UT_CHECK(!eff.shutdown_requested);
	UT_CHECK(!eff.unhandled);
	(void)in(0x604, 2);
	UT_CHECK(eff.unhandled);
}

static const struct ut_case cases[] = {
	UT_CASE(uart_thr_bytes_form_a_line_at_newline),
	UT_CASE(uart_carriage_return_is_dropped),
	UT_CASE(uart_empty_line_is_forwarded),
	UT_CASE(uart_long_line_is_split_at_line_max),
	UT_CASE(uart_unprintable_bytes_become_question_marks),
	UT_CASE(uart_flush_hands_out_the_partial_line_once),
	UT_CASE(uart_rbr_reads_zero_without_input),
	UT_CASE(uart_lsr_reports_thre_temt_and_no_data),
	UT_CASE(uart_ier_keeps_four_bits),
	UT_CASE(uart_dlab_maps_dll_dlm_over_thr_ier),
	UT_CASE(uart_lcr_reads_back_all_bits),
	UT_CASE(uart_mcr_keeps_five_bits),
	UT_CASE(uart_scratch_register_holds_any_byte),
	UT_CASE(uart_iir_no_interrupt_and_fifo_bits),
	UT_CASE(uart_iir_reports_thre_once_after_etbei),
	UT_CASE(uart_msr_reports_dcd_dsr_cts),
	UT_CASE(uart_loopback_msr_follows_mcr_outputs),
	UT_CASE(uart_loopback_thr_goes_to_rbr_not_console),
	UT_CASE(uart_iir_reports_received_data_in_loopback),
	UT_CASE(uart_wide_access_is_split_into_bytes),
	UT_CASE(uart_access_past_com1_is_partly_unhandled),
	UT_CASE(debug_exit_status_is_value_shl1_or1),
	UT_CASE(debug_exit_value_is_masked_to_access_size),
	UT_CASE(debug_exit_covers_iosize_four_ports),
	UT_CASE(debug_exit_read_returns_all_ones_and_no_exit),
	UT_CASE(pic_imr_starts_all_masked),
	UT_CASE(pic_imr_round_trips_on_both_chips),
	UT_CASE(pic_icw_sequence_then_ocw1_masks),
	UT_CASE(pic_single_mode_without_icw4_takes_only_icw2),
	UT_CASE(pic_ocw3_irr_isr_and_poll_read_zero),
	UT_CASE(fwcfg_signature_reads_qemu),
	UT_CASE(fwcfg_id_says_traditional_interface_only),
	UT_CASE(fwcfg_nb_cpus_is_16bit_little_endian),
	UT_CASE(fwcfg_ram_size_is_64bit_little_endian),
	UT_CASE(fwcfg_file_dir_is_empty),
	UT_CASE(fwcfg_unknown_key_reads_zero),
	UT_CASE(fwcfg_select_resets_offset_and_byte_write_is_ignored),
	UT_CASE(pci_config_address_reads_back_masked),
	UT_CASE(pci_config_data_reads_all_ones_for_no_device),
	UT_CASE(pci_narrow_config_address_access_is_unhandled),
	UT_CASE(post_code_port_is_silent),
	UT_CASE(unknown_port_reads_all_ones_per_size),
	UT_CASE(unknown_port_write_is_dropped_and_flagged),
	UT_CASE(pit_and_speaker_ports_are_unhandled),
	UT_CASE(bad_access_size_is_refused),
	UT_CASE(effect_is_cleared_on_every_call),
	UT_CASE(bochs_shutdown_string_requests_shutdown),
	UT_CASE(bochs_partial_string_does_nothing),
	UT_CASE(bochs_garbled_string_starts_over),
	UT_CASE(acpi_slp_en_write_requests_shutdown),
	UT_CASE(port92_a20_reads_back),
	UT_CASE(port92_reset_bit_rising_edge_requests_reset),
	UT_CASE(port92_reached_by_a_split_access),
	UT_CASE(cmos_ports_reach_the_rtc),
	UT_CASE(cmos_clock_stopped_before_start),
};

UT_MAIN("vio", cases)
