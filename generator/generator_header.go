package generator

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hwcov/hwcov/internal/testid"
)

// Header is what a generated file says about itself in its first lines
// (base.py.tmpl writes them): TEST_ID, TEMPLATE_CHAIN and TEMPLATE_REVISION.
type Header struct {
	ID       testid.ID
	Chain    string // "base > text-encoder > cpu"
	Revision string // empty in files of older hwcov versions
}

var (
	testIDLine = regexp.MustCompile(`^TEST_ID\s*=\s*["']([^"']+)["']`)
	chainLine  = regexp.MustCompile(`^TEMPLATE_CHAIN\s*=\s*\[(.*)\]`)
	revLine    = regexp.MustCompile(`^TEMPLATE_REVISION\s*=\s*["']([0-9a-f]+)["']`)
	chainName  = regexp.MustCompile(`["']([^"']+)["']`)
)

// ReadHeader reads the header of the generated test at path; a file without
// a TEST_ID in its first 200 lines is not a generated test.
func ReadHeader(path string) (Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return Header{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var h Header
	idText := ""
	for n := 0; sc.Scan() && n < 200; n++ {
		line := sc.Text()
		if m := chainLine.FindStringSubmatch(line); m != nil && h.Chain == "" {
			var names []string
			for _, n := range chainName.FindAllStringSubmatch(m[1], -1) {
				names = append(names, strings.TrimSuffix(filepath.Base(n[1]), ".py.tmpl"))
			}
			h.Chain = strings.Join(names, " > ")
		}
		if m := testIDLine.FindStringSubmatch(line); m != nil && idText == "" {
			idText = m[1]
		}
		if m := revLine.FindStringSubmatch(line); m != nil && h.Revision == "" {
			h.Revision = m[1]
		}
		if idText != "" && h.Chain != "" && h.Revision != "" {
			break
		}
	}
	if idText == "" {
		return Header{}, fmt.Errorf("%s: no TEST_ID line in the first 200 lines (not a generated test?)", path)
	}
	if h.ID, err = testid.Parse(idText); err != nil {
		return Header{}, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}
