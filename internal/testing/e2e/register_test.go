package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hwcov/hwcov/internal/testing/testfs"
)

// TestRegisterDryRun runs runners/register/register.sh --dry-run with a
// stand-in hwcov: the labels are the detected ones plus --labels, the token
// never appears, and bad input exits 2 with one line.
func TestRegisterDryRun(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	root := repoRoot(t)
	script := filepath.Join(root, "runners", "register", "register.sh")
	bin := t.TempDir()
	testfs.WriteFile(t, filepath.Join(bin, "hwcov"), []byte("#!/bin/sh\n[ \"$*\" = 'hardware detect --labels' ] && echo self-hosted,linux,cpu,cuda\n"))
	if err := os.Chmod(filepath.Join(bin, "hwcov"), 0o755); err != nil {
		t.Fatal(err)
	}
	runScript := func(env []string, args ...string) (string, error) {
		cmd := exec.Command("bash", append([]string{script}, args...)...)
		cmd.Dir = t.TempDir()
		cmd.Env = append([]string{"PATH=" + bin + ":" + os.Getenv("PATH"), "HOME=" + cmd.Dir}, env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	const secret = "ghs_not-a-real-token-0123456789"
	out, err := runScript([]string{"RUNNER_TOKEN=" + secret}, "--url", "https://github.com/acme/models", "--labels", "a100", "--name", "gpu-1", "--ephemeral", "--dry-run")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"runner gpu-1: labels self-hosted,linux,cpu,cuda,a100",
		"./config.sh --unattended --replace --url https://github.com/acme/models --name gpu-1 --labels self-hosted,linux,cpu,cuda,a100 --work _work --ephemeral",
		"would write HWCOV_RUNNER_LABELS=self-hosted,linux,cpu,cuda,a100",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, err = runScript([]string{"GITHUB_TOKEN=" + secret, "GITHUB_API_URL=https://ghe.example.com/api/v3"}, "--url", "https://github.com/acme", "--dry-run")
	if err != nil || !strings.Contains(out, "POST https://ghe.example.com/api/v3/orgs/acme/actions/runners/registration-token") {
		t.Errorf("org token: %v\n%s", err, out)
	}
	if strings.Contains(out, secret) {
		t.Errorf("the token was printed:\n%s", out)
	}
	for _, bad := range [][]string{
		{"--dry-run"},
		{"--url", "github.com/acme", "--dry-run"},
		{"--url", "https://github.com/acme/models", "--runner-version", "latest", "--dry-run"},
		{"--url", "https://github.com/acme/models", "--bogus"},
		{"--url", "https://github.com/acme/models", "--labels", "a b", "--dry-run"},
	} {
		out, err := runScript([]string{"RUNNER_TOKEN=" + secret}, bad...)
		var ee *exec.ExitError
		if !asExit(err, &ee) || ee.ExitCode() != 2 || strings.Count(strings.TrimSpace(out), "\n") > 1 || !strings.HasPrefix(out, "register.sh: ") && !strings.Contains(out, "\nregister.sh: ") {
			t.Errorf("%q: want exit 2 and one line, got %v:\n%s", bad, err, out)
		}
	}
	out, err = runScript(nil, "--url", "https://github.com/acme/models", "--dry-run")
	if err == nil || !strings.Contains(out, "set RUNNER_TOKEN") {
		t.Errorf("no token: %v\n%s", err, out)
	}
	if out, err := runScript(nil, "--help"); err != nil || !strings.Contains(out, "Usage:") || strings.Contains(out, "set -euo") {
		t.Errorf("--help: %v\n%s", err, out)
	}
}

func asExit(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	*target = e
	return ok
}

// TestARCValues checks the actions-runner-controller examples: one scale set
// per hardware label, named hwcov-<label> like its file.
func TestARCValues(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "runners", "register", "arc", "values-*.yaml"))
	if err != nil || len(files) < 3 {
		t.Fatalf("want arc/values-<label>.yaml files, got %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			URL      string `yaml:"githubConfigUrl"`
			Secret   string `yaml:"githubConfigSecret"`
			Name     string `yaml:"runnerScaleSetName"`
			Min      *int   `yaml:"minRunners"`
			Max      *int   `yaml:"maxRunners"`
			Template struct {
				Spec struct {
					Containers []struct {
						Name  string `yaml:"name"`
						Image string `yaml:"image"`
						Env   []struct{ Name, Value string }
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		}
		if err := yaml.Unmarshal(b, &v); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		label := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "values-"), ".yaml")
		if v.Name != "hwcov-"+label || v.URL == "" || v.Secret == "" || v.Min == nil || v.Max == nil || *v.Max < *v.Min || len(v.Template.Spec.Containers) != 1 {
			t.Errorf("%s: scale set %q, url %q, secret %q, %d containers", f, v.Name, v.URL, v.Secret, len(v.Template.Spec.Containers))
			continue
		}
		c := v.Template.Spec.Containers[0]
		if c.Name != "runner" || !strings.Contains(c.Image, ":") || strings.HasSuffix(c.Image, ":latest") {
			t.Errorf("%s: container %q image %q: want the runner container with a pinned image", f, c.Name, c.Image)
		}
		found := false
		for _, e := range c.Env {
			found = found || e.Name == "HWCOV_RUNNER_LABELS" && e.Value == v.Name
		}
		if !found {
			t.Errorf("%s: HWCOV_RUNNER_LABELS is not %s", f, v.Name)
		}
	}
}
