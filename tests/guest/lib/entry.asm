; SPDX-License-Identifier: MIT
; Copyright (c) 2026 The tickvisor developers
;
; Guest entry: a Multiboot v1 header, the 32-bit protected-mode entry that a
; Multiboot loader (QEMU -kernel, tickvisor, or tickvisor mode=native) jumps
; to, the switch to 64-bit mode, and the exception entry stubs.
;
; Multiboot machine state on entry (Multiboot Specification 0.6.96, "Machine
; state"): EAX = 0x2BADB002, EBX = physical address of the information
; structure, 32-bit protected mode, paging off, flat segments, A20 on,
; interrupts off.  ESP is undefined: set up a stack before any push.

MB_HEADER_MAGIC		equ 0x1BADB002
; bit 0: modules page aligned; bit 1: mem_* and mmap wanted.  Bit 16 (address
; fields, the "a.out kludge") is left clear: the image is ELF, whose program
; headers already say where it loads.
MB_HEADER_FLAGS		equ 0x00000003
MB_BOOT_MAGIC		equ 0x2BADB002

CR0_PG			equ 0x80000000
CR0_WP			equ 0x00010000
CR4_PAE			equ 0x00000020
MSR_IA32_EFER		equ 0xC0000080
EFER_LME		equ 0x00000100

PTE_P			equ 0x001
PTE_RW			equ 0x002
PTE_PWT			equ 0x008
PTE_PCD			equ 0x010
PDE_PS			equ 0x080

COM1			equ 0x3F8

SEL_CODE64		equ 0x08
SEL_DATA		equ 0x10

section .multiboot progbits alloc noexec nowrite align=4
	align 4
	dd MB_HEADER_MAGIC
	dd MB_HEADER_FLAGS
	dd -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

section .data
	align 4
global guest_mb_magic
global guest_mb_info
guest_mb_magic:	dd 0
guest_mb_info:	dd 0

	align 16
gdt64:
	dq 0				; null
	dq 0x00AF9A000000FFFF		; 0x08: 64-bit code, DPL 0
	dq 0x00CF92000000FFFF		; 0x10: data, DPL 0
gdt64_end:
gdt64_ptr:
	dw gdt64_end - gdt64 - 1
	dq gdt64

no_lm_msg:	db "FATAL: CPU has no long mode", 10, 0

section .bss nobits alloc noexec write align=4096
	alignb 4096
global guest_pml4
global guest_pdpt
global guest_pd
guest_pml4:	resb 4096
guest_pdpt:	resb 4096
guest_pd:	resb 4 * 4096		; 4 x 512 2-MiB pages: the first 4 GiB
	alignb 16
guest_stack:	resb 65536
global guest_stack_top
guest_stack_top:

section .text
bits 32
global _start
_start:
	cli
	cld
	; .data is initialised by the loader; save the handoff before the
	; .bss (and with it the stack) is cleared.
	mov [guest_mb_magic], eax
	mov [guest_mb_info], ebx

	; A loader must zero .bss (ELF p_memsz > p_filesz), but do not rely on it.
	extern __bss_start
	extern __bss_end
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb
	mov esp, guest_stack_top

	; Long mode present?  CPUID.80000001H:EDX[29] (Intel SDM Vol. 2A, CPUID).
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	bt edx, 29
	jnc .no_long_mode

	; Identity map 0-4 GiB with 2-MiB pages.  The LAPIC page (0xFEE00000)
	; and the IOAPIC/HPET region (0xFEC00000-0xFEDFFFFF) are mapped UC
	; through PCD|PWT: they are MMIO and must not be cached.
	mov dword [guest_pml4], guest_pdpt + PTE_P + PTE_RW
	mov edi, guest_pdpt
	mov eax, guest_pd + PTE_P + PTE_RW
	mov ecx, 4
.fill_pdpt:
	mov [edi], eax
	add eax, 4096
	add edi, 8
	loop .fill_pdpt

	mov edi, guest_pd
	xor ecx, ecx			; 2-MiB page number 0..2047
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P + PTE_RW + PDE_PS
	cmp ecx, 0xFEC00000 >> 21
	je .uncached
	cmp ecx, 0xFEE00000 >> 21
	jne .store
.uncached:
	or eax, PTE_PCD + PTE_PWT
.store:
	mov [edi + ecx * 8], eax
	mov dword [edi + ecx * 8 + 4], 0
	inc ecx
	cmp ecx, 2048
	jb .fill_pd

	; "Initializing IA-32e Mode" (Intel SDM Vol. 3A, 2023): PAE on, CR3,
	; EFER.LME, then CR0.PG; the far jump loads a 64-bit CS.
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, guest_pml4
	mov cr3, eax
	mov ecx, MSR_IA32_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG + CR0_WP
	mov cr0, eax
	lgdt [gdt64_ptr]
	jmp SEL_CODE64:long_entry

.no_long_mode:
	; Nothing else is set up yet: poll THR empty and print a line.
	mov esi, no_lm_msg
.next_char:
	lodsb
	test al, al
	jz .halt32
	mov bl, al
	mov dx, COM1 + 5
	mov ecx, 100000
.wait_thre:
	in al, dx
	test al, 0x20
	jnz .send
	loop .wait_thre
.send:
	mov dx, COM1
	mov al, bl
	out dx, al
	jmp .next_char
.halt32:
	hlt
	jmp .halt32

bits 64
long_entry:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, guest_stack_top
	xor ebp, ebp
	mov edi, [guest_mb_magic]
	mov esi, [guest_mb_info]
	extern guest_start
	call guest_start
.halt64:
	cli
	hlt
	jmp .halt64

; Exception stubs.  The CPU pushes SS, RSP, RFLAGS, CS, RIP and, for some
; vectors, an error code ("Exception and Interrupt Reference", Intel SDM
; Vol. 3A, 2023); the stubs push a zero where it does not, then the vector,
; so that ex_common always sees one frame layout (struct ex_regs).
%macro EX_STUB_NOERR 1
ex_stub_%1:
	push 0
	push %1
	jmp ex_common
%endmacro
%macro EX_STUB_ERR 1
ex_stub_%1:
	push %1
	jmp ex_common
%endmacro

EX_STUB_NOERR 0
EX_STUB_NOERR 1
EX_STUB_NOERR 2
EX_STUB_NOERR 3
EX_STUB_NOERR 4
EX_STUB_NOERR 5
EX_STUB_NOERR 6
EX_STUB_NOERR 7
EX_STUB_ERR   8
EX_STUB_NOERR 9
EX_STUB_ERR   10
EX_STUB_ERR   11
EX_STUB_ERR   12
EX_STUB_ERR   13
EX_STUB_ERR   14
EX_STUB_NOERR 15
EX_STUB_NOERR 16
EX_STUB_ERR   17
EX_STUB_NOERR 18
EX_STUB_NOERR 19
EX_STUB_NOERR 20
EX_STUB_ERR   21
EX_STUB_NOERR 22
EX_STUB_NOERR 23
EX_STUB_NOERR 24
EX_STUB_NOERR 25
EX_STUB_NOERR 26
EX_STUB_NOERR 27
EX_STUB_NOERR 28
EX_STUB_ERR   29
EX_STUB_ERR   30
EX_STUB_NOERR 31

ex_common:
	; 5 CPU words + error code + vector + 15 GPRs = 22 words: RSP stays
	; 16-byte aligned for the call (the CPU aligned it before the push).
	push r15
	push r14
	push r13
	push r12
	push r11
	push r10
	push r9
	push r8
	push rbp
	push rdi
	push rsi
	push rdx
	push rcx
	push rbx
	push rax
	mov rdi, rsp
	cld
	extern ex_handle
	call ex_handle
	pop rax
	pop rbx
	pop rcx
	pop rdx
	pop rsi
	pop rdi
	pop rbp
	pop r8
	pop r9
	pop r10
	pop r11
	pop r12
	pop r13
	pop r14
	pop r15
	add rsp, 16
	iretq

section .rodata
	align 8
global ex_stub_table
ex_stub_table:
%assign i 0
%rep 32
	dq ex_stub_%[i]
%assign i i + 1
%endrep
