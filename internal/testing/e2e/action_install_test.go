package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/testing/ghfake"
	"github.com/hwcov/hwcov/internal/testing/testfs"
)

// releaseVersion is the release the install tests publish.
const releaseVersion = "1.2.3"

// releaseArchive is hwcov_<version>_linux_amd64.tar.gz as the release
// workflow makes it (hwcov at the top, built with -trimpath and the version
// stamped), built once per test binary; or the file HWCOV_RELEASE_ARCHIVE
// names, such as the archive of a rehearsal of the release workflow's build
// job (goreleaser build --single-target at tag v1.2.3, then its Archive step).
var releaseArchive = sync.OnceValues(func() ([]byte, error) {
	if path := os.Getenv("HWCOV_RELEASE_ARCHIVE"); path != "" {
		return os.ReadFile(path)
	}
	dir, err := os.MkdirTemp("", "hwcov-release-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	bin := filepath.Join(dir, "hwcov")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags",
		"-s -w -X github.com/hwcov/hwcov/internal/face/cli.Version=v"+releaseVersion, "-o", bin, "./cmd/hwcov")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %v: %s", err, tail(string(out), 2000))
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"hwcov", 0o755, data}, {"README.md", 0o644, []byte("hwcov " + releaseVersion + "\n")}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: time.Unix(0, 0)}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
})

// publish publishes release v<version> of hwcov/hwcov on gh with the archive
// and a checksums.txt; a non-empty badSum replaces the archive's checksum.
func publish(t testing.TB, gh *ghfake.Server, version string, archive []byte, badSum string) {
	t.Helper()
	name := "hwcov_" + version + "_linux_amd64.tar.gz"
	sum := fmt.Sprintf("%x", sha256.Sum256(archive))
	if badSum != "" {
		sum = badSum
	}
	checksums := fmt.Sprintf("%x  hwcov_%s_darwin_arm64.tar.gz\n%s  %s\n", sha256.Sum256([]byte("other")), version, sum, name)
	gh.PublishRelease(ghfake.Release{Repo: "hwcov/hwcov", Tag: "v" + version, Assets: []ghfake.ReleaseAsset{
		{Name: "checksums.txt", ContentType: "text/plain", Data: []byte(checksums)},
		{Name: name, ContentType: "application/gzip", Data: archive},
	}})
}

// setupWorkflow has one job per ref, one after the other (so the later ones
// find what the earlier put in the tool cache). A ref may carry the
// hwcov-version input after a space ("main v1.2.3"). Each job stamps the
// time before the action and once hwcov has run, and the action runs
// `hwcov version` with the hwcov it got.
func setupWorkflow(refs ...string) string {
	var b strings.Builder
	b.WriteString("name: setup\non: push\njobs:\n")
	for i, spec := range refs {
		ref, version, _ := strings.Cut(spec, " ")
		fmt.Fprintf(&b, "  job%d:\n    runs-on: ubuntu-latest\n", i+1)
		if i > 0 {
			fmt.Fprintf(&b, "    needs: job%d\n", i)
		}
		fmt.Fprintf(&b, `    steps:
      - run: date +%%s%%N > "$HWCOV_TIMES/$GITHUB_JOB.start"
      - uses: hwcov/hwcov@%s
        with:
          command: version
`, ref)
		if version != "" {
			fmt.Fprintf(&b, "          hwcov-version: %s\n", version)
		}
		b.WriteString(`      - run: date +%s%N > "$HWCOV_TIMES/$GITHUB_JOB.ready"
`)
	}
	return b.String()
}

// setupRun is one act run of setupWorkflow.
type setupRun struct {
	results map[string]string // job -> result
	logs    map[string]string // job -> its log lines
	setup   map[string]time.Duration
	err     error
	out     string
}

// setupEnv is where setupWorkflow runs.
type setupEnv struct {
	act, work, repo string
	gh              *ghfake.Server
	// cache is act's action cache; its tool_cache is RUNNER_TOOL_CACHE.
	cache string
	// goCache, when set, is GOCACHE for the jobs.
	goCache string
	// source lists the refs that map to a copy of the source (for a build);
	// other refs starting with v map to a folder with action.yml alone.
	source map[string]bool
}

// newSetupEnv makes a user repository and a fake GitHub. The action's
// release refs map to a folder holding action.yml alone (a release needs
// no source), others to a copy of the repository's source (for the build).
func newSetupEnv(t testing.TB, act string) *setupEnv {
	t.Helper()
	root := repoRoot(t)
	work := t.TempDir()
	e := &setupEnv{act: act, work: work, repo: filepath.Join(work, "repo"), cache: filepath.Join(work, "act-cache"),
		gh: ghfake.NewT(t, ghfake.Options{Repo: "acme/models"}), source: map[string]bool{}}
	testfs.CopyFile(t, filepath.Join(root, "action.yml"), filepath.Join(work, "action-only", "action.yml"))
	copySource(t, root, filepath.Join(work, "source"))
	for _, d := range []string{e.repo, filepath.Join(work, "times")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// run writes the workflow for refs and runs it under act, with
// actions/setup-go@v5 mapped to the stand-in testdata/actions/<setupGo>
// (setup-go-forbidden where the jobs must not build).
func (e *setupEnv) run(t testing.TB, setupGo string, refs ...string) setupRun {
	t.Helper()
	root := repoRoot(t)
	testfs.WriteFile(t, filepath.Join(e.repo, ".github", "workflows", "setup.yml"), []byte(setupWorkflow(refs...)))
	if _, err := os.Stat(filepath.Join(e.repo, ".git")); err != nil {
		for _, args := range [][]string{
			{"init", "-q", "-b", "main"},
			{"remote", "add", "origin", "https://github.com/acme/models.git"},
		} {
			gitRun(t, e.repo, args...)
		}
	}
	gitRun(t, e.repo, "add", "-A")
	gitRun(t, e.repo, "-c", "user.name=hwcov", "-c", "user.email=hwcov@example.com", "commit", "-q", "--allow-empty", "-m", "setup")
	times := filepath.Join(e.work, "times")
	os.RemoveAll(times)
	os.MkdirAll(times, 0o755)
	args := []string{"push", "-W", ".github/workflows/setup.yml", "--json",
		"--no-cache-server", "--artifact-server-addr", "127.0.0.1", "--action-cache-path", e.cache,
		"--local-repository", "actions/setup-go@v5=" + filepath.Join(root, "internal", "testing", "e2e", "testdata", "actions", setupGo),
		"--env", "HWCOV_TIMES=" + times,
		"--env", "GITHUB_API_URL=" + strings.TrimSuffix(e.gh.URL, "/"),
		"-s", "GITHUB_TOKEN=" + e.gh.Token(),
		"-P", "ubuntu-latest=-self-hosted",
	}
	if e.goCache != "" {
		args = append(args, "--env", "GOCACHE="+e.goCache)
	}
	for _, spec := range refs {
		ref, _, _ := strings.Cut(spec, " ")
		dir := filepath.Join(e.work, "action-only")
		if !strings.HasPrefix(ref, "v") || e.source[ref] {
			dir = filepath.Join(e.work, "source")
		}
		args = append(args, "--local-repository", "hwcov/hwcov@"+ref+"="+dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.act, args...)
	cmd.Dir, cmd.Env, cmd.Stdin = e.repo, actEnv(e.work), nil
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	r := setupRun{err: cmd.Run(), results: map[string]string{}, logs: map[string]string{}, setup: map[string]time.Duration{}}
	events, perr := parseEvents(stdout.Bytes())
	if perr != nil {
		t.Fatalf("act --json: %v\n%s\n%s", perr, tail(stdout.String(), 3000), tail(stderr.String(), 2000))
	}
	var all strings.Builder
	for _, ev := range events {
		if ev.JobResult != "" {
			r.results[ev.JobID] = ev.JobResult
		}
		if ev.Msg != "" {
			r.logs[ev.JobID] += ev.Msg + "\n"
			fmt.Fprintf(&all, "[%s] %s\n", ev.JobID, strings.TrimRight(ev.Msg, "\n"))
		}
	}
	r.out = all.String() + "--- stderr ---\n" + tail(stderr.String(), 2000)
	for i := range refs {
		job := fmt.Sprintf("job%d", i+1)
		start, err1 := readStamp(filepath.Join(times, job+".start"))
		ready, err2 := readStamp(filepath.Join(times, job+".ready"))
		if err1 == nil && err2 == nil {
			r.setup[job] = ready.Sub(start)
		}
	}
	return r
}

// copySource copies the files git would commit (tracked, and untracked
// ones not ignored) from root to dst. act copies a local repository
// whole for every step of the action, so mapping the checkout itself
// would drag along .venv (gigabytes) and the browsers.
func copySource(t testing.TB, root, dst string) {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files in %s: %v", root, err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		from := filepath.Join(root, name)
		info, err := os.Lstat(from)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the work tree, or a link
		}
		testfs.CopyFile(t, from, filepath.Join(dst, name))
		if err := os.Chmod(filepath.Join(dst, name), info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

func readStamp(path string) (time.Time, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return time.Time{}, err
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, ns), nil
}

func gitRun(t testing.TB, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// installPrereqs skips when act, git or a Linux X64 host (the archive the
// tests publish) is missing, and returns act.
func installPrereqs(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("long: runs the action under nektos/act (run without -short)")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	if host := runtime.GOOS + "/" + runtime.GOARCH; host != "linux/amd64" {
		t.Skipf("the published test archive is linux_amd64, this is %s", host)
	}
	return actBinary(t, repoRoot(t))
}

// TestActionInstallsRelease runs the action at a release tag under act: it
// downloads the release's archive and checksums.txt from the fake GitHub,
// checks the SHA-256, keeps hwcov in the tool cache and runs it, without Go
// (setup-go is mapped to a stand-in that fails). The next job, at the
// moving tag v1, resolves it to the newest v1 release and takes hwcov from
// the tool cache without a download.
func TestActionInstallsRelease(t *testing.T) {
	act := installPrereqs(t)
	archive, err := releaseArchive()
	if err != nil {
		t.Fatal(err)
	}
	e := newSetupEnv(t, act)
	publish(t, e.gh, "1.1.0", []byte("an older release"), "")
	publish(t, e.gh, releaseVersion, archive, "")
	publish(t, e.gh, "2.0.0", []byte("the next major"), "")
	r := e.run(t, "setup-go-forbidden", "v"+releaseVersion, "v1")
	if r.err != nil || r.results["job1"] != "success" || r.results["job2"] != "success" {
		t.Fatalf("act: %v, jobs %v\n%s", r.err, r.results, tail(r.out, 8000))
	}
	first, second := r.logs["job1"], r.logs["job2"]
	for _, want := range []string{
		"verified hwcov_1.2.3_linux_amd64.tar.gz: sha256 ",
		"hwcov v1.2.3 installed from the release of hwcov/hwcov into the tool cache: ",
		"hwcov v1.2.3 (catalog:", // hwcov ran: `hwcov version` through the action
	} {
		if !strings.Contains(first, want) {
			t.Errorf("job1 log lacks %q:\n%s", want, tail(first, 4000))
		}
	}
	for _, want := range []string{"hwcov v1 is release v1.2.3", "hwcov v1.2.3 from the tool cache: ", "hwcov v1.2.3 (catalog:"} {
		if !strings.Contains(second, want) {
			t.Errorf("job2 log lacks %q:\n%s", want, tail(second, 4000))
		}
	}
	for _, log := range []string{first, second} {
		if strings.Contains(log, "go build") || strings.Contains(log, "building hwcov") {
			t.Errorf("a job built hwcov:\n%s", tail(log, 4000))
		}
	}
	// Two downloads (archive, checksums.txt), both in the first job.
	if n := e.gh.Count("repos/get-release-asset"); n != 2 {
		t.Errorf("%d asset downloads, want 2", n)
	}
	for _, req := range e.gh.Requests() {
		if req.Login == "" && !strings.HasPrefix(req.Operation, "blob/") {
			t.Errorf("%s %s without the token", req.Method, req.Path)
		}
	}
	cached := filepath.Join(e.cache, "tool_cache", "hwcov", releaseVersion, "x64")
	if fi, err := os.Stat(filepath.Join(cached, "hwcov")); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("tool cache: %v", err)
	}
	if _, err := os.Stat(cached + ".complete"); err != nil {
		t.Errorf("tool cache marker: %v", err)
	}
	t.Logf("set-up: %v (download), %v (tool cache)", r.setup["job1"].Round(time.Millisecond), r.setup["job2"].Round(time.Millisecond))
}

// TestActionChecksumMismatch publishes a checksums.txt that does not match
// the archive: the step fails naming the file, and nothing is cached.
func TestActionChecksumMismatch(t *testing.T) {
	act := installPrereqs(t)
	archive, err := releaseArchive()
	if err != nil {
		t.Fatal(err)
	}
	e := newSetupEnv(t, act)
	publish(t, e.gh, releaseVersion, archive, strings.Repeat("0", 64))
	r := e.run(t, "setup-go-forbidden", "v"+releaseVersion)
	if r.results["job1"] != "failure" {
		t.Fatalf("job1: %q, want failure\n%s", r.results["job1"], tail(r.out, 8000))
	}
	want := "checksum mismatch for hwcov_1.2.3_linux_amd64.tar.gz: checksums.txt of v1.2.3 says sha256 " + strings.Repeat("0", 64) + ", the download is "
	if !strings.Contains(r.logs["job1"], want) {
		t.Errorf("job1 log lacks %q:\n%s", want, tail(r.logs["job1"], 4000))
	}
	if strings.Contains(r.logs["job1"], "hwcov v1.2.3 (catalog:") {
		t.Errorf("hwcov ran after a checksum mismatch")
	}
	if _, err := os.Stat(filepath.Join(e.cache, "tool_cache", "hwcov", releaseVersion)); err == nil {
		t.Errorf("the mismatched archive went into the tool cache")
	}
}

// TestActionBuildsNonRelease runs the action at a branch: no release is
// looked up, the log says hwcov is built from source, and the built hwcov
// runs.
func TestActionBuildsNonRelease(t *testing.T) {
	act := installPrereqs(t)
	e := newSetupEnv(t, act)
	r := e.run(t, "setup-go", "main")
	if r.err != nil || r.results["job1"] != "success" {
		t.Fatalf("act: %v, jobs %v\n%s", r.err, r.results, tail(r.out, 8000))
	}
	log := r.logs["job1"]
	for _, want := range []string{
		`the action's ref "main" is not a release (a branch or a commit): building hwcov from its source`,
		"built hwcov main from the action's source: ",
		`::notice title=hwcov::the action's ref "main" is not a release`,
		"hwcov main (catalog:",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, tail(log, 4000))
		}
	}
	if n := len(e.gh.Requests()); n != 0 {
		t.Errorf("%d requests to GitHub, want none: %+v", n, e.gh.Requests())
	}
}

// TestActionMissingRelease: the action at a version tag that has no
// release (a tag pushed before its release was published) warns and builds
// from source; hwcov-version naming a missing release fails the step; and
// hwcov-version on a branch ref installs that release, not a build.
func TestActionMissingRelease(t *testing.T) {
	act := installPrereqs(t)
	archive, err := releaseArchive()
	if err != nil {
		t.Fatal(err)
	}
	e := newSetupEnv(t, act)
	e.source["v9.9.9"] = true
	publish(t, e.gh, releaseVersion, archive, "")
	r := e.run(t, "setup-go", "v9.9.9", "main v"+releaseVersion)
	if r.err != nil || r.results["job1"] != "success" || r.results["job2"] != "success" {
		t.Fatalf("act: %v, jobs %v\n%s", r.err, r.results, tail(r.out, 8000))
	}
	for job, wants := range map[string][]string{
		"job1": {"::warning title=hwcov::hwcov/hwcov has no release v9.9.9; building hwcov from the action's source instead",
			"built hwcov v9.9.9 from the action's source: ", "hwcov v9.9.9 (catalog:"},
		"job2": {"hwcov v1.2.3 installed from the release of hwcov/hwcov into the tool cache: ", "hwcov v1.2.3 (catalog:"},
	} {
		for _, want := range wants {
			if !strings.Contains(r.logs[job], want) {
				t.Errorf("%s log lacks %q:\n%s", job, want, tail(r.logs[job], 4000))
			}
		}
	}
	if strings.Contains(r.logs["job2"], "built hwcov") {
		t.Errorf("job2 built hwcov although hwcov-version names a release")
	}

	r = e.run(t, "setup-go-forbidden", "main v1.0.0")
	if r.results["job1"] != "failure" {
		t.Fatalf("hwcov-version v1.0.0 (no such release): job %q, want failure\n%s", r.results["job1"], tail(r.out, 8000))
	}
	if want := "::error title=hwcov::hwcov-version v1.0.0: hwcov/hwcov has no release v1.0.0"; !strings.Contains(r.logs["job1"], want) {
		t.Errorf("log lacks %q:\n%s", want, tail(r.logs["job1"], 4000))
	}
}

// BenchmarkActionSetup measures the action's set-up under act, from the
// step before it to the step after it has run `hwcov version` (the hwcov
// step itself takes milliseconds):
//
//   - release-cold: the release served by the fake GitHub, empty tool cache
//     and an empty GOCACHE (no Go is needed);
//   - release-warm: the same with the tool cache filled by a previous job;
//   - source-cold: the action at a branch, built from source with GOCACHE
//     an empty folder (the module cache and Go itself are this machine's:
//     on a fresh GitHub runner setup-go adds their download).
//
// Run it with: go test ./internal/testing/e2e -run '^$' -bench ActionSetup -benchtime 1x
func BenchmarkActionSetup(b *testing.B) {
	act := installPrereqs(b)
	archive, err := releaseArchive()
	if err != nil {
		b.Fatal(err)
	}
	measure := func(b *testing.B, warm bool, setupGo, ref string) {
		var total time.Duration
		for range b.N {
			b.StopTimer()
			e := newSetupEnv(b, act)
			e.goCache = b.TempDir()
			publish(b, e.gh, releaseVersion, archive, "")
			if warm {
				if r := e.run(b, setupGo, ref); r.results["job1"] != "success" {
					b.Fatalf("filling the tool cache: %v\n%s", r.results, tail(r.out, 4000))
				}
			}
			b.StartTimer()
			r := e.run(b, setupGo, ref)
			b.StopTimer()
			if r.results["job1"] != "success" || r.setup["job1"] == 0 {
				b.Fatalf("act: %v %v\n%s", r.err, r.results, tail(r.out, 4000))
			}
			total += r.setup["job1"]
		}
		b.ReportMetric(total.Seconds()/float64(b.N), "s/setup")
	}
	b.Run("release-cold", func(b *testing.B) { measure(b, false, "setup-go-forbidden", "v"+releaseVersion) })
	b.Run("release-warm", func(b *testing.B) { measure(b, true, "setup-go-forbidden", "v"+releaseVersion) })
	b.Run("source-cold", func(b *testing.B) { measure(b, false, "setup-go", "main") })
}
