package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// figure is one line of the report. IDs are stable, so two runs (before
// and after an optimisation) can be compared line by line, or by -json.
type figure struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Unit   string   `json:"unit"`
	Value  *float64 `json:"value"`
	Echo   *float64 `json:"echo,omitempty"`
	Ratio  *float64 `json:"ratio,omitempty"`
	Goal   string   `json:"goal,omitempty"`
	Status string   `json:"status"` // met, missed or info
}

func (b *bench) add(f figure) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.figures = append(b.figures, f)
	fmt.Fprintf(b.progress, "bench:   %s\n", strings.TrimSpace(f.line()))
}

// num is nil for a value that could not be measured.
func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func ms(d time.Duration) *float64 { return num(float64(d.Nanoseconds()) / 1e6) }

func ratio(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	return num(a / b)
}

func status(met bool) string {
	if met {
		return "met"
	}
	return "missed"
}

func fmtValue(v *float64, unit string) string {
	if v == nil {
		return "n/a"
	}
	x := *v
	var s string
	switch {
	case unit == "ms" || unit == "s" || unit == "×":
		s = fmt.Sprintf("%.2f", x)
		if x >= 100 {
			s = fmt.Sprintf("%.0f", x)
		} else if x >= 10 {
			s = fmt.Sprintf("%.1f", x)
		}
	case x == math.Trunc(x) || math.Abs(x) >= 100:
		s = fmt.Sprintf("%.0f", x)
	default:
		s = fmt.Sprintf("%.1f", x)
	}
	if unit == "" {
		return s
	}
	if unit == "/s" || unit == "×" {
		return s + unit
	}
	return s + " " + unit
}

func (f figure) line() string {
	r := ""
	if f.Ratio != nil {
		r = fmt.Sprintf("%.2f×", *f.Ratio)
	}
	echo := ""
	if f.Echo != nil {
		echo = fmtValue(f.Echo, f.Unit)
	}
	return fmt.Sprintf("%-52s %12s %12s %7s  %-24s %s", f.Name, fmtValue(f.Value, f.Unit), echo, r, f.Goal, f.Status)
}

func (b *bench) header() []string {
	goVer := runtime.Version()
	rev := treeRevision()
	mode := "normal"
	if b.smoke {
		mode = "smoke (small numbers; nothing asserted)"
	}
	return []string{
		fmt.Sprintf("innsjekk bench %s, %s, tree %s, %s/%s, %d CPUs", version, goVer, rev, runtime.GOOS, runtime.GOARCH, runtime.NumCPU()),
		fmt.Sprintf("mode %s; redis: %s", mode, b.redis.kind),
		fmt.Sprintf("closed loop %d chats, warm-up %s, measured %s; open loop %v taps/s; backlog %d; fan-out %v; year %d participants × %d days",
			b.chats, b.warm, b.duration, b.rates, b.backlog, b.fanouts, b.yearN, b.yearDays),
	}
}

func (b *bench) printText() {
	for _, h := range b.header() {
		fmt.Fprintln(b.out, h)
	}
	fmt.Fprintln(b.out)
	fmt.Fprintf(b.out, "%-52s %12s %12s %7s  %-24s %s\n", "figure", "innsjekk", "echo", "ratio", "goal", "result")
	met, missed := 0, 0
	for _, f := range b.figures {
		fmt.Fprintln(b.out, f.line())
		switch f.Status {
		case "met":
			met++
		case "missed":
			missed++
		}
	}
	fmt.Fprintf(b.out, "\ngoals: %d met, %d missed\n", met, missed)
	if len(b.notes) > 0 {
		fmt.Fprintln(b.out, "\nnotes:")
		for _, n := range b.notes {
			fmt.Fprintln(b.out, "  "+n)
		}
	}
}

func (b *bench) printJSON() error {
	enc := json.NewEncoder(b.out)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Header  []string `json:"header"`
		Figures []figure `json:"figures"`
		Notes   []string `json:"notes"`
	}{b.header(), b.figures, b.notes})
}

// treeRevision names the source the binary was built from, so that two
// reports say which trees they compare.
func treeRevision() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if dirty {
				rev += " with local changes"
			}
			return rev
		}
	}
	if out, err := exec.Command("git", "describe", "--always", "--dirty").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	return "unknown"
}
