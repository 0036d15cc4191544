package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hwcov/hwcov/internal/baseline"
	"github.com/hwcov/hwcov/internal/face/action"
	"github.com/hwcov/hwcov/internal/testing/ghfake"
	"github.com/hwcov/hwcov/workflows"
)

// workflowStep is a step of a rendered workflow, as far as these tests read it.
type workflowStep struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	With map[string]string `yaml:"with"`
}

// stepsOf returns the steps of job in a rendered workflow.
func stepsOf(t *testing.T, src []byte, job string) []workflowStep {
	t.Helper()
	var wf struct {
		Jobs map[string]struct {
			Steps []workflowStep `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(src, &wf); err != nil {
		t.Fatal(err)
	}
	j, ok := wf.Jobs[job]
	if !ok {
		t.Fatalf("no job %q", job)
	}
	return j.Steps
}

// stepArgs returns the hwcov command line of the step named name (the
// action's command and args), with expressions replaced by exprs.
func stepArgs(t *testing.T, steps []workflowStep, name string, exprs map[string]string) []string {
	t.Helper()
	for _, s := range steps {
		if s.Name != name {
			continue
		}
		args := s.With["args"]
		for k, v := range exprs {
			args = strings.ReplaceAll(args, "${{ "+k+" }}", v)
		}
		if strings.Contains(args, "${{") {
			t.Fatalf("step %q: unreplaced expression in %q", name, args)
		}
		split, err := action.SplitArgs(args)
		if err != nil {
			t.Fatal(err)
		}
		return append(strings.Fields(s.With["command"]), split...)
	}
	t.Fatalf("no step %q", name)
	return nil
}

// uploadPaths returns the files the upload step of artifact name uploads.
func uploadPaths(t *testing.T, steps []workflowStep, name string) []string {
	t.Helper()
	for _, s := range steps {
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") && s.With["name"] == name {
			return strings.Fields(s.With["path"])
		}
	}
	t.Fatalf("no upload of %q", name)
	return nil
}

// TestForkRouteCommentsTheComparison plays a fork's pull request through the
// rendered workflows against the fake GitHub: the report job of hwcov.yml
// fetches the base branch's database and uploads hwcov-report; the
// workflow_run job of hwcov-comment.yml comments with what it downloads. The
// comment must hold the comparison with the base, or, for the pull request
// that adds hwcov, say that there is no baseline yet.
func TestForkRouteCommentsTheComparison(t *testing.T) {
	caller, err := workflows.RenderCaller(workflows.CallerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	comment, err := workflows.RenderComment("", "")
	if err != nil {
		t.Fatal(err)
	}
	report := stepsOf(t, caller, "report")
	fetchArgs := stepArgs(t, report, "Fetch the base branch's results", nil)
	uploads := uploadPaths(t, report, "hwcov-report")
	commentArgs := stepArgs(t, stepsOf(t, comment, "comment"), "Comment on the pull request",
		map[string]string{"github.event.workflow_run.id": "555"})

	for _, tc := range []struct {
		name      string
		baseline  bool
		want, not []string
	}{
		{"with a baseline", true, []string{"### hwcov: ❌ 1 new failure", "#7 @ `bbbb` vs `main` @ `aaaa`"}, []string{"no baseline"}},
		{"first pull request", false, []string{"no baseline to compare with", "no baseline yet: the base branch has no hwcov run of `hwcov.yml`"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newInProcess(t, ghfake.Options{})
			base, head := twoDBs(t)
			if tc.baseline {
				data, err := os.ReadFile(base)
				if err != nil {
					t.Fatal(err)
				}
				p.srv.AddWorkflowRun(ghfake.WorkflowRun{HeadSHA: "aaaa", Artifacts: []ghfake.Artifact{
					{Name: "hwcov-report", Files: map[string][]byte{"hwcov.duckdb": data}}}})
			}
			sha := strings.Repeat("b", 40)
			p.srv.AddPullRequest(ghfake.PullRequest{Number: 12, HeadSHA: sha, HeadRepo: "mallory/fork"})

			// The pull_request run (the fork's, read-only token).
			job := t.TempDir()
			t.Chdir(job)
			copyFile(t, head, "hwcov.duckdb")
			p.env["GITHUB_BASE_REF"] = "main"
			p.env["GITHUB_WORKFLOW_REF"] = p.srv.Repo() + "/.github/workflows/hwcov.yml@refs/pull/12/merge"
			if code, out, errs := p.run(fetchArgs...); code != ExitOK {
				t.Fatalf("%v: exit %d\n%s%s", fetchArgs, code, out, errs)
			}
			writeFile(t, "hwcov-pr.json", `{"number": 12, "head_sha": "`+sha+`", "run_id": "555"}`)
			// upload-artifact, then download-artifact into hwcov-report/.
			for _, f := range uploads {
				if _, err := os.Stat(f); err == nil {
					copyFile(t, f, filepath.Join("hwcov-report", f))
				}
			}

			// The workflow_run job, from the default branch.
			t.Chdir(t.TempDir())
			if err := os.CopyFS("hwcov-report", os.DirFS(filepath.Join(job, "hwcov-report"))); err != nil {
				t.Fatal(err)
			}
			event := filepath.Join(t.TempDir(), "event.json")
			writeFile(t, event, `{"action": "completed", "workflow_run": {"id": 555, "event": "pull_request", "head_sha": "`+sha+`"}}`)
			p.env["GITHUB_EVENT_PATH"] = event
			delete(p.env, "GITHUB_BASE_REF")
			p.env["GITHUB_WORKFLOW_REF"] = p.srv.Repo() + "/.github/workflows/hwcov-comment.yml@refs/heads/main"
			if code, out, errs := p.run(commentArgs...); code != ExitOK || !strings.HasPrefix(out, "comment created: ") {
				t.Fatalf("%v: exit %d\n%s%s", commentArgs, code, out, errs)
			}
			cs := p.srv.Comments(12)
			if len(cs) != 1 {
				t.Fatalf("comments = %d, want 1", len(cs))
			}
			for _, w := range tc.want {
				if !strings.Contains(cs[0].Body, w) {
					t.Errorf("comment lacks %q:\n%s", w, cs[0].Body)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(cs[0].Body, w) {
					t.Errorf("comment has %q:\n%s", w, cs[0].Body)
				}
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, string(data))
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWorkflowFile: the baseline is looked up in the runs of the workflow
// file this run is of. In a reusable workflow GITHUB_WORKFLOW_REF still names
// the caller's file, whose runs hold the artifacts.
func TestWorkflowFile(t *testing.T) {
	for _, tc := range []struct{ ref, want string }{
		{"octo/models/.github/workflows/ci.yml@refs/heads/main", "ci.yml"},
		{"octo/models/.github/workflows/hwcov-tests.yaml@refs/pull/7/merge", "hwcov-tests.yaml"},
		{"octo/models/.github/workflows/ci.yml@0123456789abcdef0123456789abcdef01234567", "ci.yml"},
		{"octo/models/.github/workflows/ci.yml", "ci.yml"},
		{"", "hwcov.yml"},
		{"octo/models/.github/workflows/@refs/heads/main", "hwcov.yml"},
		{"octo/models/.github/workflows/sub/x.yml@refs/heads/main", "hwcov.yml"},
		{"garbage", "hwcov.yml"},
	} {
		if got := baseline.WorkflowFile(tc.ref); got != tc.want {
			t.Errorf("workflowFile(%q) = %q, want %q", tc.ref, got, tc.want)
		}
	}
}
