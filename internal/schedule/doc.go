// Package schedule reads the guide's schedule file (daily, weekly and monthly
// test runs: model subset, hardware platforms, run time) strictly, turns each
// entry into a GitHub Actions cron expression, and tells which entry is due at
// a given time.
//
// Every time in a schedule is UTC, as in GitHub Actions' `on.schedule`.
// run_time takes three forms:
//
//	"01:00"           daily at 01:00 UTC        cron "0 1 * * *"
//	"Saturday 02:00"  weekly, Saturdays         cron "0 2 * * 6"
//	"1st 03:00"       monthly, the 1st          cron "0 3 1 * *"
//
// The package does no IO: callers read the file and pass the bytes and the
// clock in.
package schedule
