package runners

import (
	"bytes"
	"flag"
	"testing"
	"time"

	"github.com/hwcov/hwcov/internal/results"
	"github.com/hwcov/hwcov/internal/testing/testfs"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// playShard feeds p a small shard with a failure, a crash and a flaky rerun.
func playShard(p Progress) {
	info := ShardInfo{Shard: "2/4", Hardware: "cpu", Total: 4, Resumed: 1, Workers: 1}
	p.Start(info)
	res := func(model string, st results.Status, ms float64, attempt int, msg string) results.Result {
		return results.Result{TestID: model + "@cpu/fp32/b1/s128", Status: st, WallMS: ms, Attempt: attempt, ErrorMessage: msg}
	}
	p.TestDone(res("bert", results.StatusPass, 1234, 1, ""))
	p.TestDone(res("t5", results.StatusFail, 56, 1, "RuntimeError: shape mismatch"))
	p.TestDone(res("t5", results.StatusPass, 60, 2, ""))
	p.TestDone(res("whisper", results.StatusCrash, 8, 1, "worker killed by signal SIGSEGV (segmentation fault) while the test ran"))
	p.TestDone(res("vit", results.StatusSkip, 0.4, 1, "::error::not a command\nsecond line"))
	p.Finish(Summary{
		Tests: 4, Resumed: 1, Workers: 1, Reruns: 1, Flaky: []string{"t5@cpu/fp32/b1/s128"}, Restarts: 1,
		Counts: map[results.Status]int{results.StatusPass: 1, results.StatusFail: 1, results.StatusCrash: 1, results.StatusSkip: 1},
		Wall:   90 * time.Second, InTest: 72 * time.Second,
	})
}

func TestProgressGitHub(t *testing.T) {
	var b bytes.Buffer
	playShard(NewProgress(&b, true, true))
	golden(t, b.Bytes())
}

func TestProgressTerminal(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(&b, true, false).(*terminalProgress)
	p.now = fakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), 10*time.Second)
	playShard(p)
	golden(t, b.Bytes())
}

func TestProgressPlain(t *testing.T) {
	var b bytes.Buffer
	playShard(NewProgress(&b, false, false))
	golden(t, b.Bytes())
}

func TestEscapeCommandData(t *testing.T) {
	if got := escapeCommandData("a%b\r\nc"); got != "a%25b%0D%0Ac" {
		t.Errorf("got %q", got)
	}
}

func golden(t *testing.T, got []byte) {
	t.Helper()
	testfs.Golden(t, got, *update)
}
