/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The guest's port-I/O devices, as pure C.  The VM-exit handler decodes an
 * I/O instruction (port, size, direction, value), calls vio_access_port(),
 * puts the value read into the guest's AL/AX/EAX and applies struct
 * vio_effect.  No hardware access, no clock, no globals, no allocation: the
 * host tests run it unchanged.  One struct vio_state per VM.
 *
 * Port map and behaviour (every choice below is tested in test_vio.c):
 *
 *   0x3F8-0x3FF  16550A UART (COM1).  THR bytes are collected into lines:
 *                '\n' ends a line, '\r' is dropped, tab and 0x20-0x7E are
 *                kept and every other byte becomes '?'; a line longer than
 *                VIO_LINE_MAX is forwarded in pieces.  Nothing is ever
 *                received: RBR reads 0, LSR reads 0x60 (THRE | TEMT).
 *                DLAB (LCR bit 7) maps 0x3F8/0x3F9 to DLL/DLM.  IER keeps 4
 *                bits, MCR 5, LCR and SCR 8.  IIR reads 0x01 (no interrupt
 *                pending), with bits 7:6 set while FCR enabled the FIFOs,
 *                and reports a pending THRE interrupt (0x02) once after IER
 *                enables it or THR is written, and received data (0x04)
 *                while a looped-back byte waits with IER bit 0 set, as a
 *                16550 does, although no interrupt is ever delivered.  MSR reads 0xB0 (DCD, DSR,
 *                CTS).  Loopback (MCR bit 4) is modelled: MSR bits 7:4
 *                follow MCR OUT2, OUT1, DTR, RTS, and a THR byte goes to RBR
 *                (LSR bit 0) instead of the console.  MSR delta bits and
 *                LSR error bits always read 0.
 *   0xF4-0xF7    isa-debug-exit (QEMU, iobase=0xf4, iosize=4): a write of
 *                any size requests the end of the VM with status
 *                (value << 1) | 1.  Reads return all-ones.
 *   0x20/0x21,   8259A PIC pair: ICW1-ICW4 initialisation, OCW1 (IMR,
 *   0xA0/0xA1    readable on 0x21/0xA1), OCW2 (accepted, nothing to end),
 *                OCW3 (IRR/ISR select and poll; IRR, ISR and the poll word
 *                read 0).  No interrupt is delivered.  IMR is 0xFF from
 *                vio_init() (everything masked, which is the truth) and 0
 *                after ICW1, as the 8259A data sheet specifies.
 *   0x510/0x511  QEMU fw_cfg, traditional interface only: a 16-bit write to
 *                0x510 selects an item, byte reads of 0x510 or 0x511 return
 *                its next byte, byte writes are ignored (QEMU >= 2.4).
 *                Items: 0x00 "QEMU", 0x01 feature bitmap 1 (traditional
 *                interface, no DMA), 0x03 RAM size (64-bit LE), 0x05 and
 *                0x0F CPU count (16-bit LE), 0x19 file directory with no
 *                files (big-endian count 0).  Everything else reads 0.
 *   0x8900       Bochs shutdown port: the bytes "Shutdown" in a row request
 *                a shutdown.  Reads return all-ones.
 *   0x604,       ACPI PM1a_CNT of QEMU (PIIX4/ICH9) and of Bochs: a 16- or
 *   0xB004       32-bit write with SLP_EN (bit 13) requests a shutdown;
 *                other writes are dropped; reads are unhandled.
 *   0xCF8        PCI CONFIG_ADDRESS, 32-bit accesses only: read/write, bits
 *                30:24 and 1:0 read 0.  Narrower accesses are unhandled.
 *   0xCFC-0xCFF  PCI CONFIG_DATA: no device anywhere, so reads return
 *                all-ones and writes are dropped.
 *   0x80, 0xED   POST code and I/O-delay ports: writes dropped, reads
 *                all-ones, silently.
 *   0x70/0x71    CMOS RTC and NVRAM (MC146818A): vmm/rtc.h says what is
 *                modelled.  The clock stands still until vio_start_rtc().
 *                No IRQ 8 is ever raised (no interrupt path exists); the
 *                flags in register C are set and read as on the chip.
 *   0x92         System Control Port A: bit 1 (A20) reads back as written,
 *                but A20 is always on in a VM (no wrap at 1 MiB); bit 0
 *                reads 0 and its 0->1 edge sets vio_effect.reset_requested;
 *                bits 7:2 read 0.
 *   every other  Unhandled: reads all-ones of the access size, writes
 *                dropped, vio_effect.unhandled set for the caller to log
 *                rate-limited.  This includes the PIT (0x40-0x43) and port
 *                0x61: a guest that calibrates against them sees a counter
 *                that never moves and says so, rather than a half-model
 *                that lies about time.
 *
 * Access sizes: the UART, the PICs, the Bochs port and unknown ports are
 * byte-wide, so a 2- or 4-byte access is split into byte accesses to
 * port, port + 1, ... (little-endian), as an ISA bus splits it; each byte
 * goes to whatever answers at its own port.  The debug-exit, fw_cfg
 * selector, PCI, PM and POST ports take the access whole.
 */
#ifndef TV_VMM_VIO_H
#define TV_VMM_VIO_H

#include <tv/types.h>

#include "rtc.h"

/* Longest guest serial line forwarded in one piece, without the prefix. */
#define VIO_LINE_MAX		256U

#define VIO_UART_BASE		0x3F8U
#define VIO_DEBUG_EXIT_BASE	0xF4U
#define VIO_PIC_MASTER		0x20U
#define VIO_PIC_SLAVE		0xA0U
#define VIO_FWCFG_SELECTOR	0x510U
#define VIO_FWCFG_DATA		0x511U
#define VIO_BOCHS_SHUTDOWN	0x8900U
#define VIO_PCI_CONFIG_ADDRESS	0xCF8U
#define VIO_PCI_CONFIG_DATA	0xCFCU
#define VIO_PORT92		0x92U

struct vuart {
	uint8_t ier;
	uint8_t lcr;
	uint8_t mcr;
	uint8_t scr;
	uint8_t dll;
	uint8_t dlm;
	uint8_t fcr;		/* FIFO enable, DMA mode, trigger level as written */
	uint8_t rbr;		/* the byte looped back in loopback mode */
	bool has_rx;		/* rbr holds an unread byte (LSR.DR) */
	bool thre_pending;	/* THRE interrupt identified by IIR until read */
	size_t line_len;
	char line[VIO_LINE_MAX];	/* the line being assembled */
	char out[VIO_LINE_MAX];		/* the last line handed out in an effect */
};

struct vpic_chip {
	uint8_t imr;
	uint8_t icw_next;	/* the ICW expected on the odd port (2-4), 0 = none */
	bool needs_icw4;	/* ICW1.IC4 */
	bool is_single;		/* ICW1.SNGL: no ICW3 */
	bool read_isr;		/* OCW3 RR/RIS: the even port reads ISR, not IRR */
	bool poll;		/* OCW3 P: the next even-port read is the poll word */
	uint8_t icw2;		/* vector base (bits 7:3) */
	uint8_t icw3;
	uint8_t icw4;
};

struct vpic {
	struct vpic_chip chip[2];	/* master at 0x20, slave at 0xA0 */
};

struct vfwcfg {
	uint16_t selector;
	uint32_t offset;	/* next byte of the selected item */
};

struct vio_state {
	struct vuart uart;
	struct vpic pic;
	struct vfwcfg fwcfg;
	uint32_t pci_address;	/* CONFIG_ADDRESS as it reads back */
	unsigned int bochs_matched;	/* bytes of "Shutdown" seen in a row */
	uint64_t ram_bytes;	/* fw_cfg RAM_SIZE */
	uint16_t nr_cpus;	/* fw_cfg NB_CPUS */
	struct vrtc rtc;	/* CMOS clock and NVRAM, ports 0x70/0x71 */
	uint8_t port92;		/* bits 1:0 of System Control Port A as written */
};

struct vio_effect {
	/* The access, for the caller's log lines. */
	uint16_t port;
	uint8_t size;
	bool is_write;
	uint32_t value;		/* written, or returned by a read */

	/* isa-debug-exit: stop this VM with exit_status. */
	bool exit_requested;
	uint32_t exit_value;	/* the value written, masked to the access size */
	uint32_t exit_status;	/* (exit_value << 1) | 1 in 32 bits, as QEMU's exit() gets */

	/* Bochs "Shutdown" or ACPI SLP_EN: stop this VM as a power-off. */
	bool shutdown_requested;

	/*
	 * Port 0x92 bit 0 went from 0 to 1: the guest reset the machine.
	 * tickvisor cannot restart a guest from its entry point, so the caller
	 * ends the VM with the reason "the guest reset itself through port
	 * 0x92" (a distinct end, not a power-off and not a failure).
	 */
	bool reset_requested;

	/*
	 * A complete guest serial line, without '\n' and already sanitized;
	 * NULL when none.  The caller prefixes "G<index>: ".  It points into
	 * the vio_state and stays valid until the next call for that VM.
	 * out_len may be 0 (the guest printed an empty line).
	 */
	const char *out_line;
	size_t out_len;

	/* Some byte of the access hit a port nobody models (see the port map). */
	bool unhandled;
};

/*
 * @brief Reset every device of one VM.
 * @param ram_bytes guest RAM size, reported by fw_cfg.
 * @param nr_cpus number of vCPUs, reported by fw_cfg; 0 counts as 1 and
 *        values above 0xFFFF are clamped (the item is 16 bits wide).
 */
void vio_init(struct vio_state *io, uint64_t ram_bytes, unsigned int nr_cpus);

/*
 * @brief Emulate one IN or OUT.
 * @param size 1, 2 or 4 bytes.
 * @param val for a write, the value (bits above size ignored); for a read,
 *        receives the value, zero-extended from size bytes.
 * @param now the VM's time in ticks of the rate given to vio_start_rtc()
 *        (vmm/ passes the host TSC at the exit: guest time without the
 *        guest's own TSC writes); only the RTC uses it.
 * @param eff cleared, then filled with what the caller must do.
 * @pre io, val and eff are not NULL.  String I/O (INS/OUTS, REP) is one
 *      call per element.
 * @retval 0 done.
 * @retval -TV_EINVAL size is not 1, 2 or 4 (nothing done; *val untouched).
 */
int vio_access_port(struct vio_state *io, uint16_t port, unsigned int size, bool is_write,
		    uint32_t *val, uint64_t now, struct vio_effect *eff);

/*
 * @brief Start the CMOS clock (vio_init() leaves it stopped at 1970).
 * @param unix_seconds the time at `now`, in seconds since 1970-01-01 UTC
 *        (or local time, as the host's CMOS keeps it).
 * @param tsc_hz rate of the `now` ticks given to vio_access_port().
 */
void vio_start_rtc(struct vio_state *io, uint64_t unix_seconds, uint64_t now, uint64_t tsc_hz);

/*
 * @brief Hand out the unfinished serial line, if any (at the end of a VM,
 *        so that output without a final '\n' is not lost).
 * @param eff cleared; out_line set when there was a partial line.
 */
void vio_flush_uart(struct vio_state *io, struct vio_effect *eff);

#endif /* TV_VMM_VIO_H */
