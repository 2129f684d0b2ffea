package replay

import (
	"github.com/gwsconform/gwsconform/internal/testhttp"
	"net/http"
	"testing"
	"time"
)

type (
	call   = testhttp.Call
	answer = testhttp.Answer
)

func do(t *testing.T, client *http.Client, base string, c call) answer {
	t.Helper()
	return testhttp.Do(t, client, base, c)
}

func httpClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }
