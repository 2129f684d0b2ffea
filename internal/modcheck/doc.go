// Package modcheck holds the tests of the module as a whole: the layering of
// its packages (who may depend on whom, by `go list -deps`), the tidiness of
// go.mod (`go mod tidy -diff`), and that every type switch on a step's
// scenarios.Action names every kind. It has no code of its own.
package modcheck
