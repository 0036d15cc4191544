package runners

import (
	"fmt"
	"io"

	"github.com/hwcov/hwcov/internal/results"
)

// githubProgress writes plain lines for a GitHub Actions log: the shard's
// tests inside one ::group:: so the log stays short, and the summary after
// ::endgroup:: so it shows without expanding anything.
// https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions#grouping-log-lines
type githubProgress struct {
	w     io.Writer
	info  ShardInfo
	done  int
	group bool
}

func (p *githubProgress) Start(s ShardInfo) {
	p.info = s
	title := fmt.Sprintf("%s (%d tests", shardTitle(s), s.Total)
	if s.Resumed > 0 {
		title += fmt.Sprintf(", %d already done", s.Resumed)
	}
	title += ")"
	fmt.Fprintf(p.w, "::group::%s\n", escapeCommandData(title))
	p.group = true
}

func (p *githubProgress) TestDone(r results.Result) {
	if r.Attempt == 1 {
		p.done++
	}
	// Lines start with "[n/N]" and resultLine keeps them to one line, so an
	// error message cannot be read as a workflow command.
	fmt.Fprintf(p.w, "[%d/%d] %s\n", p.done, p.info.Total, resultLine(r))
}

func (p *githubProgress) Finish(s Summary) {
	if p.group {
		fmt.Fprintln(p.w, "::endgroup::")
		p.group = false
	}
	fmt.Fprintf(p.w, "hwcov: %s: %s\n", shardTitle(p.info), summaryLine(s))
}

// escapeCommandData escapes a workflow command's data the way the runner
// unescapes it.
func escapeCommandData(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%':
			out = append(out, "%25"...)
		case '\r':
			out = append(out, "%0D"...)
		case '\n':
			out = append(out, "%0A"...)
		default:
			out = append(out, s[i])
		}
	}
	return string(out)
}
