; SPDX-License-Identifier: MIT
; Copyright (c) 2026 The tickvisor developers
;
; Interrupt and exception entry stubs for the VMM's own IDT, the stack
; switch into vmm_main, segment reload after LGDT, and MSR accessors that
; survive a #GP.  Every stub builds the same struct exc_frame (vmm/cpu.h):
; GPRs, vector, error code (0 where the CPU pushes none), then the CPU's
; interrupt frame.

default rel
bits 64
section .text

extern exc_dispatch

; SDM Vol. 3A, "Error Code": the CPU pushes one for #DF, #TS, #NP, #SS, #GP,
; #PF, #AC, #CP, #VC and #SX (8, 10-14, 17, 21, 29, 30).
%macro ISR 1
isr_%1:
%if (%1 == 8) || (%1 >= 10 && %1 <= 14) || (%1 == 17) || (%1 == 21) || (%1 == 29) || (%1 == 30)
%else
	push 0
%endif
	push %1
	jmp isr_common
%endmacro

%assign v 0
%rep 256
ISR v
%assign v v+1
%endrep

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	; Align the stack for the C ABI whatever the CPU pushed.
	mov rbx, rsp
	and rsp, -16
	call exc_dispatch
	mov rsp, rbx
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16		; vector and error code
	iretq

; void cpu_reload_segments(uint16_t code_sel, uint16_t data_sel)
global cpu_reload_segments
cpu_reload_segments:
	push rdi
	lea rax, [.reloaded]
	push rax
	retfq
.reloaded:
	mov ds, si
	mov es, si
	mov ss, si
	xor eax, eax
	mov fs, ax
	mov gs, ax
	ret

; void vmm_call_on_stack(uint64_t stack_top, void (*fn)(void *), void *arg)
global vmm_call_on_stack
vmm_call_on_stack:
	mov rsp, rdi
	xor ebp, ebp
	mov rdi, rdx
	push rbp		; a zero return address ends stack traces here
	jmp rsi

; int cpu_rdmsr_safe(uint32_t msr, uint64_t *val): 0, or the vector raised
global cpu_rdmsr_safe
cpu_rdmsr_safe:
	mov ecx, edi
.insn:
	rdmsr
	shl rdx, 32
	mov eax, eax
	or rax, rdx
	mov [rsi], rax
	xor eax, eax
.fixup:
	ret

; int cpu_wrmsr_safe(uint32_t msr, uint64_t val): 0, or the vector raised
global cpu_wrmsr_safe
cpu_wrmsr_safe:
	mov ecx, edi
	mov eax, esi
	mov rdx, rsi
	shr rdx, 32
.insn:
	wrmsr
	xor eax, eax
.fixup:
	ret

section .data
align 8
; (faulting RIP, resume RIP) pairs; exc_dispatch resumes with RAX = vector.
global exc_fixup_table
exc_fixup_table:
	dq cpu_rdmsr_safe.insn, cpu_rdmsr_safe.fixup
	dq cpu_wrmsr_safe.insn, cpu_wrmsr_safe.fixup
	dq 0, 0

align 8
global isr_stub_table
isr_stub_table:
%assign v 0
%rep 256
	dq isr_ %+ v
%assign v v+1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
