package planner

// RoundRobin is shard i of n (counting from 1) of items dealt in turn: item k
// goes to shard k mod n + 1. It is how `hwcov run --shard i/n` splits tests
// without a plan; n <= 1 keeps every item.
func RoundRobin[T any](items []T, i, n int) []T {
	if n <= 1 {
		return items
	}
	var out []T
	for k, it := range items {
		if k%n == i-1 {
			out = append(out, it)
		}
	}
	return out
}
