package scenarios

import "embed"

// Catalogue is the embedded starter catalogue: scenarios under catalogue/,
// fragments under catalogue/fragments/.
//
//go:embed catalogue
var Catalogue embed.FS
