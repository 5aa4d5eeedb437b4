; SPDX-License-Identifier: MIT
; Copyright (c) 2026 The tickvisor developers
;
; VM entry and exit.  The guest's GPRs and CR2 live in struct vm_guest_regs
; (vmm/vm.h): rax rbx rcx rdx rsi rdi rbp r8-r15 cr2 at 8-byte steps.
; The host's callee-saved registers are kept on the stack across the guest's
; run; HOST_RSP is written on every entry so the exit lands on this frame.

default rel
bits 64
section .text

%define VMCS_HOST_RSP	0x6c14
%define R_RAX	0
%define R_RBX	8
%define R_RCX	16
%define R_RDX	24
%define R_RSI	32
%define R_RDI	40
%define R_RBP	48
%define R_R8	56
%define R_R9	64
%define R_R10	72
%define R_R11	80
%define R_R12	88
%define R_R13	96
%define R_R14	104
%define R_R15	112
%define R_CR2	120

; int vmx_enter_guest(struct vm_guest_regs *regs, uint64_t launched)
; returns 0 after a VM exit, 1 on VMfailInvalid, 2 on VMfailValid.
global vmx_enter_guest
vmx_enter_guest:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi			; regs, found at [rsp] on exit
	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp
	jbe .fail_early
	mov rax, [rdi + R_CR2]
	mov cr2, rax
	test rsi, rsi			; flags survive the MOVs below
	mov rax, [rdi + R_RAX]
	mov rbx, [rdi + R_RBX]
	mov rcx, [rdi + R_RCX]
	mov rdx, [rdi + R_RDX]
	mov rsi, [rdi + R_RSI]
	mov rbp, [rdi + R_RBP]
	mov r8, [rdi + R_R8]
	mov r9, [rdi + R_R9]
	mov r10, [rdi + R_R10]
	mov r11, [rdi + R_R11]
	mov r12, [rdi + R_R12]
	mov r13, [rdi + R_R13]
	mov r14, [rdi + R_R14]
	mov r15, [rdi + R_R15]
	mov rdi, [rdi + R_RDI]
	jnz .resume
	vmlaunch
	jmp .fail
.resume:
	vmresume
.fail:
	; VMfailInvalid sets CF, VMfailValid sets ZF.
	mov eax, 1
	jc .out
	mov eax, 2
	jmp .out
.fail_early:
	mov eax, 2
	jnc .out
	mov eax, 1
.out:
	add rsp, 8
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; HOST_RIP: RSP is back at the frame above, RFLAGS is 0x2 (IF clear).
global vmx_exit_point
vmx_exit_point:
	push rdi
	mov rdi, [rsp + 8]
	mov [rdi + R_RAX], rax
	mov [rdi + R_RBX], rbx
	mov [rdi + R_RCX], rcx
	mov [rdi + R_RDX], rdx
	mov [rdi + R_RSI], rsi
	mov [rdi + R_RBP], rbp
	mov [rdi + R_R8], r8
	mov [rdi + R_R9], r9
	mov [rdi + R_R10], r10
	mov [rdi + R_R11], r11
	mov [rdi + R_R12], r12
	mov [rdi + R_R13], r13
	mov [rdi + R_R14], r14
	mov [rdi + R_R15], r15
	pop rax
	mov [rdi + R_RDI], rax
	mov rax, cr2
	mov [rdi + R_CR2], rax
	xor eax, eax
	jmp vmx_enter_guest.out		; drop the regs pointer, restore the host's registers

section .note.GNU-stack noalloc noexec nowrite progbits
