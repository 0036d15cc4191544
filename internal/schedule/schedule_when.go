package schedule

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Cadence is how often an entry runs.
type Cadence int

// The cadences, narrowest first.
const (
	Daily Cadence = iota
	Weekly
	Monthly
)

func (c Cadence) String() string {
	return [...]string{"daily", "weekly", "monthly"}[c]
}

// When is a parsed run_time, in UTC.
type When struct {
	Cadence Cadence
	Weekday time.Weekday // Weekly
	Day     int          // Monthly: day of the month, 1-31
	Hour    int
	Minute  int
}

const runTimeHint = `"01:00" (daily), "Saturday 02:00" (weekly) or "1st 03:00" (monthly), in UTC`

var (
	clockRE = regexp.MustCompile(`^([01]?[0-9]|2[0-3]):([0-5][0-9])$`)
	dayRE   = regexp.MustCompile(`^([0-9]{1,2})(st|nd|rd|th)$`)
)

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseRunTime reads "HH:MM", "Weekday HH:MM" or "Nth HH:MM" (times in UTC;
// a trailing " UTC" is accepted).
func ParseRunTime(s string) (When, error) {
	f := strings.Fields(strings.TrimSuffix(strings.TrimSpace(s), " UTC"))
	var w When
	if len(f) == 0 || len(f) > 2 {
		return w, fmt.Errorf("%q is not a run time", s)
	}
	m := clockRE.FindStringSubmatch(f[len(f)-1])
	if m == nil {
		return w, fmt.Errorf("%q: the time must be HH:MM (00:00-23:59)", s)
	}
	w.Hour, _ = strconv.Atoi(m[1])
	w.Minute, _ = strconv.Atoi(m[2])
	if len(f) == 1 {
		return w, nil
	}
	if wd, ok := weekdays[strings.ToLower(f[0])]; ok {
		w.Cadence, w.Weekday = Weekly, wd
		return w, nil
	}
	d := dayRE.FindStringSubmatch(strings.ToLower(f[0]))
	if d == nil {
		return w, fmt.Errorf("%q: %q is neither a weekday nor a day of the month like 1st", s, f[0])
	}
	day, _ := strconv.Atoi(d[1])
	if day < 1 || day > 31 || d[2] != ordinal(day) {
		return w, fmt.Errorf("%q: %q is not a day of the month (1st-31st)", s, f[0])
	}
	w.Cadence, w.Day = Monthly, day
	return w, nil
}

// ordinal is the English suffix of a day number.
func ordinal(n int) string {
	if n%100 >= 11 && n%100 <= 13 {
		return "th"
	}
	switch n % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}

// Cron is the GitHub Actions cron expression (UTC) for w.
func (w When) Cron() string {
	switch w.Cadence {
	case Weekly:
		return fmt.Sprintf("%d %d * * %d", w.Minute, w.Hour, int(w.Weekday))
	case Monthly:
		return fmt.Sprintf("%d %d %d * *", w.Minute, w.Hour, w.Day)
	}
	return fmt.Sprintf("%d %d * * *", w.Minute, w.Hour)
}

// String describes w for people: "daily at 01:00 UTC".
func (w When) String() string {
	clock := fmt.Sprintf("%02d:%02d UTC", w.Hour, w.Minute)
	switch w.Cadence {
	case Weekly:
		return "weekly on " + w.Weekday.String() + " at " + clock
	case Monthly:
		return fmt.Sprintf("monthly on the %d%s at %s", w.Day, ordinal(w.Day), clock)
	}
	return "daily at " + clock
}

// Last is the latest time at or before t at which w fires.
func (w When) Last(t time.Time) time.Time {
	t = t.UTC()
	switch w.Cadence {
	case Weekly:
		back := (int(t.Weekday()) - int(w.Weekday) + 7) % 7
		c := w.at(t.Year(), t.Month(), t.Day()-back)
		if c.After(t) {
			c = c.AddDate(0, 0, -7)
		}
		return c
	case Monthly:
		y, m := t.Year(), t.Month()
		for i := 0; i < 13; i++ {
			if c, ok := w.inMonth(y, m-time.Month(i)); ok && !c.After(t) {
				return c
			}
		}
		return time.Time{}
	}
	c := w.at(t.Year(), t.Month(), t.Day())
	if c.After(t) {
		c = c.AddDate(0, 0, -1)
	}
	return c
}

// Next is the earliest time after t at which w fires.
func (w When) Next(t time.Time) time.Time {
	t = t.UTC()
	switch w.Cadence {
	case Weekly:
		ahead := (int(w.Weekday) - int(t.Weekday()) + 7) % 7
		c := w.at(t.Year(), t.Month(), t.Day()+ahead)
		if !c.After(t) {
			c = c.AddDate(0, 0, 7)
		}
		return c
	case Monthly:
		y, m := t.Year(), t.Month()
		for i := 0; i < 13; i++ {
			if c, ok := w.inMonth(y, m+time.Month(i)); ok && c.After(t) {
				return c
			}
		}
		return time.Time{}
	}
	c := w.at(t.Year(), t.Month(), t.Day())
	if !c.After(t) {
		c = c.AddDate(0, 0, 1)
	}
	return c
}

func (w When) at(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, w.Hour, w.Minute, 0, 0, time.UTC)
}

// inMonth is w's day in month m of year y (m may be out of 1-12), when that
// month has the day (cron skips the 31st in a 30-day month).
func (w When) inMonth(y int, m time.Month) (time.Time, bool) {
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	c := w.at(first.Year(), first.Month(), w.Day)
	return c, c.Month() == first.Month()
}
