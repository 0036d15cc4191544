package archtest

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// role is a package's place in docs/architecture.md.
type role int

const (
	domain  role = iota // the default: a package nobody classified is held to the domain's rules
	face                // flags, environment, wiring and output
	adapter             // talks to something outside: DuckDB, GitHub, Python, a browser
	double              // stands in for something outside in tests
)

func (r role) String() string {
	return [...]string{"domain", "face", "adapter", "test double"}[r]
}

// roles gives the folders that are not domain their role, by path
// relative to the module root: the folder names say it (docs/architecture.md).
// runners/python and runners/web are adapters that live beside the runner
// that drives them. Keep in step with docs/architecture.md.
var roles = []struct {
	prefix string
	role   role
}{
	{"cmd/", face},
	{"internal/face/", face},
	{"internal/adapters/", adapter},
	{"runners/python", adapter},
	{"runners/web", adapter},
	{"internal/testing/", double},
}

// roleOf is the role of the package at rel: the first matching folder,
// else domain.
func roleOf(rel string) role {
	for _, r := range roles {
		if rel == strings.TrimSuffix(r.prefix, "/") || strings.HasPrefix(rel, r.prefix) || strings.HasPrefix(rel, r.prefix+"/") {
			return r.role
		}
	}
	return domain
}

// envReads are the calls that read the process environment.
var envReads = []string{"os.Getenv", "os.LookupEnv", "os.Environ", "os.ExpandEnv", "syscall.Getenv", "syscall.Environ"}

// envAllowed lists the non-face files allowed an environment read, each
// with the reason. Key: file path relative to the module root + " " + call.
var envAllowed = map[string]string{
	// The Python child inherits the step's environment (PATH, HF_HOME,
	// proxies); hwcov decides nothing on it.
	"internal/workspace/workspace.go os.Environ": "child process inherits the environment",
	// The browser child inherits the environment unless the caller passes
	// one (Options.Environ); hwcov decides nothing on it.
	"runners/web/web.go os.Environ": "child process inherits the environment",
	// A Python worker inherits the environment unless the caller passes
	// one (Executor.Environ); hwcov decides nothing on it.
	"runners/runner_executor.go os.Environ": "child process inherits the environment",
}

// forbiddenOutsideFace are imports only the face may have.
var forbiddenOutsideFace = []string{"github.com/spf13/cobra", "github.com/spf13/pflag"}

type pkg struct {
	rel     string // path relative to the module root ("." for the root)
	role    role
	imports map[string][]string // import path -> files (non-test files only)
	env     map[string][]string // call -> files (non-test files only)
}

func TestLayering(t *testing.T) {
	root, module := moduleRoot(t)
	pkgs := loadPackages(t, root, module)
	if len(pkgs) < 10 {
		t.Fatalf("found %d packages under %s; the walk is broken", len(pkgs), root)
	}
	own := func(p string) (string, bool) {
		if p == module {
			return ".", true
		}
		rel, ok := strings.CutPrefix(p, module+"/")
		return rel, ok
	}
	for _, p := range pkgs {
		for imp, files := range p.imports {
			if p.role != face && slices.Contains(forbiddenOutsideFace, imp) {
				t.Errorf("%s (%s) imports %s in %v; only the face (cmd/hwcov, internal/face/...) may: take plain values instead", p.rel, p.role, imp, files)
			}
			rel, ok := own(imp)
			if !ok {
				continue
			}
			to := roleOf(rel)
			if p.role != face && to == face {
				t.Errorf("%s (%s) imports the face %s in %v; the domain must not depend on the face", p.rel, p.role, rel, files)
			}
			if p.role != double && to == double {
				t.Errorf("%s (%s) imports the test double %s in %v; test doubles are for _test.go files only", p.rel, p.role, rel, files)
			}
		}
		if p.role == face {
			continue
		}
		for call, files := range p.env {
			for _, f := range files {
				if _, ok := envAllowed[f+" "+call]; !ok {
					t.Errorf("%s calls %s; only the face reads the environment: take a getenv func or the value from the caller (or allow-list it with a reason in envAllowed)", f, call)
				}
			}
		}
	}
	// Every classified package and allow-listed file must exist, so that a
	// move or rename updates this test and docs/architecture.md.
	seen := map[string]bool{}
	for _, p := range pkgs {
		seen[p.rel] = true
	}
	for _, r := range roles {
		found := false
		for rel := range seen {
			if roleOf(rel) == r.role && (rel == strings.TrimSuffix(r.prefix, "/") || strings.HasPrefix(rel, r.prefix)) {
				found = true
			}
		}
		if !found {
			t.Errorf("roles names %s, which holds no package any more; update roles and docs/architecture.md", r.prefix)
		}
	}
	for key := range envAllowed {
		file := strings.Fields(key)[0]
		if _, err := os.Stat(filepath.Join(root, file)); err != nil {
			t.Errorf("envAllowed names %s, which does not exist any more", file)
		}
	}
}

// TestDocumented checks that docs/architecture.md names every package, so
// that the page a reader starts from stays true.
func TestDocumented(t *testing.T) {
	root, module := moduleRoot(t)
	doc, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	for rel := range loadPackages(t, root, module) {
		if rel != "." && !strings.Contains(string(doc), "`"+rel+"`") {
			t.Errorf("docs/architecture.md does not name package %s: add a row for it under its role", rel)
		}
	}
}

// TestRulesCatchViolations checks the checker on a package that breaks
// every rule, so that the layering test cannot pass vacuously.
func TestRulesCatchViolations(t *testing.T) {
	dir := t.TempDir()
	src := `package bad

import (
	"os"
	"github.com/spf13/cobra"
	"example.com/m/internal/testing/ghfake"
)

var _ = cobra.Command{}
var _ = ghfake.X
var v = os.Getenv("X")
`
	if err := os.WriteFile(filepath.Join(dir, "bad.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	imports, env := scanFile(t, filepath.Join(dir, "bad.go"), "bad.go")
	if !slices.Contains(imports, "github.com/spf13/cobra") || !slices.Contains(imports, "example.com/m/internal/testing/ghfake") {
		t.Errorf("imports = %v, want cobra and ghfake", imports)
	}
	if !slices.Contains(env, "os.Getenv") {
		t.Errorf("env reads = %v, want os.Getenv", env)
	}
}

func moduleRoot(t *testing.T) (root, module string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if f, err := os.Open(filepath.Join(dir, "go.mod")); err == nil {
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if m, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
					return dir, strings.TrimSpace(m)
				}
			}
			t.Fatalf("%s/go.mod has no module line", dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

func loadPackages(t *testing.T, root, module string) map[string]*pkg {
	t.Helper()
	pkgs := map[string]*pkg{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // another module (tools/)
				}
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		relFile, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		relFile = filepath.ToSlash(relFile)
		rel := filepath.ToSlash(filepath.Dir(relFile))
		p := pkgs[rel]
		if p == nil {
			p = &pkg{rel: rel, role: roleOf(rel), imports: map[string][]string{}, env: map[string][]string{}}
			pkgs[rel] = p
		}
		imports, env := scanFile(t, path, relFile)
		for _, imp := range imports {
			p.imports[imp] = append(p.imports[imp], relFile)
		}
		for _, c := range env {
			p.env[c] = append(p.env[c], relFile)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// scanFile returns a file's imports and the environment reads it calls,
// following renamed imports of os and syscall.
func scanFile(t *testing.T, path, rel string) (imports, env []string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	local := map[string]string{} // local name -> "os" or "syscall"
	for _, is := range f.Imports {
		p, err := strconv.Unquote(is.Path.Value)
		if err != nil {
			t.Fatalf("%s: import %s: %v", rel, is.Path.Value, err)
		}
		imports = append(imports, p)
		if p == "os" || p == "syscall" {
			name := p
			if is.Name != nil {
				name = is.Name.Name
			}
			local[name] = p
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		if p, ok := local[id.Name]; ok {
			if c := p + "." + sel.Sel.Name; slices.Contains(envReads, c) && !slices.Contains(env, c) {
				env = append(env, c)
			}
		}
		return true
	})
	return imports, env
}
