// Package modcheck holds the tests of the module as a whole: the layering of
// its packages (who may depend on whom, by `go list -deps`) and the tidiness of
// go.mod (`go mod tidy -diff`). It has no code of its own.
package modcheck
