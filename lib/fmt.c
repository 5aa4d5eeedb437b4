/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include <tv/fmt.h>

#define FMT_INT_MAX		0x7fffffffU
#define FMT_FLAG_LEFT		0x01U	/* '-' */
#define FMT_FLAG_ZERO		0x02U	/* '0' */
#define FMT_FLAG_PLUS		0x04U	/* '+' */
#define FMT_FLAG_SPACE		0x08U	/* ' ' */
#define FMT_FLAG_ALT		0x10U	/* '#' */
#define FMT_FLAG_UPPER		0x20U	/* %X */

enum fmt_length {
	FMT_LEN_INT,
	FMT_LEN_CHAR,		/* hh */
	FMT_LEN_SHORT,		/* h */
	FMT_LEN_LONG,		/* l */
	FMT_LEN_LLONG,		/* ll */
	FMT_LEN_SIZE,		/* z */
	FMT_LEN_PTRDIFF,	/* t */
	FMT_LEN_INTMAX,		/* j */
};

struct fmt_out {
	char *buf;
	size_t size;
	size_t pos;		/* length of the full output so far */
};

struct fmt_spec {
	unsigned int flags;
	size_t width;
	int precision;		/* -1: none given */
};

static void fmt_put(struct fmt_out *o, char c)
{
	if (o->size && o->pos < o->size - 1)
		o->buf[o->pos] = c;
	o->pos++;
}

static void fmt_repeat(struct fmt_out *o, char c, size_t n)
{
	while (n--)
		fmt_put(o, c);
}

static void fmt_put_mem(struct fmt_out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fmt_put(o, s[i]);
}

/* Pad a field of len characters to the width, on the side the flags say. */
static void fmt_field(struct fmt_out *o, const struct fmt_spec *sp,
		      const char *s, size_t len)
{
	size_t pad = sp->width > len ? sp->width - len : 0;

	if (!(sp->flags & FMT_FLAG_LEFT))
		fmt_repeat(o, ' ', pad);
	fmt_put_mem(o, s, len);
	if (sp->flags & FMT_FLAG_LEFT)
		fmt_repeat(o, ' ', pad);
}

/*
 * One integer conversion.  C99 7.19.6.1: "The precision specifies the minimum
 * number of digits to appear"; "The result of converting a zero value with a
 * precision of zero is no characters"; "if a precision is specified, the 0
 * flag is ignored" for d, i, o, u, x and X.
 */
static void fmt_integer(struct fmt_out *o, struct fmt_spec *sp, uint64_t mag,
			bool negative, unsigned int base)
{
	const char *digits = (sp->flags & FMT_FLAG_UPPER) ? "0123456789ABCDEF"
							     : "0123456789abcdef";
	char tmp[24];
	char prefix[3];
	size_t ndig = 0, nprefix = 0, zeros = 0, len, pad;

	while (mag) {
		tmp[ndig++] = digits[mag % base];
		mag /= base;
	}
	if (sp->precision < 0 && ndig == 0)
		tmp[ndig++] = '0';
	if (sp->precision >= 0 && (size_t)sp->precision > ndig)
		zeros = (size_t)sp->precision - ndig;

	if (negative)
		prefix[nprefix++] = '-';
	else if (sp->flags & FMT_FLAG_PLUS)
		prefix[nprefix++] = '+';
	else if (sp->flags & FMT_FLAG_SPACE)
		prefix[nprefix++] = ' ';

	if (sp->flags & FMT_FLAG_ALT) {
		/* "For o, it increases the precision ... to force the first digit to be a zero." */
		if (base == 8 && zeros == 0 && (ndig == 0 || tmp[ndig - 1] != '0'))
			zeros = 1;
		/* "For x (or X) conversion, a nonzero result has 0x (or 0X) prefixed." */
		if (base == 16 && ndig && !(ndig == 1 && tmp[0] == '0')) {
			prefix[nprefix++] = '0';
			prefix[nprefix++] = (sp->flags & FMT_FLAG_UPPER) ? 'X' : 'x';
		}
	}

	len = nprefix + zeros + ndig;
	if ((sp->flags & FMT_FLAG_ZERO) && !(sp->flags & FMT_FLAG_LEFT) &&
	    sp->precision < 0 && sp->width > len) {
		zeros += sp->width - len;
		len = sp->width;
	}
	pad = sp->width > len ? sp->width - len : 0;

	if (!(sp->flags & FMT_FLAG_LEFT))
		fmt_repeat(o, ' ', pad);
	fmt_put_mem(o, prefix, nprefix);
	fmt_repeat(o, '0', zeros);
	while (ndig)
		fmt_put(o, tmp[--ndig]);
	if (sp->flags & FMT_FLAG_LEFT)
		fmt_repeat(o, ' ', pad);
}

static int64_t fmt_arg_signed(va_list *ap, enum fmt_length len)
{
	switch (len) {
	case FMT_LEN_CHAR:	return (signed char)va_arg(*ap, int);
	case FMT_LEN_SHORT:	return (short)va_arg(*ap, int);
	case FMT_LEN_LONG:	return va_arg(*ap, long);
	case FMT_LEN_LLONG:	return va_arg(*ap, long long);
	/* size_t's signed counterpart has the same width as ptrdiff_t. */
	case FMT_LEN_SIZE:	return va_arg(*ap, ptrdiff_t);
	case FMT_LEN_PTRDIFF:	return va_arg(*ap, ptrdiff_t);
	case FMT_LEN_INTMAX:	return va_arg(*ap, intmax_t);
	default:		return va_arg(*ap, int);
	}
}

static uint64_t fmt_arg_unsigned(va_list *ap, enum fmt_length len)
{
	switch (len) {
	case FMT_LEN_CHAR:	return (unsigned char)va_arg(*ap, unsigned int);
	case FMT_LEN_SHORT:	return (unsigned short)va_arg(*ap, unsigned int);
	case FMT_LEN_LONG:	return va_arg(*ap, unsigned long);
	case FMT_LEN_LLONG:	return va_arg(*ap, unsigned long long);
	case FMT_LEN_SIZE:	return va_arg(*ap, size_t);
	case FMT_LEN_PTRDIFF:	return (uint64_t)va_arg(*ap, ptrdiff_t);
	case FMT_LEN_INTMAX:	return va_arg(*ap, uintmax_t);
	default:		return va_arg(*ap, unsigned int);
	}
}

/* Parse a decimal run, saturating so that absurd widths cannot wrap. */
static size_t fmt_parse_num(const char **p)
{
	size_t n = 0;

	while (**p >= '0' && **p <= '9') {
		if (n <= FMT_INT_MAX)
			n = n * 10U + (size_t)(**p - '0');
		(*p)++;
	}
	return n;
}

static const char *fmt_parse_length(const char *p, enum fmt_length *len)
{
	*len = FMT_LEN_INT;
	switch (*p) {
	case 'h':
		if (p[1] == 'h') {
			*len = FMT_LEN_CHAR;
			return p + 2;
		}
		*len = FMT_LEN_SHORT;
		return p + 1;
	case 'l':
		if (p[1] == 'l') {
			*len = FMT_LEN_LLONG;
			return p + 2;
		}
		*len = FMT_LEN_LONG;
		return p + 1;
	case 'z':
		*len = FMT_LEN_SIZE;
		return p + 1;
	case 't':
		*len = FMT_LEN_PTRDIFF;
		return p + 1;
	case 'j':
		*len = FMT_LEN_INTMAX;
		return p + 1;
	default:
		return p;
	}
}

static const char *fmt_parse_flags(const char *p, struct fmt_spec *sp)
{
	for (;; p++) {
		switch (*p) {
		case '-': sp->flags |= FMT_FLAG_LEFT; break;
		case '0': sp->flags |= FMT_FLAG_ZERO; break;
		case '+': sp->flags |= FMT_FLAG_PLUS; break;
		case ' ': sp->flags |= FMT_FLAG_SPACE; break;
		case '#': sp->flags |= FMT_FLAG_ALT; break;
		default: return p;
		}
	}
}

/* Width and precision, from the format or (for '*') from the arguments. */
static const char *fmt_parse_width_precision(const char *p, struct fmt_spec *sp, va_list *ap)
{
	if (*p == '*') {
		int w = va_arg(*ap, int);

		/* "A negative field width argument is taken as a - flag followed by a positive field width." */
		if (w < 0) {
			sp->flags |= FMT_FLAG_LEFT;
			sp->width = (size_t)(-(int64_t)w);
		} else {
			sp->width = (size_t)w;
		}
		p++;
	} else {
		sp->width = fmt_parse_num(&p);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			int pr = va_arg(*ap, int);

			/* "A negative precision argument is taken as if the precision were omitted." */
			sp->precision = pr < 0 ? -1 : pr;
			p++;
		} else {
			size_t pr = fmt_parse_num(&p);

			sp->precision = pr > FMT_INT_MAX ? (int)FMT_INT_MAX : (int)pr;
		}
	}
	return p;
}

/* %p: "(nil)" for NULL as glibc prints it, else 0x and lowercase hex. */
static void fmt_pointer(struct fmt_out *o, struct fmt_spec *sp, va_list *ap)
{
	uintptr_t v = (uintptr_t)va_arg(*ap, void *);

	if (!v) {
		fmt_field(o, sp, "(nil)", 5);
		return;
	}
	sp->flags |= FMT_FLAG_ALT;
	fmt_integer(o, sp, v, false, 16);
}

static void fmt_string(struct fmt_out *o, const struct fmt_spec *sp, va_list *ap)
{
	const char *s = va_arg(*ap, const char *);
	size_t n = 0;

	/* glibc's choice: "(null)" whole, or nothing when the precision cuts it. */
	if (!s)
		s = (sp->precision < 0 || sp->precision >= 6) ? "(null)" : "";
	/* "If the precision is specified, no more than that many bytes are written." */
	while ((sp->precision < 0 || n < (size_t)sp->precision) && s[n])
		n++;
	fmt_field(o, sp, s, n);
}

/*
 * Print one known conversion `conv` and take its argument.
 * @return false when `conv` is not a conversion we know (nothing printed).
 */
static bool fmt_convert(struct fmt_out *o, struct fmt_spec *sp, char conv,
			enum fmt_length len, va_list *ap)
{
	switch (conv) {
	case 'd':
	case 'i': {
		int64_t v = fmt_arg_signed(ap, len);
		uint64_t mag = v < 0 ? 0U - (uint64_t)v : (uint64_t)v;

		fmt_integer(o, sp, mag, v < 0, 10);
		return true;
	}
	case 'u':
		fmt_integer(o, sp, fmt_arg_unsigned(ap, len), false, 10);
		return true;
	case 'o':
		fmt_integer(o, sp, fmt_arg_unsigned(ap, len), false, 8);
		return true;
	case 'X':
		sp->flags |= FMT_FLAG_UPPER;
		fmt_integer(o, sp, fmt_arg_unsigned(ap, len), false, 16);
		return true;
	case 'x':
		fmt_integer(o, sp, fmt_arg_unsigned(ap, len), false, 16);
		return true;
	case 'p':
		fmt_pointer(o, sp, ap);
		return true;
	case 'c': {
		char c = (char)va_arg(*ap, int);

		fmt_field(o, sp, &c, 1);
		return true;
	}
	case 's':
		fmt_string(o, sp, ap);
		return true;
	case '%':
		fmt_put(o, '%');
		return true;
	default:
		return false;
	}
}

/* Returns the character after the conversion; *ap advanced past its arguments. */
static const char *fmt_conversion(struct fmt_out *o, const char *start, va_list *ap)
{
	struct fmt_spec sp = { .flags = 0, .width = 0, .precision = -1 };
	const char *p = fmt_parse_flags(start + 1, &sp);
	enum fmt_length len;

	p = fmt_parse_width_precision(p, &sp, ap);
	p = fmt_parse_length(p, &len);
	/* The + and space flags are defined for signed conversions only (and %p, as in glibc). */
	if (*p == 'u' || *p == 'o' || *p == 'x' || *p == 'X')
		sp.flags &= ~(FMT_FLAG_PLUS | FMT_FLAG_SPACE);
	if (fmt_convert(o, &sp, *p, len, ap))
		return p + 1;
	/* Not a conversion we know: show it rather than guess at arguments. */
	fmt_put_mem(o, start, (size_t)(p - start));
	if (!*p)
		return p;
	fmt_put(o, *p);
	return p + 1;
}

int tv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { .buf = buf, .size = size, .pos = 0 };
	const char *p = fmt;
	va_list aq;

	/* Work on a copy so that helpers can advance it through a pointer. */
	va_copy(aq, ap);
	while (*p) {
		if (*p != '%') {
			fmt_put(&o, *p++);
			continue;
		}
		p = fmt_conversion(&o, p, &aq);
	}
	va_end(aq);
	if (size)
		buf[o.pos < size ? o.pos : size - 1] = '\0';
	return o.pos > FMT_INT_MAX ? -1 : (int)o.pos;
}

int tv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = tv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
