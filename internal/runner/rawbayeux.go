package runner

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
)

// bayeuxBrowserCookie is the cookie CometD servers tie Bayeux sessions to; they
// allow one held connect per browser and answer a second at once with
// multiple-clients advice.
const bayeuxBrowserCookie = "BAYEUX_BROWSER"

// isRawBayeux reports whether a scenario's raw request goes to the target's
// notification endpoint.
func (rn *run) isRawBayeux(requestURL string) bool {
	endpoint := rn.t.NotificationsURL()
	return requestURL == endpoint || strings.HasPrefix(requestURL, strings.TrimRight(endpoint, "/")+"/")
}

// rawBayeuxClient is the client of a scenario's own Bayeux requests: a browser
// of its own (the actor's session cookies without the harness client's
// BAYEUX_BROWSER), so the scenario's session and the harness's session for the
// same agent do not share CometD's one held connect per browser.
func (rn *run) rawBayeuxClient(a *agent, requestURL string) *http.Client {
	if a.rawBayeux != nil {
		return a.rawBayeux
	}
	jar, _ := cookiejar.New(nil) // never fails without a public suffix list
	if u, err := url.Parse(requestURL); err == nil && a.client.Jar != nil {
		var session []*http.Cookie
		for _, c := range a.client.Jar.Cookies(u) {
			if c.Name != bayeuxBrowserCookie {
				session = append(session, c)
			}
		}
		jar.SetCookies(u, session)
	}
	a.rawBayeux = newClient(jar, rn.meter)
	return a.rawBayeux
}
