package cli

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hwcov/hwcov/internal/testing/ghfake"
)

// TestScriptGitHub runs the CLI flows that talk to GitHub, in
// testdata/script_github, against a fake GitHub (internal/testing/ghfake) that
// validates every request against GitHub's OpenAPI description. Commands:
//
//	resultsdb OUT.duckdb SPEC.json        write a results database (see dbSpec)
//	fakegithub [-user-forbidden] [-per-page N]
//	                                       start the fake; sets GITHUB_API_URL, GITHUB_TOKEN, GITHUB_REPOSITORY
//	ghfail N 500|502|503|429|secondary|primary [SECONDS]
//	                                       the next N requests fail so
//	ghfail N applied-502 OPERATION         the next N requests of OPERATION are served, then answered 502
//	ghartifact [-branch B] [-event E] [-sha S] [-conclusion C] [-name N] [-expired] [-fork] FILE...
//	                                       a workflow run of hwcov.yml with an artifact of FILEs
//	ghpr N SHA                             a pull request and its head
//	ghcomment N LOGIN BODY                 a comment by someone
//	ghcomments N                           print the comments on N
//	ghcount OPERATION                      print how many requests of an operation were served
//	ghchecks                               print the check runs
//	ghcheck                                fail on spec violations, or the token in the last stdout/stderr
//	ghpulls                                print the pull requests: number, state, head, labels, title
//	ghpush BRANCH LOGIN PATH CONTENT       a person's commit of one file on BRANCH
//	ghfiles BRANCH                         print the branch's files, or "no branch"
func TestScriptGitHub(t *testing.T) {
	servers := &fakes{m: map[*testscript.TestScript]*ghfake.Server{}}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script_github",
		Setup: func(env *testscript.Env) error {
			env.Setenv("HWCOV_CACHE_DIR", filepath.Join(env.WorkDir, ".cache"))
			env.Setenv("GITHUB_ACTIONS", "")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"resultsdb":  cmdResultsDB,
			"fakegithub": servers.start,
			"ghfail":     servers.fail,
			"ghartifact": servers.artifact,
			"ghpr":       servers.pr,
			"ghcomment":  servers.comment,
			"ghcomments": servers.comments,
			"ghcount":    servers.count,
			"ghchecks":   servers.checks,
			"ghcheck":    servers.check,
			"ghpulls":    servers.pulls,
			"ghpush":     servers.push,
			"ghfiles":    servers.files,
		},
	})
}

func cmdResultsDB(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: resultsdb OUT.duckdb SPEC.json")
	}
	spec, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	ts.Check(writeDB(ts.MkAbs(args[0]), spec))
}

// fakes holds each script's fake GitHub.
type fakes struct {
	mu sync.Mutex
	m  map[*testscript.TestScript]*ghfake.Server
}

func (f *fakes) get(ts *testscript.TestScript) *ghfake.Server {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.m[ts]
	if s == nil {
		ts.Fatalf("run fakegithub first")
	}
	return s
}

func (f *fakes) start(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("fakegithub", flag.ContinueOnError)
	forbidden := fs.Bool("user-forbidden", false, "GET /user answers 403, as for a GITHUB_TOKEN")
	perPage := fs.Int("per-page", 0, "largest page")
	if neg || fs.Parse(args) != nil {
		ts.Fatalf("usage: fakegithub [-user-forbidden] [-per-page N]")
	}
	opts := ghfake.Options{UserForbidden: *forbidden, MaxPerPage: *perPage}
	if *forbidden {
		opts.Login = "github-actions[bot]"
	}
	s, err := ghfake.New(opts)
	ts.Check(err)
	f.mu.Lock()
	f.m[ts] = s
	f.mu.Unlock()
	ts.Defer(func() {
		s.Close()
		f.mu.Lock()
		delete(f.m, ts)
		f.mu.Unlock()
	})
	ts.Setenv("GITHUB_API_URL", strings.TrimSuffix(s.URL, "/"))
	ts.Setenv("GITHUB_TOKEN", s.Token())
	ts.Setenv("GITHUB_REPOSITORY", s.Repo())
	ts.Setenv("GH_TOKEN_TAIL", s.Token()[len(s.Token())-12:])
}

func (f *fakes) fail(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: ghfail N KIND [SECONDS]")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	secs := "1"
	if len(args) > 2 {
		secs = args[2]
	}
	var fault ghfake.Fault
	switch args[1] {
	case "500", "502", "503", "504":
		code, _ := strconv.Atoi(args[1])
		fault = ghfake.ServerError(code)
	case "429":
		s, _ := strconv.Atoi(secs)
		fault = ghfake.TooManyRequests(s)
	case "secondary":
		fault = ghfake.SecondaryLimit(secs)
	case "applied-502":
		if len(args) != 3 {
			ts.Fatalf("usage: ghfail N applied-502 OPERATION")
		}
		fault = ghfake.AppliedServerError(502, args[2])
	default:
		ts.Fatalf("ghfail: unknown kind %q", args[1])
	}
	f.get(ts).Fail(n, fault)
}

func (f *fakes) artifact(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("ghartifact", flag.ContinueOnError)
	branch := fs.String("branch", "main", "")
	event := fs.String("event", "push", "")
	sha := fs.String("sha", "", "")
	conclusion := fs.String("conclusion", "success", "")
	name := fs.String("name", "hwcov-db", "")
	expired := fs.Bool("expired", false, "")
	fork := fs.Bool("fork", false, "")
	if neg || fs.Parse(args) != nil {
		ts.Fatalf("usage: ghartifact [flags] FILE...")
	}
	files := map[string][]byte{}
	for _, p := range fs.Args() {
		data, err := os.ReadFile(ts.MkAbs(p))
		ts.Check(err)
		files[filepath.Base(p)] = data
	}
	s := f.get(ts)
	run := ghfake.WorkflowRun{Branch: *branch, Event: *event, HeadSHA: *sha, Conclusion: *conclusion,
		Artifacts: []ghfake.Artifact{{Name: *name, Expired: *expired, Files: files}}}
	if *fork {
		run.HeadRepo = "mallory/fork"
	}
	id := s.AddWorkflowRun(run)
	fmt.Fprintf(ts.Stdout(), "run %d\n", id)
}

func (f *fakes) pr(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: ghpr N SHA")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	f.get(ts).AddPullRequest(ghfake.PullRequest{Number: n, HeadSHA: args[1]})
}

func (f *fakes) comment(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: ghcomment N LOGIN BODY")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	f.get(ts).AddComment(n, args[1], strings.ReplaceAll(args[2], `\n`, "\n"))
}

func (f *fakes) comments(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: ghcomments N")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	cs := f.get(ts).Comments(n)
	fmt.Fprintf(ts.Stdout(), "%d comments\n", len(cs))
	for _, c := range cs {
		fmt.Fprintf(ts.Stdout(), "--- comment by %s, %d edits, %d characters\n%s\n", c.Login, c.Edits, len([]rune(c.Body)), c.Body)
	}
}

func (f *fakes) count(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: ghcount OPERATION")
	}
	fmt.Fprintf(ts.Stdout(), "%s: %d\n", args[0], f.get(ts).Count(args[0]))
}

func (f *fakes) checks(ts *testscript.TestScript, neg bool, args []string) {
	for _, c := range f.get(ts).CheckRuns() {
		fmt.Fprintf(ts.Stdout(), "check %q on %s: %s %s, %d requests, %d annotations\ntitle: %s\n",
			c.Name, c.HeadSHA, c.Status, c.Conclusion, c.Requests, len(c.Annotations), c.Title)
		for _, a := range c.Annotations {
			fmt.Fprintf(ts.Stdout(), "annotation %s %s:%d %s\n", a.AnnotationLevel, a.Path, a.StartLine, a.Title)
		}
		fmt.Fprintf(ts.Stdout(), "summary:\n%s\n", c.Summary)
	}
}

func (f *fakes) check(ts *testscript.TestScript, neg bool, args []string) {
	s := f.get(ts)
	if errs := s.Errors(); len(errs) > 0 {
		ts.Fatalf("fake GitHub recorded client errors:\n%s", strings.Join(errs, "\n"))
	}
	for _, name := range []string{"stdout", "stderr"} {
		if err := s.Leaks(ts.ReadFile(name)); err != nil {
			ts.Fatalf("%s: %v", name, err)
		}
	}
}

func (f *fakes) pulls(ts *testscript.TestScript, neg bool, args []string) {
	for _, p := range f.get(ts).Pulls() {
		fmt.Fprintf(ts.Stdout(), "#%d %s %s -> %s [%s] %s\n", p.Number, p.State, p.HeadRef, p.BaseRef, strings.Join(p.Labels, ","), p.Title)
	}
}

func (f *fakes) push(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: ghpush BRANCH LOGIN PATH CONTENT")
	}
	f.get(ts).Push(args[0], args[1], "edit "+args[2], map[string]string{args[2]: args[3]})
}

func (f *fakes) files(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: ghfiles BRANCH")
	}
	s := f.get(ts)
	if _, ok := s.Ref(args[0]); !ok {
		fmt.Fprintln(ts.Stdout(), "no branch")
		return
	}
	files := s.Files(args[0])
	for _, p := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(ts.Stdout(), "%s: %q\n", p, files[p])
	}
}
