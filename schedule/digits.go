package schedule

import "strings"

// NormalizeDigits returns s with Arabic-Indic (U+0660–U+0669) and Persian,
// or Extended Arabic-Indic (U+06F0–U+06F9), digits replaced by ASCII
// digits, so that "١٠:٣٠" or "۱۰:۳۰" typed on an Arabic or Dari keyboard
// reads as "10:30". Every other byte, even invalid UTF-8, is kept as it is.
func NormalizeDigits(s string) string {
	// Both ranges encode as two bytes, lead 0xD9 (U+0660…) or 0xDB
	// (U+06F0…); scanning bytes keeps ASCII-only input allocation-free.
	i := strings.IndexAny(s, "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"+
		"\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9")
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		if i+1 < len(s) {
			if d, ok := foreignDigit(s[i], s[i+1]); ok {
				b.WriteByte('0' + d)
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// foreignDigit decodes the two-byte UTF-8 form of U+0660–U+0669 (D9 A0–A9)
// or U+06F0–U+06F9 (DB B0–B9) to its value.
func foreignDigit(lead, cont byte) (byte, bool) {
	switch {
	case lead == 0xD9 && cont >= 0xA0 && cont <= 0xA9:
		return cont - 0xA0, true
	case lead == 0xDB && cont >= 0xB0 && cont <= 0xB9:
		return cont - 0xB0, true
	}
	return 0, false
}
