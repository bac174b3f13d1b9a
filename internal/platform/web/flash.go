package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
)

// Flash is a one-time message shown on the next page (after a redirect).
type Flash struct {
	Kind    string // "success", "info", "error"
	Message string
}

const flashCookie = "joinedup_flash"

// SetFlash stores f in a short-lived cookie.
func SetFlash(w http.ResponseWriter, r *http.Request, f Flash) {
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		MaxAge: 60, HttpOnly: true, Secure: HTTPS(r), SameSite: http.SameSiteLaxMode})
}

// TakeFlash reads and clears the flash message.
func TakeFlash(w http.ResponseWriter, r *http.Request) Flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return Flash{}
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: HTTPS(r), SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) > 2000 {
		return Flash{}
	}
	var f Flash
	if json.Unmarshal(b, &f) != nil {
		return Flash{}
	}
	switch f.Kind {
	case "success", "info", "error":
	default:
		f.Kind = "info"
	}
	return f
}
