package main

import "strings"

// stringsFlag collects every value of a repeatable flag (--fault a --fault b).
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }
