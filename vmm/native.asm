; SPDX-License-Identifier: MIT
; Copyright (c) 2026 The tickvisor developers
;
; mode=native: leave long mode and enter a Multiboot kernel the way a
; bootloader would, on the bare (or emulated) machine, without VMX.
; SDM Vol. 3A, "Leaving IA-32e Mode": switch to compatibility mode, clear
; CR0.PG (which clears EFER.LMA), then clear EFER.LME.  This code and its
; stack must sit below 4 GiB and be identity mapped (vmm/native.c checks).

default rel
section .text

%define SEL_CODE32	0x28
%define SEL_DATA	0x10
%define MSR_EFER	0xc0000080
%define MULTIBOOT_MAGIC	0x2badb002

; void native_enter(uint32_t entry, uint32_t info)  -- never returns
bits 64
global native_enter
native_enter:
	cli
	mov rax, cr4
	and rax, ~(1 << 17)		; PCIDE must be 0 before CR0.PG is cleared
	mov cr4, rax
	lea rax, [.compat]
	push SEL_CODE32
	push rax
	retfq
bits 32
.compat:
	mov eax, cr0
	and eax, 0x7fffffff		; paging off: EFER.LMA drops to 0
	mov cr0, eax
	mov ecx, MSR_EFER
	rdmsr
	and eax, ~(1 << 8)		; LME
	wrmsr
	xor eax, eax
	mov cr4, eax
	mov cr3, eax
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	; Multiboot 0.6.96, "Machine state": EAX magic, EBX info, EFLAGS.IF = 0.
	mov eax, MULTIBOOT_MAGIC
	mov ebx, esi
	push 0x2
	popfd
	jmp edi

section .note.GNU-stack noalloc noexec nowrite progbits
