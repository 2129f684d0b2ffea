package scenarios

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a scenario file, found by Load or Lint.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line <= 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Errors flattens an error returned by Load (errors.Join of *Error) into its
// parts, one per problem; a nil error gives nil.
func Errors(err error) []error {
	if err == nil {
		return nil
	}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		var out []error
		for _, e := range joined.Unwrap() {
			out = append(out, Errors(e)...)
		}
		return out
	}
	return []error{err}
}

// problems collects errors in the order found.
type problems struct {
	list []error
}

func (p *problems) add(file string, line int, format string, args ...any) {
	p.list = append(p.list, &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// sorted returns the errors ordered by file, then line, keeping the order
// of discovery for equal positions.
func (p *problems) sorted() []error {
	out := append([]error(nil), p.list...)
	sort.SliceStable(out, func(i, j int) bool {
		a, aok := out[i].(*Error)
		b, bok := out[j].(*Error)
		if !aok || !bok {
			return false
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return out
}

// Suggest is suggest for other packages: the same closeness, the same wording.
func Suggest(word string, candidates []string) string { return suggest(word, candidates) }

// suggest returns ` (did you mean "x"?)` for the candidate closest to word,
// or "" when none is close enough: a wrong hint is worse than none.
func suggest(word string, candidates []string) string {
	best, bestDist := "", max(1, len(word)/4)+1
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" && len(word) >= 4 {
		// "Joined" for "ParticipantJoined": a distinctive part of a name.
		for _, c := range candidates {
			if strings.Contains(lower(c), lower(word)) && (best == "" || len(c) < len(best)) {
				best = c
			}
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the optimal string alignment distance (Levenshtein plus
// transposition of neighbours), case-insensitive: "agnet" is 1 from "agent".
func editDistance(a, b string) int {
	ra, rb := []rune(lower(a)), []rune(lower(b))
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
