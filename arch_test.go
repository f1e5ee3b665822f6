package innsjekk_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The core decides; the shell does I/O. These packages must import
// nothing that talks to the network, the disk, Redis or Telegram, and
// never read the clock (STYLE.md).
var core = []string{"roster", "schedule", "flows", "locales"}

var forbidden = []string{"net", "net/http", "os", "os/exec", "log", "log/slog",
	"github.com/redis/go-redis/v9", "github.com/go-telegram/bot", "github.com/alicebob/miniredis/v2",
	"innsjekk/store", "innsjekk/engine", "innsjekk/bot", "innsjekk/app"}

func TestCoreImportsNoShell(t *testing.T) {
	for _, pkg := range core {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./"+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		deps := map[string]bool{}
		for _, d := range strings.Fields(string(out)) {
			deps[d] = true
		}
		for _, f := range forbidden {
			// The standard library's own use of os (time zone files, say)
			// is not ours: only direct imports count for std packages.
			if deps[f] && (strings.Contains(f, ".") || strings.HasPrefix(f, "innsjekk/") || direct(t, pkg, f)) {
				t.Errorf("%s depends on %s", pkg, f)
			}
		}
	}
}

func direct(t *testing.T, pkg, imp string) bool {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, "./"+pkg).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range strings.Fields(string(out)) {
		if i == imp {
			return true
		}
	}
	return false
}

func TestCoreNeverReadsTheClock(t *testing.T) {
	for _, pkg := range core {
		files, _ := filepath.Glob(filepath.Join(pkg, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if ok && sel.Sel.Name == "Now" {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "time" {
						t.Errorf("%s: time.Now in the core", fset.Position(sel.Pos()))
					}
				}
				return true
			})
		}
	}
}
