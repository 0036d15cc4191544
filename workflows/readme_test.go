package workflows

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// readmeSnippet is the workflow README.md's "In a workflow" section tells a
// user to paste.
func readmeSnippet(t *testing.T) []byte {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## In a workflow\n")
	if !ok {
		t.Fatal(`README.md has no "## In a workflow" section`)
	}
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(section)
	if m == nil {
		t.Fatal(`README.md's "In a workflow" section has no yaml block`)
	}
	return []byte(m[1])
}

// permLevel ranks a permission: none < read < write.
func permLevel(v string) int {
	switch v {
	case "read":
		return 1
	case "write":
		return 2
	}
	return 0
}

// permissions reads a permissions value: a mapping, read-all, write-all, or
// absent (nil).
func permissions(t *testing.T, node *yaml.Node) map[string]string {
	t.Helper()
	if node == nil || node.Kind == 0 {
		return nil
	}
	if node.Kind == yaml.ScalarNode {
		switch node.Value {
		case "read-all", "write-all":
			level := strings.TrimSuffix(node.Value, "-all")
			out := map[string]string{}
			for _, s := range []string{"actions", "checks", "contents", "deployments", "id-token", "issues",
				"packages", "pages", "pull-requests", "statuses", "security-events", "attestations"} {
				out[s] = level
			}
			return out
		}
		t.Fatalf("permissions: %q", node.Value)
	}
	var m map[string]string
	if err := node.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

type workflowFile struct {
	On          yaml.Node `yaml:"on"`
	Permissions yaml.Node `yaml:"permissions"`
	Jobs        map[string]struct {
		Uses        string    `yaml:"uses"`
		Permissions yaml.Node `yaml:"permissions"`
	} `yaml:"jobs"`
}

// TestReadmeSnippet: the workflow the README tells users to paste parses,
// lints clean, runs on pushes to the default branch (so baselines exist),
// and grants every permission a job of the reusable workflow declares: a
// called workflow's jobs cannot get more than the caller's job grants, and
// a job asking for more fails before it starts. The caller `hwcov workflow
// generate --style reusable` writes must grant them too.
func TestReadmeSnippet(t *testing.T) {
	src := readmeSnippet(t)
	var wf workflowFile
	if err := yaml.Unmarshal(src, &wf); err != nil {
		t.Fatalf("the README snippet does not parse: %v\n%s", err, src)
	}

	var on map[string]struct {
		Branches []string `yaml:"branches"`
	}
	if err := wf.On.Decode(&on); err != nil {
		t.Fatalf("on: want a mapping of events: %v", err)
	}
	if _, ok := on["pull_request"]; !ok {
		t.Error("the snippet does not run on pull_request")
	}
	if push, ok := on["push"]; !ok || !slices.Contains(push.Branches, "main") {
		t.Errorf("the snippet does not run on push to main (the baselines): %+v", on)
	}

	coversReusable(t, src)
	generated, err := RenderCaller(CallerOptions{Style: Reusable})
	if err != nil {
		t.Fatal(err)
	}
	coversReusable(t, generated)

	// actionlint, with the reusable workflow local so the inputs are checked.
	l := newLinter(t)
	l.add("README-snippet.yml", []byte(regexp.MustCompile(`hwcov/hwcov/\.github/workflows/hwcov\.yml@\S+`).
		ReplaceAllString(string(src), "./.github/workflows/hwcov.yml")))
	for name, fs := range l.lint() {
		for _, f := range fs {
			t.Errorf("%s:%d:%d: %s [%s]", name, f.Line, f.Column, f.Message, f.Kind)
		}
	}
}

// coversReusable checks that the job of src calling the reusable workflow
// grants every permission a job of the reusable workflow declares.
func coversReusable(t *testing.T, src []byte) {
	t.Helper()
	var wf workflowFile
	if err := yaml.Unmarshal(src, &wf); err != nil {
		t.Fatal(err)
	}
	reusable, err := os.ReadFile("hwcov.yml")
	if err != nil {
		t.Fatal(err)
	}
	var called workflowFile
	if err := yaml.Unmarshal(reusable, &called); err != nil {
		t.Fatal(err)
	}
	need := map[string]string{}
	for name, job := range called.Jobs {
		perms := permissions(t, &job.Permissions)
		if perms == nil {
			perms = permissions(t, &called.Permissions)
		}
		for scope, level := range perms {
			if permLevel(level) > permLevel(need[scope]) {
				need[scope] = level
			}
		}
		if len(perms) == 0 {
			t.Errorf("reusable workflow job %s declares no permissions", name)
		}
	}

	callers := 0
	for name, job := range wf.Jobs {
		if !strings.HasPrefix(job.Uses, "hwcov/hwcov/.github/workflows/hwcov.yml@") {
			continue
		}
		callers++
		granted := permissions(t, &job.Permissions)
		if granted == nil {
			granted = permissions(t, &wf.Permissions)
		}
		for scope, level := range need {
			if permLevel(granted[scope]) < permLevel(level) {
				t.Errorf("job %s grants %s: %q, the reusable workflow's jobs need %q", name, scope, granted[scope], level)
			}
		}
	}
	if callers != 1 {
		t.Fatalf("%d jobs call the reusable workflow, want 1", callers)
	}
}
