package cli

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwcov/hwcov/internal/testing/ghfake"
)

// hostileKinds turn a real hwcov database into one that would put the secret
// file's content into every report if hwcov ran the SQL it carries.
func hostileKinds(secret string) map[string][]string {
	q := "'" + strings.ReplaceAll(secret, "'", "''") + "'"
	return map[string][]string{
		"view reading a file": {
			`DROP TABLE comprehensive_test_results`,
			`CREATE VIEW comprehensive_test_results AS SELECT 1::BIGINT AS id, 'h' AS run_id,
				'bert@cpu/fp32/b1/s128' AS test_id, 'fail' AS status, (SELECT content FROM read_text(` + q + `)) AS error_message`,
		},
		"view calling a table function": {
			`DROP TABLE runs`,
			`CREATE VIEW runs AS SELECT file AS run_id, file AS git_sha FROM glob(` + q + `)`,
		},
		"scalar macro": {
			`CREATE MACRO coalesce_text(s) AS (SELECT content FROM read_text(` + q + `))`,
		},
		"table macro": {
			`CREATE MACRO range(n) AS TABLE SELECT content FROM read_text(` + q + `)`,
		},
	}
}

// hostileFiles writes, under dir, a good head and base and one hostile
// database per kind, and the secret file they try to read.
func hostileFiles(t *testing.T) (secret, content string, hostile map[string]string) {
	t.Helper()
	dir := t.TempDir()
	content = "hwcov-secret-5d1e88"
	secret = filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(secret, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	hostile = map[string]string{}
	for name, stmts := range hostileKinds(secret) {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".duckdb")
		if err := writeDB(path, []byte(`{"runs": [{"id": "h", "sha": "bbbb", "at": "2025-03-02T12:00:00Z"}],
			"results": [{"run": "h", "test": "bert@cpu/fp32/b1/s128", "status": "fail", "error": "boom"}]}`)); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("duckdb", path)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		db.Close()
		hostile[name] = path
	}
	return secret, content, hostile
}

// TestHostileDatabasesRefused: every command that reads a database it did
// not write refuses a hostile one with a usage error naming the file, and
// the secret file's content reaches no output.
func TestHostileDatabasesRefused(t *testing.T) {
	_, content, hostile := hostileFiles(t)
	base, head := twoDBs(t)
	p := newInProcess(t, ghfake.Options{})
	for name, h := range hostile {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			into := filepath.Join(dir, "run.duckdb")
			out := filepath.Join(dir, "out")
			for _, args := range [][]string{
				{"merge", "--into", into, "--junit", out + ".xml", head, h},
				{"compare", "--base", base, "--head", h, "--out", out + ".md"},
				{"compare", "--base", h, "--head", head, "--out", out + ".md"},
				{"comment", "--pr", "5", "--base", base, "--head", h},
				{"comment", "--pr", "5", "--base", h, "--head", head},
				{"check", "--sha", "abc123", "--base", h, "--head", head},
				{"check", "--sha", "abc123", "--base", base, "--head", h},
				{"report", "matrix", "--db", h},
				{"report", "validation", "--db", h},
				{"report", "coverage", "--db", h},
				{"report", "trends", "--db", h},
				{"report", "coverage-plan", "--db", h, "--effort"},
				{"report", "templates", "--db", h},
				{"report", "export", "--db", h, "--out", out + ".md", "--format", "csv"},
			} {
				code, stdout, stderr := p.run(args...)
				cmd := strings.Join(args[:2], " ")
				if code != ExitUsage || !strings.Contains(stderr, "the file was not written by hwcov") ||
					!strings.Contains(stderr, h) || !strings.Contains(stderr, "\nTry: ") {
					t.Errorf("hwcov %s: exit %d, stderr %q; want exit 2 naming %s, with a hint", cmd, code, stderr, h)
				}
				if strings.Contains(stdout+stderr, content) {
					t.Errorf("hwcov %s: the secret reached the output", cmd)
				}
				for _, f := range []string{out + ".xml", out + ".md"} {
					if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), content) {
						t.Errorf("hwcov %s: the secret reached %s", cmd, filepath.Base(f))
					}
				}
			}
			if n := len(p.srv.Comments(5)); n != 0 {
				t.Errorf("%d comments posted", n)
			}
			if n := len(p.srv.CheckRuns()); n != 0 {
				t.Errorf("%d check runs created", n)
			}
		})
	}
}

// TestUnusableDatabasePaths: a directory, a path under a file, a truncated
// file and random bytes all give one line, a hint and exit 2.
func TestUnusableDatabasePaths(t *testing.T) {
	t.Setenv("HWCOV_CACHE_DIR", t.TempDir())
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	_, good := twoDBs(t)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	random := make([]byte, 8192)
	for i := range random {
		random[i] = byte(i*7919 + i/3)
	}
	truncated := write("truncated.duckdb", data[:4096])
	garbage := write("garbage.duckdb", append(append([]byte{}, data[:4096]...), []byte(strings.Repeat("garbage!", 2048))...))
	randomBytes := write("random.duckdb", random)
	tests := filepath.Join(dir, "tests")
	os.MkdirAll(tests, 0o755)
	os.WriteFile(filepath.Join(tests, "test_bert_cpu.py"), []byte("TEST_ID = \"bert@cpu/fp32/b1/s128\"\n"), 0o644)
	type tc struct {
		args []string
		want string
	}
	var sys []tc
	if st, err := os.Stat("/sys/kernel"); err == nil && st.IsDir() {
		// sysfs refuses to create a file even for root, as a read-only
		// folder refuses any other user (EACCES, or EROFS where it is
		// mounted read-only).
		sys = append(sys, tc{[]string{"run", "--tests", tests, "--db", "/sys/hwcov.duckdb"}, "no database file can be opened or created there"})
	}
	for _, tt := range append(sys, []tc{
		{[]string{"report", "matrix", "--db", dir}, "is a directory"},
		{[]string{"run", "--tests", tests, "--db", dir}, "is a directory"},
		{[]string{"run", "--tests", tests, "--db", filepath.Join(file, "hwcov.duckdb")}, "is a file, not a folder"},
		{[]string{"merge", "--into", filepath.Join(file, "sub", "run.duckdb"), good}, "is a file, not a folder"},
		{[]string{"report", "matrix", "--db", truncated}, "is not an hwcov DuckDB database"},
		{[]string{"report", "matrix", "--db", garbage}, "is not an hwcov DuckDB database"},
		{[]string{"report", "matrix", "--db", randomBytes}, "is not an hwcov DuckDB database"},
		{[]string{"compare", "--head", truncated}, "is not an hwcov DuckDB database"},
		{[]string{"compare", "--head", good, "--base", garbage}, "is not an hwcov DuckDB database"},
		{[]string{"run", "--tests", tests, "--db", truncated}, "is not an hwcov DuckDB database"},
	}...) {
		var out, errb strings.Builder
		code := Main(tt.args, strings.NewReader(""), &out, &errb)
		lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
		if code != ExitUsage || !strings.Contains(errb.String(), tt.want) || len(lines) != 2 || !strings.HasPrefix(lines[1], "Try: ") {
			t.Errorf("hwcov %s: exit %d, stderr %q; want exit 2, %q and a hint", strings.Join(tt.args, " "), code, errb.String(), tt.want)
		}
	}
}

// TestHostileBaselineRefused: `hwcov baseline fetch` refuses an artifact
// that holds a hostile database and writes nothing.
func TestHostileBaselineRefused(t *testing.T) {
	_, content, hostile := hostileFiles(t)
	p := newInProcess(t, ghfake.Options{})
	for name, h := range hostile {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(h)
			if err != nil {
				t.Fatal(err)
			}
			branch := strings.ReplaceAll(name, " ", "-")
			p.srv.AddWorkflowRun(ghfake.WorkflowRun{Branch: branch, Event: "push", Conclusion: "success",
				HeadSHA: "aaaaaaaaaaaaaaaa", Artifacts: []ghfake.Artifact{{Name: "hwcov-db", Files: map[string][]byte{"hwcov.duckdb": data}}}})
			out := filepath.Join(t.TempDir(), "base.duckdb")
			code, stdout, stderr := p.run("baseline", "fetch", "--branch", branch, "--out", out)
			if code != ExitUsage || !strings.Contains(stderr, "the file was not written by hwcov") || !strings.Contains(stderr, "\nTry: ") {
				t.Errorf("exit %d, stderr %q; want exit 2 refusing the file, with a hint", code, stderr)
			}
			if strings.Contains(stdout+stderr, content) {
				t.Error("the secret reached the output")
			}
			for _, f := range []string{out, out + ".download", out + ".download.wal"} {
				if _, err := os.Stat(f); err == nil {
					t.Errorf("%s written", filepath.Base(f))
				}
			}
		})
	}
}

// TestHostileDatabasesRefusedByAction: the composite action's merge and
// report steps (hwcov action, which runs the CLI in-process) fail on a
// hostile database, and the secret reaches neither the log, the step
// outputs nor the job summary.
func TestHostileDatabasesRefusedByAction(t *testing.T) {
	_, content, hostile := hostileFiles(t)
	for name, h := range hostile {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{
				"GITHUB_OUTPUT":       filepath.Join(dir, "output.txt"),
				"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary.md"),
				"GITHUB_WORKSPACE":    dir,
				"HWCOV_CACHE_DIR":     filepath.Join(dir, "cache"),
			}
			for _, inputs := range []map[string]string{
				{"INPUT_COMMAND": "merge", "INPUT_DB": filepath.Join(dir, "run.duckdb"), "INPUT_FILES": h},
				{"INPUT_COMMAND": "report", "INPUT_DB": h},
			} {
				var out, errb strings.Builder
				f := NewFactory(strings.NewReader(""), &out, &errb)
				f.Getenv = func(k string) string {
					if v, ok := inputs[k]; ok {
						return v
					}
					return env[k]
				}
				code := MainWith(f, []string{"action"})
				if code != ExitUsage || !strings.Contains(errb.String()+out.String(), "the file was not written by hwcov") {
					t.Errorf("action %s: exit %d\nstdout %s\nstderr %s", inputs["INPUT_COMMAND"], code, out.String(), errb.String())
				}
				written := out.String() + errb.String()
				for _, p := range []string{env["GITHUB_OUTPUT"], env["GITHUB_STEP_SUMMARY"]} {
					b, _ := os.ReadFile(p)
					written += string(b)
				}
				if strings.Contains(written, content) {
					t.Errorf("action %s: the secret reached the log, outputs or summary", inputs["INPUT_COMMAND"])
				}
			}
		})
	}
}
