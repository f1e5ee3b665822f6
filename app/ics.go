package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/ics"
	"innsjekk/roster"
	"innsjekk/schedule"
	"innsjekk/store"
)

// A calendar feed belongs to one participant or one staff member (their
// caseload). Its owner says which, so that a token made for a staff
// member's feed never serves a participant who later gets the same id.

// ParticipantFeed and StaffFeed name a feed's owner.
func ParticipantFeed(id string) string { return "participant:" + id }
func StaffFeed(id string) string       { return "staff:" + id }

// feedTokenBytes is the token's randomness: 128 bits, written in 22
// URL-safe characters.
const feedTokenBytes = 16

// FeedToken returns the token of owner's feed, making one if there is
// none; with renew it always makes a new one and the old URL stops
// working.
func FeedToken(ctx context.Context, st *store.Store, owner string, renew bool) (string, error) {
	buf := make([]byte, feedTokenBytes)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	tok, err := st.FeedToken(ctx, owner, base64.RawURLEncoding.EncodeToString(buf), renew)
	if err != nil {
		return "", fmt.Errorf("feed token: %w", err)
	}
	return tok, nil
}

// FeedURL is where a feed is served: under publicURL (INNSJEKK_PUBLIC_URL,
// the address a proxy in front of the listener answers on) if set, else
// on the listener itself.
func FeedURL(publicURL, listen, token string) string {
	base := strings.TrimRight(publicURL, "/")
	if base == "" {
		base = "http://" + listen
	}
	return base + "/ics/" + token + ".ics"
}

// Feed builds owner's feed from the roster and what is stored; ok is
// false when the owner is not (or no longer) in the roster.
func Feed(ctx context.Context, st *store.Store, r *roster.Roster, cal *schedule.Calendar, owner string, opt ics.Options) (feed []byte, ok bool, err error) {
	kind, id, _ := strings.Cut(owner, ":")
	switch kind {
	case "participant":
		p := r.Participant(id)
		if p == nil {
			return nil, false, nil
		}
		rec, err := loadRecord(ctx, st, p.ID)
		if err != nil {
			return nil, false, err
		}
		return ics.Participant(r, cal, p, rec, opt), true, nil
	case "staff":
		s := r.StaffMember(id)
		if s == nil {
			return nil, false, nil
		}
		recs := map[string]flows.Record{}
		for _, p := range r.Caseload(s) {
			rec, err := loadRecord(ctx, st, p.ID)
			if err != nil {
				return nil, false, err
			}
			recs[p.ID] = rec
		}
		return ics.Staff(r, cal, s, recs, opt), true, nil
	}
	return nil, false, nil
}

func loadRecord(ctx context.Context, st *store.Store, person string) (flows.Record, error) {
	fields, err := st.Record(ctx, string(flows.PersonKey(person)))
	if err != nil {
		return nil, fmt.Errorf("load record %s: %w", person, err)
	}
	// A field that does not decode (a newer version's, say) is left out
	// rather than failing the whole feed.
	rec, _ := codec.DecodeRecord(fields)
	return rec, nil
}

// Feeds serves calendar feeds at GET /ics/{token}.ics. An unknown or
// replaced token gets a bare 404, the same as any other missing page,
// so a guess learns nothing.
type Feeds struct {
	Store  *store.Store
	Roster func() (*roster.Roster, *schedule.Calendar)
	Now    func() time.Time
	Log    *slog.Logger
}

func (f *Feeds) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	token, ok := strings.CutSuffix(req.PathValue("file"), ".ics")
	if !ok || !validToken(token) {
		http.NotFound(w, req)
		return
	}
	ctx, cancel := context.WithTimeout(req.Context(), 5*time.Second)
	defer cancel()
	owner, err := f.Store.FeedOwner(ctx, token)
	if err != nil {
		f.Log.Warn("calendar feed: store", "err", err)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	}
	if owner == "" {
		http.NotFound(w, req)
		return
	}
	r, cal := f.Roster()
	feed, ok, err := Feed(ctx, f.Store, r, cal, owner, ics.Options{Now: f.Now()})
	switch {
	case err != nil:
		f.Log.Warn("calendar feed: build", "owner", owner, "err", err)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	case !ok:
		http.NotFound(w, req)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="innsjekk.ics"`)
	// Private: the URL is the only secret, and no cache on the way may
	// keep a copy after it is revoked for longer than this.
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Header().Set("X-Robots-Tag", "noindex")
	_, _ = w.Write(feed)
	f.Log.Debug("calendar feed served", "owner", owner)
}

// validToken reports whether s could be a token FeedToken made, so that
// nothing else reaches Redis.
func validToken(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(feedTokenBytes) {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// feeds is the listener's calendar feed handler, on the running bot's
// current roster.
func (a *App) feeds() *Feeds {
	return &Feeds{Store: a.st, Now: a.clock.Now, Log: a.log, Roster: func() (*roster.Roster, *schedule.Calendar) {
		snap := a.eng.Roster()
		return snap.Roster, snap.Cal
	}}
}
