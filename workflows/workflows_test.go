package workflows

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hwcov/hwcov/internal/schedule"
	"github.com/hwcov/hwcov/internal/testing/testfs"
	"github.com/hwcov/hwcov/internal/testing/toolbin"
)

var update = flag.Bool("update", false, "rewrite the rendered workflows in this folder, examples/ and ../.github/workflows/hwcov.yml")

// repoRoot is the module root.
const repoRoot = ".."

// guideSchedule is the guide's schedule, parsed.
func guideSchedule(t *testing.T) *schedule.Schedule {
	t.Helper()
	b, err := schedule.Default("").Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s, err := schedule.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rendered lists every file this package keeps in the repository, with the
// content it must have.
func rendered(t *testing.T) map[string][]byte {
	t.Helper()
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	reusable := must(RenderReusable("", ""))
	sched := guideSchedule(t)
	schedJSON := must(sched.Marshal())
	return map[string][]byte{
		"hwcov.yml":         reusable,
		"hwcov-comment.yml": must(RenderComment("", "")),
		"hwcov-patch.yml":   must(RenderPatch(PatchOptions{Command: "hwcov workflow generate --patch --output hwcov-patch.yml"})),
		"examples/patch.yml": must(RenderPatch(PatchOptions{Hardware: "cpu,cuda,rocm",
			Command: "hwcov workflow generate --patch --hardware cpu,cuda,rocm --output examples/patch.yml"})),
		"../.github/workflows/hwcov.yml": reusable,
		"examples/schedule.json":         schedJSON,
		"examples/caller.yml": must(RenderCaller(CallerOptions{Hardware: "cpu,cuda", Shards: 2,
			Command: "hwcov workflow generate --hardware cpu,cuda --shards 2 --output examples/caller.yml"})),
		"examples/caller-scheduled.yml": must(RenderCaller(CallerOptions{Hardware: "cpu,cuda", MaxShardMinutes: 30, BudgetMinutes: 60,
			Schedule: sched, SchedulePath: "schedule.json",
			Command: "hwcov workflow generate --hardware cpu,cuda --max-shard-minutes 30 --budget-minutes 60 --schedule schedule.json --output examples/caller-scheduled.yml"})),
		"examples/caller-reusable.yml": must(RenderCaller(CallerOptions{Style: Reusable, Hardware: "cpu,cuda", Schedule: sched, SchedulePath: "schedule.json",
			Command: "hwcov workflow generate --style reusable --hardware cpu,cuda --schedule schedule.json --output examples/caller-reusable.yml"})),
	}
}

// TestRenderedFilesAreCurrent keeps the committed workflows equal to what
// this package renders; -update rewrites them.
func TestRenderedFilesAreCurrent(t *testing.T) {
	for path, want := range rendered(t) {
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v (go test ./workflows -update writes it)", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what the workflows package renders (go test ./workflows -update rewrites it)", path)
		}
	}
}

func TestEmbeddedMatchesFiles(t *testing.T) {
	for _, name := range Names {
		emb, err := Embedded(name)
		if err != nil {
			t.Fatal(err)
		}
		disk, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(emb, disk) {
			t.Errorf("embedded %s differs from the file", name)
		}
	}
	if _, err := Embedded("nope.yml"); err == nil || !strings.Contains(err.Error(), "hwcov.yml, hwcov-comment.yml") {
		t.Errorf("Embedded(nope.yml) = %v", err)
	}
}

// actionlintBin builds tools/actionlint (the actionlint library v1.7.12 in a
// module of its own) once per test binary and cache key.
var actionlintBin = sync.OnceValues(func() (string, error) {
	bin, _, err := toolbin.Build(filepath.Join(repoRoot, "tools", "actionlint"), ".", "actionlint", toolbin.CacheDir(os.Getenv))
	return bin, err
})

// finding is one line of tools/actionlint's output.
type finding struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// linter is a throwaway repository for actionlint: the repository's
// actionlint.yaml and action.yml, and the reusable workflow rendered with
// the local action, so that `uses: ./` and `uses: ./.github/workflows/...`
// are checked against their real inputs. Workflows to lint are added with
// add, then lint runs actionlint once over all of them.
type linter struct {
	t     *testing.T
	dir   string
	files map[string]string // path in dir -> name to report
}

func newLinter(t *testing.T) *linter {
	t.Helper()
	dir := t.TempDir()
	testfs.CopyFile(t, filepath.Join(repoRoot, ".github", "actionlint.yaml"), filepath.Join(dir, ".github", "actionlint.yaml"))
	testfs.CopyFile(t, filepath.Join(repoRoot, "action.yml"), filepath.Join(dir, "action.yml"))
	local, err := RenderReusable("./", "./.github/workflows/hwcov.yml")
	if err != nil {
		t.Fatal(err)
	}
	testfs.WriteFile(t, filepath.Join(dir, ".github", "workflows", "hwcov.yml"), local)
	return &linter{t: t, dir: dir, files: map[string]string{}}
}

func (l *linter) add(name string, src []byte) {
	path := filepath.Join(l.dir, ".github", "workflows", "lint-"+strings.NewReplacer("/", "-", "..", "up").Replace(name))
	testfs.WriteFile(l.t, path, src)
	l.files[path] = name
}

// lint returns the findings per reported name.
func (l *linter) lint() map[string][]finding {
	l.t.Helper()
	bin, err := actionlintBin()
	if err != nil {
		l.t.Fatalf("build tools/actionlint: %v", err)
	}
	args := []string{"-root", l.dir}
	for p := range l.files {
		args = append(args, p)
	}
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		l.t.Fatalf("actionlint: %v: %s", err, stderr.String())
	}
	got := map[string][]finding{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var f finding
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			l.t.Fatalf("actionlint output %q: %v", sc.Text(), err)
		}
		name := l.files[f.File]
		got[name] = append(got[name], f)
	}
	return got
}

// TestActionlint lints every workflow the project ships or can emit with
// actionlint v1.7.12: zero findings.
func TestActionlint(t *testing.T) {
	l := newLinter(t)
	// Shipped: this folder, examples/, the repository's own workflows.
	var files []string
	for _, glob := range []string{"*.yml", "examples/*.yml", filepath.Join(repoRoot, ".github", "workflows", "*.yml")} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 6 {
		t.Fatalf("found only %d workflows to lint: %v", len(files), files)
	}
	for _, must := range []string{"ci.yml", "release.yml"} {
		if !slices.Contains(files, filepath.Join(repoRoot, ".github", "workflows", must)) {
			t.Errorf("the repository's own %s is not among the workflows linted: %v", must, files)
		}
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		l.add(f, src)
	}
	// Emittable: every style, with and without a schedule, with every
	// option set, against the local action and reusable workflow so their
	// inputs are checked.
	sched := guideSchedule(t)
	for name, o := range map[string]CallerOptions{
		"standalone":           {Action: "./"},
		"standalone-scheduled": {Action: "./", Schedule: sched, SchedulePath: "ci/schedule's.json"},
		"standalone-all": {Action: "./", Name: "hw tests", Runner: "self-hosted", Models: "bert,vit", Hardware: "cpu,my-npu",
			Shards: 3, MaxShardMinutes: 12.5, BudgetMinutes: 30, RunArgs: `--timeout 120s --workers "2"`, Python: "/opt/py/bin/python",
			Binary: "/opt/hwcov/hwcov", FailOnError: true, TimeoutMinutes: 90, Schedule: sched, SchedulePath: "schedule.json"},
		"standalone-pages": {Action: "./", Pages: true, Schedule: sched, SchedulePath: "schedule.json"},
		"standalone-pages-all": {Action: "./", Pages: true, Runner: "self-hosted", Binary: "/opt/hwcov/hwcov", FailOnError: true,
			Schedule: sched, SchedulePath: "schedule.json"},
		"reusable":           {Style: Reusable, Workflow: "./.github/workflows/hwcov.yml"},
		"reusable-scheduled": {Style: Reusable, Workflow: "./.github/workflows/hwcov.yml", Schedule: sched, SchedulePath: "schedule.json"},
		"reusable-all": {Style: Reusable, Workflow: "./.github/workflows/hwcov.yml", Category: "vision", Hardware: "all", Shards: 2,
			MaxShardMinutes: 10, BudgetMinutes: 20, RunArgs: "-v", Python: "python3", Binary: "bin/hwcov", FailOnError: true,
			Runner: "self-hosted", TimeoutMinutes: 30, Schedule: sched, SchedulePath: "schedule.json"},
	} {
		src, err := RenderCaller(o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		l.add(name+".yml", src)
	}
	for _, n := range []string{"hwcov", "hw tests"} {
		src, err := RenderComment(n, "./")
		if err != nil {
			t.Fatal(err)
		}
		l.add("comment-"+strings.ReplaceAll(n, " ", "-")+".yml", src)
	}
	src, err := RenderCommentWith(CommentOptions{Name: "hw tests", Action: "./", Runner: "self-hosted", Binary: "/opt/hwcov/hwcov"})
	if err != nil {
		t.Fatal(err)
	}
	l.add("comment-all.yml", src)
	for name, o := range map[string]PatchOptions{
		"patch":     {Action: "./"},
		"patch-all": {Action: "./", Name: "weekly fixes", Runner: "self-hosted", Hardware: "cpu,cuda,my-npu", Cron: "0 3 * * 0", MaxOpen: 2, TimeoutMinutes: 60, Binary: "/opt/hwcov/hwcov"},
	} {
		src, err := RenderPatch(o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		l.add(name+".yml", src)
	}
	src, err = RenderReusable("./", "")
	if err != nil {
		t.Fatal(err)
	}
	l.add("reusable-local.yml", src)
	for name, fs := range l.lint() {
		for _, f := range fs {
			t.Errorf("%s:%d:%d: %s [%s]", name, f.Line, f.Column, f.Message, f.Kind)
		}
	}
	t.Logf("actionlint: %d workflows, no findings", len(l.files))
}

// TestActionlintCatchesMistakes makes sure the lint above is not vacuous:
// an unknown runner label, an untrusted value in a script and an unknown
// input of the local action are reported.
func TestActionlintCatchesMistakes(t *testing.T) {
	l := newLinter(t)
	l.add("bad.yml", []byte(`name: bad
on: pull_request
jobs:
  a:
    runs-on: [self-hosted, linux, tpu]
    steps:
      - run: echo "${{ github.event.pull_request.title }}"
      - uses: ./
        with:
          command: plan
          no-such-input: x
`))
	kinds := map[string]bool{}
	for _, f := range l.lint()["bad.yml"] {
		kinds[f.Kind] = true
	}
	for _, k := range []string{"runner-label", "expression", "action"} {
		if !kinds[k] {
			t.Errorf("actionlint did not report a %s error; got %v", k, kinds)
		}
	}
}

// TestPagesJobs checks what --pages adds: the dashboard in the report job,
// its link in the comment, and the Pages deployment on scheduled runs only,
// with the permissions deploy-pages needs and no more elsewhere.
func TestPagesJobs(t *testing.T) {
	src, err := RenderCaller(CallerOptions{Pages: true, Schedule: guideSchedule(t), SchedulePath: "schedule.json"})
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			If          string            `yaml:"if"`
			Needs       any               `yaml:"needs"`
			Permissions map[string]string `yaml:"permissions"`
			Steps       []struct {
				Name string            `yaml:"name"`
				If   string            `yaml:"if"`
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(src, &wf); err != nil {
		t.Fatal(err)
	}
	pages := wf.Jobs["pages"]
	if !strings.Contains(pages.If, "github.event_name == 'schedule'") || pages.Needs != "report" ||
		pages.Permissions["pages"] != "write" || pages.Permissions["id-token"] != "write" ||
		len(pages.Steps) != 1 || pages.Steps[0].Uses != "actions/deploy-pages@v4" {
		t.Errorf("pages job = %+v", pages)
	}
	if wf.Jobs["report"].Permissions["pages"] != "" || wf.Permissions["pages"] != "" {
		t.Error("only the pages job may write to Pages")
	}
	var dashboard, upload, comment bool
	for _, s := range wf.Jobs["report"].Steps {
		switch {
		case s.With["command"] == "report dashboard":
			dashboard = s.With["args"] == "--db hwcov-history.duckdb --out hwcov-dashboard"
		case s.Uses == "actions/upload-pages-artifact@v4":
			upload = strings.Contains(s.If, "github.event_name == 'schedule'") && s.With["path"] == "hwcov-dashboard"
		case s.With["command"] == "comment":
			comment = strings.HasSuffix(s.With["args"], "--dashboard-url ${{ steps.dashboard.outputs.artifact-url }}")
		}
	}
	if !dashboard || !upload || !comment {
		t.Errorf("report job: dashboard step %v, pages upload on schedule %v, comment links the dashboard %v", dashboard, upload, comment)
	}
	plain, err := RenderCaller(CallerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(plain), "pages") || strings.Contains(string(plain), "dashboard") {
		t.Error("without Pages the workflow mentions pages or the dashboard")
	}
	if _, err := RenderCaller(CallerOptions{Pages: true, Style: Reusable}); err == nil {
		t.Error("Pages with the reusable style: no error")
	}
}
