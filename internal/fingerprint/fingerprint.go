package fingerprint

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"unicode"
)

// RuleVersion names the grouping rules below. Change it whenever a rule is
// added, removed or edited: stored fingerprints keep the version that made
// them, and only results without a fingerprint get the new one.
const RuleVersion = "fp-2"

// A Rule replaces what matches Re with Repl in a message or frame.
type Rule struct {
	Name string
	Re   *regexp.Regexp
	Repl string
}

// Rules are applied in order, each to the output of the one before. The
// model-name rule, which depends on the result, runs right after "path" (see
// normalise): a path is one placeholder whatever model it names.
var Rules = []Rule{
	// the shrink ladder's summary of the other sizes it tried repeats the
	// message once per size: the first size's error is the signature.
	{"shrink-ladder", regexp.MustCompile(`\s*\[shrink ladder: .*\]\s*$`), ""},
	{"path", regexp.MustCompile(`(?:[A-Za-z]:)?(?:[\w.~-]*[/\\])+[\w.-]+`), "<path>"},
	// transformers' per-model files whose name is not the architecture's
	// (modeling_fastspeech2_conformer.py for fastspeech2_conformer_with_hifigan);
	// the shared ones (modeling_utils.py) are kept.
	{"hf-model-file", regexp.MustCompile(`\b(?:modeling|configuration|processing|tokenization|feature_extraction|image_processing)_[A-Za-z0-9_]+`), "<model>"},
	{"torch-size", regexp.MustCompile(`torch\.Size\(\[[^\]]*\]\)`), "torch.Size([<shape>])"},
	{"shape-list", regexp.MustCompile(`\[\s*-?\d+(\s*,\s*-?\d+)*\s*,?\s*\]`), "[<shape>]"},
	{"shape-tuple", regexp.MustCompile(`\(\s*-?\d+(\s*,\s*-?\d+)+\s*,?\s*\)`), "(<shape>)"},
	{"shape-x", regexp.MustCompile(`\b\d+(x\d+)+\b`), "<shape>"},
	{"hex", regexp.MustCompile(`\b0x[0-9a-fA-F]+\b`), "<hex>"},
	{"hex-id", regexp.MustCompile(`\b[0-9a-f]{8,}\b`), "<hex>"}, // with a letter: an all-digit run is a number
	{"number", regexp.MustCompile(`\b-?\d+(\.\d+)?([eE][-+]?\d+)?\b`), "<n>"},
	{"space", regexp.MustCompile(`\s+`), " "},
}

// Frames is how many of the innermost traceback frames join the signature.
const Frames = 3

// Input is what a fingerprint is computed from.
type Input struct {
	Architecture string // model_type: bert
	ModelName    string // hf-internal-testing/tiny-random-bert
	Message      string
	Traceback    string
}

// Fingerprint is a normalised failure.
type Fingerprint struct {
	ID          string   // 12 hex digits of sha256(version, signature)
	RuleVersion string   // the rules that made it
	Signature   string   // normalised message, then " | at " and the innermost frames
	Rules       []string // the rules that changed something, in order: why two results group together
}

// causeLine separates a chained exception's cause from it in a Python
// traceback; the cause comes first.
const causeLine = "The above exception was the direct cause of the following exception"

var frameRe = regexp.MustCompile(`File "([^"]+)", line \d+, in (\S+)`)

// skipFrame matches frames that only dispatch (torch's Module.__call__ and
// its wrappers): they are in every model's traceback and tell nothing.
var skipFrame = regexp.MustCompile(`torch[/\\]nn[/\\]modules[/\\]module\.py$`)

// Compute normalises in with the current rules.
func Compute(in Input) Fingerprint {
	rules := map[string]bool{}
	var order []string
	note := func(name string) {
		if !rules[name] {
			rules[name] = true
			order = append(order, name)
		}
	}
	msg := normalise(in, firstLine(in.Message), note)
	tb := in.Traceback
	// raise ... from cause (the shrink ladder's summary, a backend's wrapped
	// error): the cause's frames say where it failed, not the re-raise's.
	if i := strings.Index(tb, causeLine); i >= 0 {
		tb = tb[:i]
		note("cause")
	}
	var frames []string
	var ms [][]string
	for _, m := range frameRe.FindAllStringSubmatch(tb, -1) {
		if !skipFrame.MatchString(m[1]) {
			ms = append(ms, m)
		}
	}
	if len(ms) > Frames {
		ms = ms[len(ms)-Frames:]
	}
	for _, m := range ms {
		file := m[1]
		if i := strings.LastIndexAny(file, `/\`); i >= 0 {
			file = file[i+1:]
		}
		frames = append(frames, normalise(in, file+":"+m[2], note))
	}
	sig := msg
	if len(frames) > 0 {
		sig += " | at " + strings.Join(frames, " < ")
		note("frames")
	}
	sum := sha256.Sum256([]byte(RuleVersion + "\x00" + sig))
	return Fingerprint{ID: hex.EncodeToString(sum[:6]), RuleVersion: RuleVersion, Signature: sig, Rules: order}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// normalise applies Rules to s, and the model-name rule after "path".
func normalise(in Input, s string, note func(string)) string {
	if in.ModelName != "" && strings.Contains(s, in.ModelName) {
		s = strings.ReplaceAll(s, in.ModelName, "<model>")
		note("model-name")
	}
	for _, r := range Rules {
		var t string
		switch r.Name {
		case "hex-id":
			t = r.Re.ReplaceAllStringFunc(s, func(w string) string {
				if !strings.ContainsAny(w, "abcdef") {
					return w
				}
				return r.Repl
			})
		case "hf-model-file":
			t = r.Re.ReplaceAllStringFunc(s, func(w string) string {
				if strings.HasSuffix(w, "_utils") || strings.HasSuffix(w, "_outputs") || strings.HasSuffix(w, "_base") {
					return w
				}
				return r.Repl
			})
		default:
			t = r.Re.ReplaceAllString(s, r.Repl)
		}
		if t != s && r.Name != "space" {
			note(r.Name)
		}
		s = t
		if r.Name == "path" {
			if t := models(in, s); t != s {
				note("model-name")
				s = t
			}
		}
	}
	return strings.TrimSpace(s)
}

var wordRe = regexp.MustCompile(`[A-Za-z][\w-]*`)

// models replaces every word holding the architecture's name (BertModel,
// modeling_bert, Wav2Vec2FeatureExtractor) with <Model> when the word starts
// with a capital, else <model>.
func models(in Input, s string) string {
	key := squash(in.Architecture)
	if len(key) < 2 {
		return s
	}
	return wordRe.ReplaceAllStringFunc(s, func(w string) string {
		if !strings.Contains(squash(w), key) {
			return w
		}
		if unicode.IsUpper(rune(w[0])) {
			return "<Model>"
		}
		return "<model>"
	})
}

// squash lowercases s and drops everything but letters and digits.
func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
