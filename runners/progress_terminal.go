package runners

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hwcov/hwcov/internal/results"
)

// terminalProgress draws one line that it rewrites with \r after each test
// when tty is set, printing failures above it; without a terminal it prints
// one line per test instead.
type terminalProgress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	info  ShardInfo
	begin time.Time
	done  int
	count map[results.Status]int
	drawn bool
}

func (p *terminalProgress) Start(s ShardInfo) {
	p.info, p.begin, p.count = s, p.now(), map[results.Status]int{}
	line := fmt.Sprintf("hwcov: %s: %s on %s", shardTitle(s), Plural(s.Total, "test"), Plural(s.Workers, "worker"))
	if s.Resumed > 0 {
		line += fmt.Sprintf(", %d already done", s.Resumed)
	}
	fmt.Fprintln(p.w, line)
}

func (p *terminalProgress) TestDone(r results.Result) {
	if r.Attempt == 1 {
		p.done++
		p.count[r.Status]++
	}
	if !p.tty {
		fmt.Fprintf(p.w, "[%d/%d] %s\n", p.done, p.info.Total, resultLine(r))
		return
	}
	if !r.Status.Passed() && r.Status != results.StatusSkip {
		p.clear()
		fmt.Fprintln(p.w, resultLine(r))
	}
	p.draw(r.TestID)
}

func (p *terminalProgress) Finish(s Summary) {
	p.clear()
	fmt.Fprintf(p.w, "hwcov: %s: %s\n", shardTitle(p.info), summaryLine(s))
}

func (p *terminalProgress) clear() {
	if p.drawn {
		io.WriteString(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// draw rewrites the progress line: "[12/40] 10 pass, 1 fail, 1 crash | ETA 1m20s | bert@cpu/fp32/b1/s128".
func (p *terminalProgress) draw(last string) {
	line := fmt.Sprintf("[%d/%d] %s", p.done, p.info.Total, countsText(p.count))
	if eta, ok := p.eta(); ok {
		line += " | ETA " + eta.String()
	}
	line += " | " + last
	io.WriteString(p.w, "\r\x1b[K"+line)
	p.drawn = true
}

// eta extrapolates the time left from the mean time per finished test.
func (p *terminalProgress) eta() (time.Duration, bool) {
	if p.done == 0 || p.done >= p.info.Total {
		return 0, false
	}
	per := p.now().Sub(p.begin) / time.Duration(p.done)
	return (per * time.Duration(p.info.Total-p.done)).Round(time.Second), true
}

// resultLine is one finished attempt on one line:
// "fail   1.20s bert@cpu/fp32/b1/s128: ValueError: ...".
func resultLine(r results.Result) string {
	line := fmt.Sprintf("%-13s %8s %s%s", r.Status, wallText(r), r.TestID, attemptNote(r))
	if r.ErrorMessage != "" && !r.Status.Passed() {
		line += ": " + r.ErrorMessage
	}
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(line)
}
