// Package compare compares a head run's test results with a base branch's
// results: which tests newly fail, were fixed, still fail, are flaky, did not
// run or are new, and which got slower or use more memory, confirmed by both
// a relative threshold and a statistical test on the stored samples.
//
// It works on plain results.Result values: every attempt of every test, as
// store.AllResults returns them. A test is only ever compared with the same
// test id, which encodes the architecture, hardware, precision, batch size
// and sequence length, and performance is only compared between runs whose
// recorded environment (Python, torch, transformers, device, ...) agrees.
//
// The statistics (Mann-Whitney U with tie and continuity correction, Welch's
// t-test, and a prediction-interval t-test for a single new observation) live
// in stats.go and are usable on their own.
package compare
