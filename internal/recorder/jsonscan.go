package recorder

// maxJSONDepth is encoding/json's nesting limit: a value nested deeper is not valid JSON
// to json.Valid, so it is not valid here either.
const maxJSONDepth = 10000

// scanJSON reports whether data is one JSON value exactly as json.Valid judges it
// (surrounding whitespace allowed, strings not checked for valid UTF-8), and whether it is
// compact: no whitespace between tokens, so that json.Compact would leave it as it is.
// It is json.Valid and a whitespace check in one pass without allocating, because every
// recorded body goes through it on the recorder's hot path.
func scanJSON(data []byte) (valid, compact bool) {
	var stackArray [64]byte // '{' or '[' per open container; deeper nesting spills to the heap
	stack := stackArray[:0]
	i, n := 0, len(data)
	compact = true

value: // a value starts at i (after optional whitespace)
	for i < n && isJSONSpace(data[i]) {
		i, compact = i+1, false
	}
	if i == n {
		return false, compact
	}
	switch c := data[i]; {
	case c == '{' || c == '[':
		if len(stack) >= maxJSONDepth {
			return false, compact
		}
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		i++
		for i < n && isJSONSpace(data[i]) {
			i, compact = i+1, false
		}
		if i < n && data[i] == closer {
			i++
			goto afterValue
		}
		stack = append(stack, c)
		if c == '{' {
			goto key
		}
		goto value
	case c == '"':
		if i = scanJSONString(data, i); i < 0 {
			return false, compact
		}
	case c == '-' || ('0' <= c && c <= '9'):
		if i = scanJSONNumber(data, i); i < 0 {
			return false, compact
		}
	case c == 't':
		if i = scanJSONLiteral(data, i, "true"); i < 0 {
			return false, compact
		}
	case c == 'f':
		if i = scanJSONLiteral(data, i, "false"); i < 0 {
			return false, compact
		}
	case c == 'n':
		if i = scanJSONLiteral(data, i, "null"); i < 0 {
			return false, compact
		}
	default:
		return false, compact
	}

afterValue: // a value ended just before i
	for i < n && isJSONSpace(data[i]) {
		i, compact = i+1, false
	}
	if len(stack) == 0 {
		return i == n, compact
	}
	if i == n {
		return false, compact
	}
	switch top := stack[len(stack)-1]; data[i] {
	case ',':
		i++
		if top == '{' {
			goto key
		}
		goto value
	case '}', ']':
		if (data[i] == '}') != (top == '{') {
			return false, compact
		}
		stack = stack[:len(stack)-1]
		i++
		goto afterValue
	default:
		return false, compact
	}

key: // an object key starts at i (after optional whitespace), then a colon
	for i < n && isJSONSpace(data[i]) {
		i, compact = i+1, false
	}
	if i == n || data[i] != '"' {
		return false, compact
	}
	if i = scanJSONString(data, i); i < 0 {
		return false, compact
	}
	for i < n && isJSONSpace(data[i]) {
		i, compact = i+1, false
	}
	if i == n || data[i] != ':' {
		return false, compact
	}
	i++
	goto value
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// scanJSONString returns the index after the string starting with the quote at i, or -1.
func scanJSONString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		if !stringSpecial[data[i]] {
			continue
		}
		switch c := data[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			i++
			if i == len(data) {
				return -1
			}
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(data) {
					return -1
				}
				for _, h := range data[i+1 : i+5] {
					if !isHexDigit(h) {
						return -1
					}
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

// stringSpecial marks the bytes that end or escape a string, or may not appear in one.
var stringSpecial = func() (set [256]bool) {
	for c := 0; c < 0x20; c++ {
		set[c] = true
	}
	set['"'], set['\\'] = true, true
	return set
}()

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// scanJSONNumber returns the index after the number starting at i, or -1:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanJSONNumber(data []byte, i int) int {
	n := len(data)
	if data[i] == '-' {
		i++
	}
	switch {
	case i < n && data[i] == '0':
		i++
	case i < n && '1' <= data[i] && data[i] <= '9':
		for i++; i < n && isDigit(data[i]); i++ {
		}
	default:
		return -1
	}
	if i < n && data[i] == '.' {
		i++
		if i == n || !isDigit(data[i]) {
			return -1
		}
		for i++; i < n && isDigit(data[i]); i++ {
		}
	}
	if i < n && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < n && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i == n || !isDigit(data[i]) {
			return -1
		}
		for i++; i < n && isDigit(data[i]); i++ {
		}
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func scanJSONLiteral(data []byte, i int, literal string) int {
	if len(data)-i < len(literal) || string(data[i:i+len(literal)]) != literal {
		return -1
	}
	return i + len(literal)
}
