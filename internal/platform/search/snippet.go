package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Snippets are made here rather than by the engines, the same on both: a passage of about
// snippetWords words around the words searched for, each found word between MarkStart and
// MarkEnd. Text holds no marker characters (Index removes them), so marks cannot be faked.

const (
	snippetWords = 30
	// snippetScan is how much of a body is read for a passage (bodies are rarely longer).
	snippetScan = 64 << 10
)

// snippet returns the passage of text best showing terms (as Terms returns them: the last one
// also matches the beginning of longer words).
func snippet(text string, terms []string) string {
	if len(text) > snippetScan {
		text = text[:snippetScan]
		for !utf8.ValidString(text) && len(text) > 0 {
			text = text[:len(text)-1]
		}
	}
	type word struct {
		start, end int
		term       int // the index of the term it matches, or -1
	}
	folded, keys := make([]string, len(terms)), make([]string, len(terms))
	for i, t := range terms {
		folded[i] = fold(t)
		keys[i] = stem(folded[i])
	}
	terms = folded
	var words []word
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			i += n
			continue
		}
		j := i + n
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			j += n
		}
		w := word{start: i, end: j, term: -1}
		f := fold(text[i:j])
		k := stem(f)
		for t := range terms {
			if f == terms[t] || k == keys[t] || t == len(terms)-1 && strings.HasPrefix(f, terms[t]) {
				w.term = t
				break
			}
		}
		words = append(words, w)
		i = j
	}
	if len(words) == 0 {
		return ""
	}
	// The window of snippetWords words with the most different terms, then the most matches;
	// the earliest of equals. It starts a few words before its first match.
	best, bestDistinct, bestCount := 0, 0, 0
	for s := range words {
		if words[s].term < 0 {
			continue
		}
		start := max(0, s-3)
		seen := make([]bool, len(terms))
		distinct, count := 0, 0
		for _, w := range words[start:min(len(words), start+snippetWords)] {
			if w.term >= 0 {
				count++
				if !seen[w.term] {
					seen[w.term] = true
					distinct++
				}
			}
		}
		if distinct > bestDistinct || distinct == bestDistinct && count > bestCount {
			best, bestDistinct, bestCount = start, distinct, count
		}
	}
	end := min(len(words), best+snippetWords)
	var b strings.Builder
	if best > 0 {
		b.WriteString("…")
	}
	pos := words[best].start
	if best == 0 {
		pos = 0
	}
	for _, w := range words[best:end] {
		b.WriteString(text[pos:w.start])
		if w.term >= 0 {
			b.WriteString(MarkStart + text[w.start:w.end] + MarkEnd)
		} else {
			b.WriteString(text[w.start:w.end])
		}
		pos = w.end
	}
	if end < len(words) {
		b.WriteString("…")
	} else {
		b.WriteString(text[pos:])
	}
	return b.String()
}

// fold lower-cases s and takes the accents off the Latin letters that carry them most
// (as FTS5's remove_diacritics does, for the common cases).
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		r = unicode.ToLower(r)
		if r < 0xC0 {
			return r
		}
		for base, accented := range accents {
			if strings.ContainsRune(accented, r) {
				return base
			}
		}
		return r
	}, s)
}

var accents = map[rune]string{
	'a': "àáâãäåāăą", 'c': "çćĉċč", 'd': "ďđ", 'e': "èéêëēĕėęě", 'g': "ĝğġģ", 'h': "ĥħ",
	'i': "ìíîïĩīĭįı", 'j': "ĵ", 'k': "ķ", 'l': "ĺļľŀł", 'n': "ñńņňŉ", 'o': "òóôõöøōŏő",
	'r': "ŕŗř", 's': "śŝşšș", 't': "ţťŧț", 'u': "ùúûüũūŭůűų", 'w': "ŵ", 'y': "ýÿŷ", 'z': "źżž",
}

// stem takes a common English ending off w, so that "communities" and "community", "plans"
// and "planning" meet (roughly as the engines' stemmers do; only marks depend on it).
func stem(w string) string {
	for _, suf := range []string{"ations", "ation", "ities", "ity", "ments", "ment", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 {
			w = w[:len(w)-len(suf)]
			break
		}
	}
	if n := len(w); n >= 4 && w[n-1] == w[n-2] && !strings.ContainsRune("aeiouls", rune(w[n-1])) {
		w = w[:n-1] // planning → plann → plan
	}
	if len(w) > 3 {
		w = strings.TrimSuffix(w, "e") // service, services → servic
	}
	return w
}
