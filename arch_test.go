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
// nothing that talks to the network, the disk, Redis or Telegram, draw
// random numbers, or read the clock, so that what they decide follows
// from their input alone.
var core = []string{"roster", "schedule", "absence", "flows", "locales", "codec", "report"}

var forbidden = []string{"net", "net/http", "os", "os/exec", "os/signal", "syscall", "log", "log/slog",
	"math/rand", "math/rand/v2", "crypto/rand", "database/sql",
	"github.com/redis/go-redis/v9", "github.com/go-telegram/bot", "github.com/alicebob/miniredis/v2",
	"innsjekk/store", "innsjekk/engine", "innsjekk/bot", "innsjekk/app", "innsjekk/sandbox"}

// clockReads are the time package's ways to learn the time or wait for it.
var clockReads = map[string]bool{"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true,
	"AfterFunc": true, "Tick": true, "NewTimer": true, "NewTicker": true}

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
			timeName := "time"
			for _, imp := range file.Imports {
				if imp.Path.Value == `"time"` && imp.Name != nil {
					timeName = imp.Name.Name
				}
			}
			ast.Inspect(file, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if ok && clockReads[sel.Sel.Name] {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == timeName {
						t.Errorf("%s: time.%s in the core", fset.Position(sel.Pos()), sel.Sel.Name)
					}
				}
				return true
			})
		}
	}
}
