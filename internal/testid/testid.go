package testid

import (
	"fmt"
	"strconv"
	"strings"
)

// ID is one test: an architecture on a hardware platform at a precision,
// batch size and sequence length.
type ID struct {
	Model     string `json:"model"`
	Hardware  string `json:"hardware"`
	Precision string `json:"precision"`
	Batch     int    `json:"batch_size"`
	Seq       int    `json:"seq_len"`
}

// String renders the id as model@hardware/precision/bB/sS.
func (id ID) String() string {
	return fmt.Sprintf("%s@%s/%s/b%d/s%d", id.Model, id.Hardware, id.Precision, id.Batch, id.Seq)
}

// Pair is the (architecture, hardware) part of the id, which names a generated file.
func (id ID) Pair() string { return id.Model + "@" + id.Hardware }

// Parse reads an id written by String.
func Parse(s string) (ID, error) {
	model, rest, ok := strings.Cut(s, "@")
	if !ok || model == "" {
		return ID{}, fmt.Errorf("test id %q: want model@hardware/precision/bN/sN", s)
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[0] == "" || parts[1] == "" ||
		!strings.HasPrefix(parts[2], "b") || !strings.HasPrefix(parts[3], "s") {
		return ID{}, fmt.Errorf("test id %q: want model@hardware/precision/bN/sN", s)
	}
	b, err := strconv.Atoi(parts[2][1:])
	if err != nil || b < 1 {
		return ID{}, fmt.Errorf("test id %q: bad batch size %q", s, parts[2])
	}
	q, err := strconv.Atoi(parts[3][1:])
	if err != nil || q < 1 {
		return ID{}, fmt.Errorf("test id %q: bad sequence length %q", s, parts[3])
	}
	return ID{Model: model, Hardware: parts[0], Precision: parts[1], Batch: b, Seq: q}, nil
}
