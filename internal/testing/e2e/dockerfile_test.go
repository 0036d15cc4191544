package e2e

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	Line int
	Cmd  string // upper case: FROM, RUN, ...
	Args string
}

// parseDockerfile reads instructions: comments and the parser directive are
// skipped, lines ending in a backslash are joined.
func parseDockerfile(t *testing.T, data string) []instruction {
	t.Helper()
	var out []instruction
	sc := bufio.NewScanner(strings.NewReader(data))
	var cur strings.Builder
	start, n := 0, 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() > 0 && strings.HasPrefix(line, "#") {
			continue // a comment inside a continued instruction
		}
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{Line: start, Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args)})
		cur.Reset()
	}
	if cur.Len() > 0 {
		t.Fatalf("Dockerfile ends inside a continued instruction (line %d)", start)
	}
	return out
}

// TestDockerfile checks the Dockerfile without a Docker engine (none here):
// known instructions, two stages with tagged base images, COPY --from naming
// an earlier stage, COPY sources that exist and are not in .dockerignore,
// the Go version of go.mod, and the binary handed from the build stage to the
// runtime stage.
func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "# syntax=docker/dockerfile:1\n") {
		t.Errorf("Dockerfile: want the BuildKit syntax directive first (RUN --mount needs it)")
	}
	ins := parseDockerfile(t, string(data))
	known := map[string]bool{"FROM": true, "RUN": true, "COPY": true, "ADD": true, "ENV": true, "ARG": true, "WORKDIR": true,
		"ENTRYPOINT": true, "CMD": true, "USER": true, "LABEL": true, "EXPOSE": true, "VOLUME": true, "HEALTHCHECK": true,
		"SHELL": true, "STOPSIGNAL": true, "ONBUILD": true}
	args := map[string]string{}
	var stages []string
	stageOf := map[string]int{}
	buildOut, copiedBin := "", ""
	ignored := dockerignore(t, root)
	for _, in := range ins {
		if !known[in.Cmd] {
			t.Errorf("line %d: unknown instruction %s", in.Line, in.Cmd)
			continue
		}
		switch in.Cmd {
		case "ARG":
			if len(stages) == 0 {
				k, v, _ := strings.Cut(in.Args, "=")
				args[k] = v
			}
		case "FROM":
			f := strings.Fields(in.Args)
			if len(f) != 3 || !strings.EqualFold(f[1], "AS") {
				t.Errorf("line %d: FROM %s: name every stage (FROM image AS name)", in.Line, in.Args)
				continue
			}
			image := regexp.MustCompile(`\$\{(\w+)\}`).ReplaceAllStringFunc(f[0], func(m string) string {
				v, ok := args[strings.Trim(m, "${}")]
				if !ok {
					t.Errorf("line %d: %s is not a global ARG", in.Line, m)
				}
				return v
			})
			if !strings.Contains(image, ":") || strings.HasSuffix(image, ":latest") {
				t.Errorf("line %d: base image %q: pin a tag", in.Line, image)
			}
			if _, dup := stageOf[f[2]]; dup {
				t.Errorf("line %d: stage %q named twice", in.Line, f[2])
			}
			stageOf[f[2]] = len(stages)
			stages = append(stages, image)
		case "COPY", "ADD":
			f := strings.Fields(in.Args)
			from := ""
			var paths []string
			for _, a := range f {
				if v, ok := strings.CutPrefix(a, "--from="); ok {
					from = v
				} else if !strings.HasPrefix(a, "--") {
					paths = append(paths, a)
				}
			}
			if len(paths) < 2 {
				t.Errorf("line %d: %s needs a source and a destination", in.Line, in.Cmd)
				continue
			}
			if from != "" {
				if i, ok := stageOf[from]; !ok || i >= len(stages)-1 {
					t.Errorf("line %d: COPY --from=%s: no earlier stage of that name", in.Line, from)
				}
				copiedBin = paths[0]
				continue
			}
			for _, src := range paths[:len(paths)-1] {
				if _, err := os.Stat(filepath.Join(root, src)); err != nil {
					t.Errorf("line %d: COPY %s: %v", in.Line, src, err)
				}
				if src != "." && ignored(src) {
					t.Errorf("line %d: COPY %s: excluded by .dockerignore", in.Line, src)
				}
			}
		case "RUN":
			if m := regexp.MustCompile(`go build .*-o (\S+) \./cmd/hwcov`).FindStringSubmatch(in.Args); m != nil {
				buildOut = m[1]
			}
		}
	}
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage build, got stages %v", stages)
	}
	if !strings.HasPrefix(stages[0], "golang:") || !strings.HasPrefix(stages[len(stages)-1], "python:3.11-slim") {
		t.Errorf("stages %v: want golang first and python:3.11-slim last", stages)
	}
	gomod, _ := os.ReadFile(filepath.Join(root, "go.mod"))
	if m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(gomod); m == nil || args["GO_VERSION"] != string(m[1]) {
		t.Errorf("ARG GO_VERSION=%s, go.mod says go %s", args["GO_VERSION"], m[1])
	}
	if buildOut == "" || buildOut != copiedBin {
		t.Errorf("the build stage writes %q, the runtime stage copies %q", buildOut, copiedBin)
	}
	if last := ins[len(ins)-2]; last.Cmd != "ENTRYPOINT" || last.Args != `["hwcov"]` {
		t.Errorf("want ENTRYPOINT [\"hwcov\"] before CMD, got %s %s", last.Cmd, last.Args)
	}
	for _, must := range []string{".venv", ".git", "bin"} {
		if !ignored(must) {
			t.Errorf(".dockerignore: %s should be excluded from the build context", must)
		}
	}
}

// dockerignore returns whether a repository path is excluded by .dockerignore
// (its simple forms: folder/ and path patterns).
func dockerignore(t *testing.T, root string) func(string) bool {
	data, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	var pats []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			pats = append(pats, strings.TrimSuffix(strings.TrimPrefix(l, "**/"), "/"))
		}
	}
	return func(p string) bool {
		for _, pat := range pats {
			for q := p; q != "." && q != "/"; q = filepath.Dir(q) {
				if ok, _ := filepath.Match(pat, q); ok {
					return true
				}
				if ok, _ := filepath.Match(pat, filepath.Base(q)); ok && strings.Contains(pat, "*") {
					return true
				}
			}
		}
		return false
	}
}
