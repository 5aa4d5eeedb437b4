/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "pcpu.h"

/* The one mutable array of per-CPU state (STYLE.md: state is owned). */
static struct pcpu pcpu_array[PCPU_MAX];

struct pcpu *pcpu_this(void)
{
	return &pcpu_array[0];
}
