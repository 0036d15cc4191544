package planner

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// GitHubMatrix is the strategy.matrix a plan job outputs, one include entry
// per shard:
//
//	{"include":[{"id":"cpu-1of2","hardware":"cpu","runs-on":["self-hosted","linux","cpu"],
//	  "shard":"1/2","tests":40,"est_minutes":12}]}
//
// A test job uses it as `strategy: {matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}}`
// and `runs-on: ${{ matrix.runs-on }}`.
//
// https://docs.github.com/en/actions/using-jobs/using-a-matrix-for-your-jobs#expanding-or-adding-matrix-configurations
type GitHubMatrix struct {
	Include []GitHubJob `json:"include"`
}

// GitHubJob is one include entry of a [GitHubMatrix].
type GitHubJob struct {
	ID         string   `json:"id"`          // shard id, for `hwcov run --plan plan.json --shard-id`
	Hardware   string   `json:"hardware"`    // platform key
	RunsOn     []string `json:"runs-on"`     // runner labels
	Shard      string   `json:"shard"`       // "1/3"
	Tests      int      `json:"tests"`       // number of tests
	EstMinutes int      `json:"est_minutes"` // estimated duration, whole minutes rounded up (at least 1)
}

// GitHubMatrix renders the plan as a GitHub Actions matrix, in plan order. It
// fails with ErrNoJobs for a plan without shards, with an error when the plan
// has more than MaxJobs shards, and with a *LabelError for a shard whose
// runner labels cannot be runs-on labels: it never returns a matrix GitHub
// would reject.
func (p *Plan) GitHubMatrix() (GitHubMatrix, error) {
	if len(p.Shards) == 0 {
		return GitHubMatrix{}, ErrNoJobs
	}
	if len(p.Shards) > MaxJobs {
		return GitHubMatrix{}, fmt.Errorf("plan has %d shards; a GitHub matrix holds at most %d (write the plan again with `hwcov plan`)", len(p.Shards), MaxJobs)
	}
	m := GitHubMatrix{Include: make([]GitHubJob, len(p.Shards))}
	for i, s := range p.Shards {
		if err := checkLabels(s.Hardware, s.RunsOn); err != nil {
			return GitHubMatrix{}, err
		}
		m.Include[i] = GitHubJob{
			ID:         s.ID,
			Hardware:   s.Hardware,
			RunsOn:     append([]string{}, s.RunsOn...),
			Shard:      strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Total),
			Tests:      len(s.Tests),
			EstMinutes: max(1, int(math.Ceil(s.EstSeconds/60-1e-9))),
		}
	}
	return m, nil
}

// Marshal writes the matrix as compact one-line JSON, ready for
// `echo "matrix=$json" >> "$GITHUB_OUTPUT"`. The output depends only on m.
func (m GitHubMatrix) Marshal() ([]byte, error) {
	if m.Include == nil {
		m.Include = []GitHubJob{}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("marshal matrix: %w", err)
	}
	return b, nil
}
