// Package planner turns architectures and hardware platforms into the test
// matrix, splits it into balanced shards per platform, and writes the plan file
// and the GitHub Actions matrix that run them.
//
// # The matrix
//
// [BuildMatrix] is the guide's generate_testing_matrix: every architecture on
// every platform at every batch size and sequence length, where
//
//   - an incompatible (architecture, platform) pair is skipped with the reason
//     [hardware.Compatible] gives;
//   - batch sizes above [hardware.Platform.MaxBatch] are skipped on
//     memory-constrained platforms;
//   - sequence lengths past an architecture's MaxPositions (when known) are
//     skipped;
//   - the precision is the platform's preferred one unless one is given.
//
// Every skipped cell or pair is kept in [Matrix.Skipped] with its reason. Tests
// are sorted by [Score]: key > high > normal tier, then smaller cells (batch x
// sequence length), then popularity; ties go by test id.
//
// # Shards and the plan
//
// [NewPlan] splits each platform's tests into shards, either a fixed number per
// platform or as many as needed to keep each under a time budget, balanced by
// the durations of earlier runs with the longest-processing-time-first rule.
// A test without history is estimated from the median of its category, then
// the global median, then [DefaultTestSeconds]. A GitHub matrix holds at most
// [MaxJobs] jobs; when the shards outnumber it, NewPlan makes fewer shards per
// platform, in proportion, and says so in [Plan.Notes]. The plan is a versioned
// JSON document ([ParsePlan] reads it strictly); `hwcov run --shard-id` finds
// its tests with [Plan.Shard], and [Plan.GitHubMatrix] renders the matrix the
// plan job outputs.
//
// # Priority-high CI runs
//
// [Select] is the guide's `--ci-mode --priority high`: the key models, every
// test the changed files touch (a changed template selects every test rendered
// from it, see [ChangedFile]) and what failed in the last run, capped by a
// budget of minutes. [Selection.Explain] says why each test was picked.
//
// Everything here works on plain values; reading files, the environment and
// the clock is the caller's job.
package planner
