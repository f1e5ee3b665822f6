package schedule

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"10:30", "10:30"},
		{"٠١٢٣٤٥٦٧٨٩", "0123456789"}, // Arabic-Indic
		{"۰۱۲۳۴۵۶۷۸۹", "0123456789"}, // Persian (Extended Arabic-Indic)
		{"١٠:٣٠", "10:30"},
		{"۱۰:۳۰", "10:30"},
		{"٢ أيام", "2 أيام"}, // Arabic words stay
		{"۳ روز", "3 روز"},
		{"15.09.۲۰۲۶", "15.09.2026"}, // mixed scripts
		{"dag ٣ og ۴", "dag 3 og 4"},
		{"Gjøvik ١", "Gjøvik 1"},
		{"٫٬", "٫٬"},     // Arabic decimal and thousands separators are not digits
		{"߀१", "߀१"},     // NKo and Devanagari digits are left alone
		{"\xd9", "\xd9"}, // a lone lead byte
		{"\xd9\xa0\xff", "0\xff"},
		{"\xff\xdb\xb9", "\xff9"},
	}
	for _, tt := range tests {
		if got := NormalizeDigits(tt.in); got != tt.want {
			t.Errorf("NormalizeDigits(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeDigitsASCIINoAlloc(t *testing.T) {
	s := "Syk i dag, 3 dager"
	if n := testing.AllocsPerRun(100, func() { _ = NormalizeDigits(s) }); n != 0 {
		t.Errorf("NormalizeDigits allocated %v times on ASCII input", n)
	}
}

// isForeignDigit reports whether r is one of the digits NormalizeDigits maps.
func isForeignDigit(r rune) bool {
	return ('\u0660' <= r && r <= '\u0669') || ('\u06f0' <= r && r <= '\u06f9')
}

func FuzzNormalizeDigits(f *testing.F) {
	for _, s := range []string{"", "10:30", "١٠:٣٠", "۱۰:۳۰", "٢ أيام", "\xd9", "\xd9\xa0\xff", "߀१٫"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := NormalizeDigits(s)
		if again := NormalizeDigits(got); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, got, again)
		}
		if strings.ContainsFunc(got, isForeignDigit) {
			t.Fatalf("NormalizeDigits(%q) = %q still has Arabic-Indic digits", s, got)
		}
		// Each mapped digit shrinks from two bytes to one, and nothing
		// else changes: rebuild the input from the output to check.
		var rebuilt strings.Builder
		j := 0
		for i := 0; i < len(s); {
			r, w := utf8.DecodeRuneInString(s[i:])
			if w == 2 && isForeignDigit(r) {
				d := r - '\u0660'
				if r >= '\u06f0' {
					d = r - '\u06f0'
				}
				if got[j] != byte('0'+d) {
					t.Fatalf("NormalizeDigits(%q) = %q: byte %d is %q, want %q", s, got, j, got[j], '0'+d)
				}
				rebuilt.WriteRune(r)
				i, j = i+w, j+1
				continue
			}
			if j+w > len(got) || got[j:j+w] != s[i:i+w] {
				t.Fatalf("NormalizeDigits(%q) = %q: changed bytes at %d", s, got, i)
			}
			rebuilt.WriteString(s[i : i+w])
			i, j = i+w, j+w
		}
		if j != len(got) || rebuilt.String() != s {
			t.Fatalf("NormalizeDigits(%q) = %q: does not map back", s, got)
		}
	})
}
