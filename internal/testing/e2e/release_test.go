package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// releaseTargets are the GOOS/GOARCH pairs every release ships, which
// action.yml maps the runner's RUNNER_OS/RUNNER_ARCH onto.
var releaseTargets = []string{"darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64"}

// TestGoreleaserConfig reads .goreleaser.yaml (goreleaser itself is not run
// here: `goreleaser check` in docs/ci.md) for what the release and the
// action rely on: one cgo build of ./cmd/hwcov for every release target,
// stamped with the tag's version, with -trimpath.
func TestGoreleaserConfig(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version     int    `yaml:"version"`
		ProjectName string `yaml:"project_name"`
		Builds      []struct {
			ID      string   `yaml:"id"`
			Main    string   `yaml:"main"`
			Binary  string   `yaml:"binary"`
			Env     []string `yaml:"env"`
			Flags   []string `yaml:"flags"`
			Ldflags []string `yaml:"ldflags"`
			Goos    []string `yaml:"goos"`
			Goarch  []string `yaml:"goarch"`
		} `yaml:"builds"`
	}
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for k := range raw {
		if !slices.Contains([]string{"version", "project_name", "builds", "snapshot"}, k) {
			t.Errorf(".goreleaser.yaml: key %q: the release job makes the archives and checksums itself (see the file's header)", k)
		}
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Version != 2 || cfg.ProjectName != "hwcov" || len(cfg.Builds) != 1 {
		t.Fatalf("version %d, project %q, %d builds; want 2, hwcov, 1", cfg.Version, cfg.ProjectName, len(cfg.Builds))
	}
	b := cfg.Builds[0]
	if b.ID != "hwcov" || b.Main != "./cmd/hwcov" || b.Binary != "hwcov" {
		t.Errorf("build id %q main %q binary %q", b.ID, b.Main, b.Binary)
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=1") {
		t.Errorf("env %q: DuckDB needs cgo", b.Env)
	}
	if !slices.Contains(b.Flags, "-trimpath") {
		t.Errorf("flags %q lack -trimpath", b.Flags)
	}
	if !strings.Contains(strings.Join(b.Ldflags, " "), "-X github.com/hwcov/hwcov/internal/face/cli.Version={{ .Tag }}") {
		t.Errorf("ldflags %q do not stamp the version", b.Ldflags)
	}
	var targets []string
	for _, goos := range b.Goos {
		for _, arch := range b.Goarch {
			targets = append(targets, goos+"/"+arch)
		}
	}
	slices.Sort(targets)
	if !slices.Equal(targets, releaseTargets) {
		t.Errorf("targets %v, want %v", targets, releaseTargets)
	}
}

// TestReleaseWorkflow checks .github/workflows/release.yml against the
// action that installs what it publishes: every target built once on a
// runner of its own, the archive named as action.yml downloads it, the
// goreleaser build, and write access only for the publishing job.
func TestReleaseWorkflow(t *testing.T) {
	root := repoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "release.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On struct {
			Push struct {
				Tags []string `yaml:"tags"`
			} `yaml:"push"`
		} `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			Permissions map[string]string `yaml:"permissions"`
			Strategy    struct {
				Matrix struct {
					Include []map[string]string `yaml:"include"`
				} `yaml:"matrix"`
			} `yaml:"strategy"`
			Steps []struct {
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
				Run  string            `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	// The tag filter takes version tags, not the moving major tag.
	tagRE := func(glob string) *regexp.Regexp {
		re := regexp.QuoteMeta(glob)
		re = strings.NewReplacer(`\[0-9\]\+`, `[0-9]+`, `\*`, `.*`).Replace(re)
		return regexp.MustCompile("^" + re + "$")
	}
	matches := func(tag string) bool {
		return slices.ContainsFunc(wf.On.Push.Tags, func(g string) bool { return tagRE(g).MatchString(tag) })
	}
	for tag, want := range map[string]bool{"v1.2.3": true, "v10.0.1": true, "v1.3.0-rc.1": true, "v1": false, "v1.2": false, "main": false} {
		if matches(tag) != want {
			t.Errorf("tag %s starts the release: %v, want %v (filters %q)", tag, !want, want, wf.On.Push.Tags)
		}
	}
	if wf.Permissions["contents"] != "read" || len(wf.Permissions) != 1 {
		t.Errorf("workflow permissions %v, want contents: read", wf.Permissions)
	}
	build, release := wf.Jobs["build"], wf.Jobs["release"]
	var targets, runners []string
	for _, m := range build.Strategy.Matrix.Include {
		targets = append(targets, m["goos"]+"/"+m["goarch"])
		runners = append(runners, m["runner"])
	}
	slices.Sort(targets)
	if !slices.Equal(targets, releaseTargets) {
		t.Errorf("build matrix %v, want %v", targets, releaseTargets)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(runners)))) != len(releaseTargets) {
		t.Errorf("runners %v: each target needs a native runner of its own", runners)
	}
	var goreleaser, archive bool
	for _, st := range build.Steps {
		if strings.HasPrefix(st.Uses, "goreleaser/goreleaser-action@") {
			goreleaser = strings.Contains(st.With["args"], "build --single-target") && regexp.MustCompile(`^v2\.\d+\.\d+$`).MatchString(st.With["version"])
		}
		archive = archive || strings.Contains(st.Run, `name="hwcov_${TAG#v}_${GOOS}_${GOARCH}.tar.gz"`)
	}
	if !goreleaser {
		t.Errorf("the build job does not run goreleaser build --single-target at a pinned v2 release")
	}
	if !archive {
		t.Errorf("the build job does not name its archive hwcov_<version>_<os>_<arch>.tar.gz")
	}
	if build.Permissions["contents"] == "write" || release.Permissions["contents"] != "write" {
		t.Errorf("contents: write belongs to the release job only: build %v, release %v", build.Permissions, release.Permissions)
	}
	var sums bool
	for _, st := range release.Steps {
		sums = sums || strings.Contains(st.Run, "sha256sum hwcov_*.tar.gz > checksums.txt")
	}
	if !sums {
		t.Errorf("the release job does not write checksums.txt")
	}

	// action.yml downloads the same names.
	action, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`archive="hwcov_${version}_${os}_${goarch}.tar.gz"`, "download checksums.txt",
		"Linux/X64) os=linux goarch=amd64", "Linux/ARM64) os=linux goarch=arm64",
		"macOS/X64) os=darwin goarch=amd64", "macOS/ARM64) os=darwin goarch=arm64"} {
		if !strings.Contains(string(action), want) {
			t.Errorf("action.yml lacks %q", want)
		}
	}
}
