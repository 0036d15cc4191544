package results

import "time"

// RunGroup counts the final results (the last attempt of each test) of one
// status in one CI run, for one platform and category: a point of a trend.
// Run is the workflow run id, or the run id of a run made outside CI.
type RunGroup struct {
	Run      string
	At       time.Time
	GitSHA   string
	GitRef   string
	PR       int
	Hardware string
	Category string
	Status   Status
	N        int
	SumMS    float64 // summed mean latency of the passing results
}

// CellRun counts the final results of one status of one architecture on one
// platform in one CI run: a point of a matrix cell's history.
type CellRun struct {
	Run          string
	Architecture string
	Hardware     string
	Status       Status
	N            int
}
