package main

import (
	"errors"
	"strconv"
	"strings"
)

// stringsFlag collects every value of a repeatable flag (--fault a --fault b).
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// procsFlag is -p: a number of processes, or 0 / "auto" for the run to plan
// (suite.PlanProcesses).
type procsFlag int

func (p *procsFlag) String() string {
	if p == nil || *p == 0 {
		return "auto"
	}
	return strconv.Itoa(int(*p))
}

func (p *procsFlag) Set(v string) error {
	if strings.EqualFold(strings.TrimSpace(v), "auto") {
		*p = 0
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return errors.New(`want a number of processes, or "auto" (or 0) to let the run choose`)
	}
	*p = procsFlag(n)
	return nil
}
