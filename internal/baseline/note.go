package baseline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hwcov/hwcov/internal/ghevent"
)

// Why a baseline is empty, as baseline fetch records it.
const (
	NoWorkflow = "no-workflow" // GitHub knows no such workflow file (404): it is not on the base branch yet
	NoArtifact = "no-artifact" // no successful base-branch run has a live artifact
)

// Note is what `hwcov baseline fetch` writes beside an empty
// baseline database, so that compare and comment (also in the workflow_run
// job of a fork's pull request, which gets it in an artifact) can say why
// there is nothing to compare with. It travels as untrusted data.
type Note struct {
	Reason   string `json:"reason"`
	Workflow string `json:"workflow"`
	Branch   string `json:"branch"`
	Artifact string `json:"artifact,omitempty"`
}

// maxNoteBytes caps the note file.
const maxNoteBytes = 4 << 10

var (
	noteName   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	noteBranch = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$`)
)

// NotePath is the note beside a database: base.json for base.duckdb.
func NotePath(db string) string {
	return strings.TrimSuffix(db, filepath.Ext(db)) + ".json"
}

// WriteNote writes the note beside the database db.
func WriteNote(db string, n Note) error {
	data, err := json.MarshalIndent(n, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(NotePath(db), append(data, '\n'), 0o644)
}

// ReadNote reads the note beside db; nil when there is none or it
// is not a note hwcov would write (it is never trusted further than that).
func ReadNote(db string) *Note {
	data, err := ghevent.ReadCapped(NotePath(db), maxNoteBytes)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var n Note
	if dec.Decode(&n) != nil || (n.Reason != NoWorkflow && n.Reason != NoArtifact) ||
		!noteName.MatchString(n.Workflow) || !noteBranch.MatchString(n.Branch) ||
		(n.Artifact != "" && !noteName.MatchString(n.Artifact)) {
		return nil
	}
	return &n
}

// Markdown is the note as one line: "no baseline yet: ...".
func (n *Note) Markdown() string {
	if n.Reason == NoWorkflow {
		return fmt.Sprintf("no baseline yet: the base branch has no hwcov run of `%s` (the workflow file is not on `%s` yet; "+
			"once it is, its runs there are the baseline)", n.Workflow, n.Branch)
	}
	artifact := ""
	if n.Artifact != "" {
		artifact = fmt.Sprintf(" with a live `%s` artifact", n.Artifact)
	}
	return fmt.Sprintf("no baseline yet: the base branch has no hwcov run of `%s` on `%s`%s (run it on a push to `%s`)",
		n.Workflow, n.Branch, artifact, n.Branch)
}
