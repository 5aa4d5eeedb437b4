/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The host's COM1: a 16550 driven by port I/O, usable before and after
 * ExitBootServices (firmware console drivers are not used at all).
 */
#ifndef TV_HW_SERIAL_H
#define TV_HW_SERIAL_H

#include <tv/types.h>

#define SERIAL_COM1	0x3f8U

/* @brief Program the UART for 115200 8N1, FIFOs on, interrupts off. */
void serial_init(uint16_t base);
/* @brief Whether a UART answered at the base given to serial_init(). */
bool serial_is_present(void);
/* @brief Write bytes, waiting for LSR.THRE before each (synchronous). */
void serial_write(const char *s, size_t len);
/*
 * @brief How many bytes the transmitter takes right now without waiting:
 * the FIFO depth (16 on a 16550A, 1 without FIFOs) when LSR.THRE is set,
 * else 0.  One LSR read, no wait.
 */
unsigned int serial_tx_room(void);
/* @brief Write bytes with no wait: only as many as serial_tx_room() said. */
void serial_put_bytes(const char *s, size_t len);
/*
 * @brief Spin until LSR.THRE (bounded, so a wedged UART cannot hang us).
 * @return false if it never came (or there is no UART).
 */
bool serial_wait_tx_room(void);
/* @brief Wait until the transmitter is empty (LSR.TEMT), so nothing is lost at power-off. */
void serial_drain(void);

#endif /* TV_HW_SERIAL_H */
