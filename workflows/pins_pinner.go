package workflows

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hwcov/hwcov/internal/hwerr"
)

// Pinner returns what pins the actions of a generated workflow to commits
// (pin, with pinSHA's extra "owner/repo@ref=sha" entries), or leaves them as
// they are.
func Pinner(pinAll bool, pinSHA []string) (func([]byte) ([]byte, error), error) {
	pin := func(b []byte) ([]byte, error) { return b, nil }
	if pinAll {
		extra := map[string]string{}
		for _, p := range pinSHA {
			k, sha, err := ParsePin(p)
			if err != nil {
				return nil, hwerr.Usagef("--pin-sha hwcov/hwcov@v0=<commit of the tag>", "--pin-sha %v", err)
			}
			extra[k] = sha
		}
		pin = func(b []byte) ([]byte, error) {
			out, err := PinActions(b, extra)
			var pe *PinError
			if errors.As(err, &pe) {
				k := pe.Refs[0]
				repo, ref, _ := strings.Cut(k, "@")
				return nil, hwerr.Usagef(fmt.Sprintf("--pin-sha %s=<commit> (git ls-remote https://github.com/%s %s shows it), or name the action at a commit",
					k, repo, ref), "--pin: %v: not in hwcov's table of pinned actions (hwcov workflow pins)", err)
			}
			return out, err
		}
	} else if len(pinSHA) > 0 {
		return nil, hwerr.Usagef("--pin --pin-sha ...", "--pin-sha needs --pin")
	}
	return pin, nil
}
