//go:build unix

package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// The helper process: the test binary re-executed with HWCOV_STORE_HELPER set
// runs one of these instead of the tests (the os/exec TestHelperProcess
// pattern).
const helperEnv = "HWCOV_STORE_HELPER"

func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process for other tests")
	}
	path := os.Getenv("HWCOV_STORE_PATH")
	ctx := context.Background()
	db, err := Open(path, Options{Create: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(3)
	}
	switch mode {
	case "record-then-kill":
		n, _ := strconv.Atoi(os.Getenv("HWCOV_STORE_N"))
		if err := db.BeginRun(ctx, results.Run{RunID: "killed", StartedAt: time.Now()}); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(3)
		}
		for i := range n {
			r := results.Result{RunID: "killed", TestID: fmt.Sprintf("arch%d@cpu/fp32/b1/s128", i),
				Status: results.StatusPass, SamplesMS: []float64{1, 2, 3}, FinishedAt: time.Now()}
			if err := db.Record(ctx, r); err != nil {
				fmt.Fprintln(os.Stderr, "helper:", err)
				os.Exit(3)
			}
		}
		// No Close, no checkpoint: die the way an OOM-killed shard does.
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	case "hold-lock":
		fmt.Println("ready")
		bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
		db.Close()
		os.Exit(0)
	}
	os.Exit(3)
}

func helper(t *testing.T, mode, path string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "HWCOV_STORE_PATH="+path)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestKilledProcessKeepsRecordedResults(t *testing.T) {
	const n = 25
	path := filepath.Join(t.TempDir(), "shard.duckdb")
	cmd := helper(t, "record-then-kill", path, "HWCOV_STORE_N="+strconv.Itoa(n))
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("helper: %v, want it killed", err)
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("helper ended with %v, want SIGKILL", err)
	}
	if _, err := os.Stat(path + ".wal"); err != nil {
		t.Logf("no write-ahead log left (%v); the results were checkpointed", err)
	}

	// A merge reads the killed shard with its write-ahead log (staged with it).
	into, _ := openNew(t)
	if rep, err := into.Merge(context.Background(), path); err != nil || rep.NewResults != n {
		t.Errorf("merge of the killed shard: %+v, %v; want %d new results", rep, err, n)
	}

	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	done, err := db.Done(context.Background(), "killed")
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != n {
		t.Errorf("after kill -9: %d results, want %d", len(done), n)
	}
	rs, err := db.Results(context.Background(), "killed")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != n || len(rs[0].SamplesMS) != 3 {
		t.Errorf("after kill -9: %d results, first %+v", len(rs), rs)
	}
}

func TestOpenLockedByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.duckdb")
	cmd := helper(t, "hold-lock", path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper: %v", err)
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}

	for _, opts := range []Options{{}, {Create: true}, {ReadOnly: true}} {
		_, err := Open(path, opts)
		t.Logf("Open(%+v): %v", opts, err)
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
			t.Errorf("Open(%+v) = %v, want ErrLocked naming the path", opts, err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("a failed Open removed the locked file: %v", err)
	}
}
