package runners

import (
	"fmt"
	"io"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// ShardInfo describes the shard a Run is about to execute.
type ShardInfo struct {
	Shard    string // the run's shard, "i/n" or a plan shard id
	Hardware string // the platforms of its jobs, comma separated
	Total    int    // tests to run (reruns not counted)
	Resumed  int    // tests skipped because the run already recorded them
	Workers  int    // worker processes
}

// Progress is told what a Run is doing. The Executor calls it from one
// goroutine at a time, so implementations need no locking of their own.
type Progress interface {
	// Start is called once before the first test.
	Start(s ShardInfo)
	// TestDone is called after each attempt is recorded.
	TestDone(r results.Result)
	// Finish is called once when every test ran (not when Run fails).
	Finish(s Summary)
}

// NewProgress picks a Progress for w: GitHub Actions log groups and one line
// per test when githubActions is set; otherwise a single updating line when w
// is a terminal, or one plain line per test when it is not (a log file).
func NewProgress(w io.Writer, isTerminal, githubActions bool) Progress {
	if githubActions {
		return &githubProgress{w: w}
	}
	return &terminalProgress{w: w, tty: isTerminal, now: time.Now}
}

type nopProgress struct{}

func (nopProgress) Start(ShardInfo)         {}
func (nopProgress) TestDone(results.Result) {}
func (nopProgress) Finish(Summary)          {}

// shardTitle names the shard in progress output: "cpu shard 2/4".
func shardTitle(s ShardInfo) string {
	hw := s.Hardware
	if hw == "" {
		hw = "no tests"
	}
	if s.Shard == "" {
		return hw
	}
	return hw + " shard " + s.Shard
}

// summaryLine is the one-line result of a shard.
func summaryLine(s Summary) string {
	line := fmt.Sprintf("%s: %s in %s", Plural(s.Tests, "test"), countsText(s.Counts), roundDuration(s.Wall))
	if s.Resumed > 0 {
		line += fmt.Sprintf(", %d already done", s.Resumed)
	}
	if s.Reruns > 0 {
		line += fmt.Sprintf(", %s (%d flaky)", Plural(s.Reruns, "rerun"), len(s.Flaky))
	}
	if s.Restarts > 0 {
		line += fmt.Sprintf(", %s", Plural(s.Restarts, "worker restart"))
	}
	if o := s.Overhead(); o > 0 {
		line += fmt.Sprintf(", overhead x%.2f", o)
	}
	return line
}

// Plural writes "1 test", "2 tests".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// statusOrder is the order statuses are listed in.
var statusOrder = []results.Status{
	results.StatusPass, results.StatusFail, results.StatusTimeout, results.StatusCrash,
	results.StatusSkip, results.StatusNotBuildable, results.StatusInfraError,
}

// countsText lists non-zero counts: "10 pass, 1 fail, 1 crash".
func countsText(c map[results.Status]int) string {
	text := ""
	for _, st := range statusOrder {
		if c[st] == 0 && st != results.StatusPass {
			continue
		}
		if text != "" {
			text += ", "
		}
		text += fmt.Sprintf("%d %s", c[st], st)
	}
	return text
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	default:
		return d.Round(time.Millisecond)
	}
}

// attemptNote marks reruns: " (attempt 2)".
func attemptNote(r results.Result) string {
	if r.Attempt > 1 {
		return fmt.Sprintf(" (attempt %d)", r.Attempt)
	}
	return ""
}

// wallText is a result's wall time for a progress line.
func wallText(r results.Result) time.Duration {
	return roundDuration(time.Duration(r.WallMS * float64(time.Millisecond)))
}
