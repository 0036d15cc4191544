package schedule

import (
	"fmt"
	"strings"
	"time"
)

// DefaultWindow is how long after its run time an entry still counts as due.
// GitHub starts scheduled workflows late under load, sometimes by an hour or
// more.
const DefaultWindow = 6 * time.Hour

// NotDueError says that no entry is due at a time.
type NotDueError struct {
	At   time.Time
	Next Entry     // the entry that fires next
	When time.Time // when it fires
}

func (e *NotDueError) Error() string {
	return fmt.Sprintf("schedule: nothing is due at %s; next is %s at %s",
		e.At.UTC().Format("Mon 2006-01-02 15:04 UTC"), e.Next.Name, e.When.Format("Mon 2006-01-02 15:04 UTC"))
}

// UnknownEntryError says that a --which value names no entry.
type UnknownEntryError struct {
	Which string
	Known []string
}

func (e *UnknownEntryError) Error() string {
	return fmt.Sprintf("schedule: no entry %q (entries: %s)", e.Which, strings.Join(e.Known, ", "))
}

// Due returns the entry that is due at t: among the entries whose latest run
// time is within window before t, the one that fired last; at a tie the
// broader cadence wins (monthly over weekly over daily: it usually covers the
// others), then file order. It returns a *NotDueError when none is due.
func (s *Schedule) Due(t time.Time, window time.Duration) (Entry, error) {
	if window <= 0 {
		window = DefaultWindow
	}
	best := -1
	var bestAt time.Time
	for i, e := range s.Entries {
		last := e.When.Last(t)
		if last.IsZero() || t.Sub(last) >= window {
			continue
		}
		if best < 0 || last.After(bestAt) || (last.Equal(bestAt) && e.When.Cadence > s.Entries[best].When.Cadence) {
			best, bestAt = i, last
		}
	}
	if best >= 0 {
		return s.Entries[best], nil
	}
	next, nextAt := s.Entries[0], s.Entries[0].When.Next(t)
	for _, e := range s.Entries[1:] {
		if n := e.When.Next(t); n.Before(nextAt) {
			next, nextAt = e, n
		}
	}
	return Entry{}, &NotDueError{At: t, Next: next, When: nextAt}
}

// Pick returns the entry which names: its name ("daily_tests"), its name
// without "_tests" ("daily"), its cron expression (what a workflow gets in
// github.event.schedule), or a cadence ("weekly") that one entry alone has.
func (s *Schedule) Pick(which string) (Entry, error) {
	which = strings.TrimSpace(which)
	for _, match := range []func(Entry) bool{
		func(e Entry) bool { return e.Name == which },
		func(e Entry) bool { return e.Short() == which },
		func(e Entry) bool { return e.When.Cron() == strings.Join(strings.Fields(which), " ") },
	} {
		for _, e := range s.Entries {
			if match(e) {
				return e, nil
			}
		}
	}
	var byCadence []Entry
	for _, e := range s.Entries {
		if e.When.Cadence.String() == strings.ToLower(which) {
			byCadence = append(byCadence, e)
		}
	}
	if len(byCadence) == 1 {
		return byCadence[0], nil
	}
	known := make([]string, len(s.Entries))
	for i, e := range s.Entries {
		known[i] = e.Name
	}
	return Entry{}, &UnknownEntryError{Which: which, Known: known}
}

// Select is what `hwcov run --schedule F [--which W]` does: Pick(which) when
// which is given, else Due(now, DefaultWindow).
func (s *Schedule) Select(which string, now time.Time) (Entry, error) {
	if strings.TrimSpace(which) != "" {
		return s.Pick(which)
	}
	return s.Due(now, DefaultWindow)
}
