package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"innsjekk/bot"
	"innsjekk/engine"
	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/store"
)

// App is one running bot.
type App struct {
	cfg     Config
	log     *slog.Logger
	conn    *store.Conn
	owns    bool // whether Close closes conn
	st      *store.Store
	eng     *engine.Engine
	client  *bot.Client
	poller  *bot.Poller
	ln      net.Listener
	clock   engine.Clock
	metrics *metrics

	readTimeout time.Duration
	Roster      *roster.Roster
}

// Options are what tests and the sandbox set besides Config.
type Options struct {
	// ReadTimeout bounds reading a whole request, body included; default
	// 15 s.
	ReadTimeout time.Duration
	Clock       engine.Clock
	Conn        *store.Conn // an open store to use instead of cfg.Redis
	Engine      engine.Options
	// Listener to serve on instead of cfg.Listen (tests pass ":0").
	Listener net.Listener
	// RosterName and RosterData give a roster to import instead of a file
	// (the sandbox's built-in example).
	RosterName string
	RosterData []byte
}

// New opens the store, imports the roster file if one is configured (or
// loads the stored roster) and builds the bot. It does not start it.
func New(ctx context.Context, cfg Config, log *slog.Logger, opt Options) (*App, error) {
	if cfg.Token == "" {
		return nil, errors.New("TELEGRAM_TOKEN is not set")
	}
	if (cfg.WebhookURL == "") != (cfg.WebhookSecret == "") {
		return nil, errors.New("INNSJEKK_WEBHOOK_URL and INNSJEKK_WEBHOOK_SECRET go together")
	}
	if err := locales.Check(); err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, clock: opt.Clock, readTimeout: opt.ReadTimeout}
	if a.readTimeout <= 0 {
		a.readTimeout = 15 * time.Second
	}
	if a.clock == nil {
		a.clock = engine.SystemClock{}
	}
	a.conn = opt.Conn
	if a.conn == nil {
		conn, err := store.Open(ctx, cfg.Redis)
		if err != nil {
			return nil, err
		}
		a.conn, a.owns = conn, true
		if conn.Embedded != nil {
			log.Warn("no REDIS_URL: using an embedded in-memory store; nothing survives a restart")
		}
	}
	st, r, err := a.loadRoster(ctx, opt)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.st, a.Roster = st, r
	client, err := bot.NewClient(cfg.Token, cfg.APIURL)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.client = client
	a.eng = engine.New(st, client, a.clock, log, opt.Engine)
	a.eng.SetRoster(r)
	a.metrics = newMetrics(st)
	a.eng.AddObserver(a.metrics.observe)
	if opt.Listener != nil {
		a.ln = opt.Listener
	} else {
		ln, err := net.Listen("tcp", cfg.Listen)
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("listen: %w", err)
		}
		a.ln = ln
	}
	return a, nil
}

func (a *App) loadRoster(ctx context.Context, opt Options) (*store.Store, *roster.Roster, error) {
	if a.cfg.RosterFile != "" || opt.RosterData != nil {
		var r *roster.Roster
		var data []byte
		var err error
		if opt.RosterData != nil {
			data = opt.RosterData
			r, err = roster.Parse(opt.RosterName, data)
		} else {
			r, data, err = LoadRosterFile(a.cfg.RosterFile)
		}
		if err != nil {
			return nil, nil, err
		}
		st := store.New(a.conn.Client, r.Programme.ID)
		removed, err := Import(ctx, st, r, data, a.clock.Now())
		if err != nil {
			return nil, nil, fmt.Errorf("import roster: %w", err)
		}
		a.log.Info("roster imported", "programme", r.Programme.ID, "participants", len(r.Participants), "removed", len(removed))
		return st, r, nil
	}
	return ProgrammeStore(ctx, a.conn, "")
}

// Engine returns the app's engine.
func (a *App) Engine() *engine.Engine { return a.eng }

// Store returns the app's store.
func (a *App) Store() *store.Store { return a.st }

// Addr is the address the HTTP listener serves on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// Close releases the store if the app opened it.
func (a *App) Close() {
	if a.owns && a.conn != nil {
		a.conn.Close()
	}
}

// Run runs the bot until ctx ends, then shuts down gracefully: intake
// stops first, updates being handled finish, the listener drains.
func (a *App) Run(ctx context.Context) error {
	// A token Telegram refuses can never work: stop at once and say so.
	// Without a network the bot starts and keeps trying, with back-off.
	gctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	_, err := a.client.Username(gctx)
	cancel()
	switch {
	case bot.IsTokenRefused(err):
		return bot.ErrTokenRefused
	case err != nil:
		a.log.Warn("cannot reach the Bot API yet; will keep trying", "err", err)
	}
	if err := a.client.SetCommands(ctx); err != nil {
		a.log.Warn("set command menus", "err", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", a.ready)
	mux.Handle("GET /metrics", a.metrics.handler())
	mux.Handle("GET /ics/{file}", a.feeds())
	var intake func(context.Context) error
	if a.cfg.WebhookURL != "" {
		u, err := url.Parse(a.cfg.WebhookURL)
		if err != nil || u.Path == "" {
			return fmt.Errorf("INNSJEKK_WEBHOOK_URL %q needs a path", a.cfg.WebhookURL)
		}
		mux.Handle("POST "+u.Path, &bot.Webhook{Secret: a.cfg.WebhookSecret, Intake: a.eng, Client: a.client, Languages: a.eng, Log: a.log})
		intake = func(ctx context.Context) error {
			// Telegram busy (429, 5xx) at start is no reason to stop: keep
			// trying, as the poller does; a refused token is.
			for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
				err := a.client.SetWebhook(ctx, a.cfg.WebhookURL, a.cfg.WebhookSecret)
				if err == nil {
					break
				}
				if bot.IsTokenRefused(err) || ctx.Err() != nil {
					return fmt.Errorf("set webhook: %w", err)
				}
				a.log.Warn("set webhook; retrying", "in", wait.String(), "err", err)
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(wait):
				}
			}
			a.log.Info("webhook set", "path", u.Path)
			<-ctx.Done()
			return nil
		}
	} else {
		a.poller = &bot.Poller{Client: a.client, Intake: a.eng, Offsets: a.st, Languages: a.eng, Log: a.log}
		intake = a.poller.Run
	}
	// A slow client may not hold a connection: Telegram's webhook posts a
	// small body at once, and every other endpoint takes none.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: a.readTimeout,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	engCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	defer stopEngine()
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	wg.Add(3)
	go func() {
		defer wg.Done()
		if err := srv.Serve(a.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http: %w", err)
		}
	}()
	go func() {
		defer wg.Done()
		if err := a.eng.Run(engCtx); err != nil {
			errs <- err
		}
	}()
	go func() {
		defer wg.Done()
		if err := intake(ctx); err != nil {
			errs <- err
		}
	}()
	go a.followRoster(engCtx)
	a.log.Info("innsjekk running", "programme", a.Roster.Programme.ID, "listen", a.Addr(), "webhook", a.cfg.WebhookURL != "")
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errs:
	}
	// Intake stops with ctx; then the listener, then the engine finishes
	// what it holds.
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	stopEngine()
	wg.Wait()
	a.log.Info("innsjekk stopped")
	return runErr
}

// followRoster picks up a roster that "innsjekk roster import" stored
// while the bot runs, so new people can be invited without a restart.
func (a *App) followRoster(ctx context.Context) {
	// Only the import's sequence number is polled: a large roster is read
	// and parsed when it changed, not every five seconds.
	last, _ := a.st.RosterSeq(ctx)
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		seq, err := a.st.RosterSeq(ctx)
		if err != nil || seq == last {
			continue
		}
		data, err := a.st.Roster(ctx)
		if err != nil || data == nil {
			continue
		}
		last = seq
		r, err := roster.Parse("stored roster", data)
		if err != nil {
			a.log.Error("stored roster does not parse; keeping the current one", "err", err)
			continue
		}
		a.eng.SetRoster(r)
		a.log.Info("roster reloaded", "participants", len(r.Participants))
		// New people and changed hours need today's jobs now, not after
		// midnight.
		if err := a.eng.PlanDay(ctx, a.eng.Roster().Cal.Today(a.clock.Now())); err != nil {
			a.log.Warn("plan today after roster reload", "err", err)
		}
	}
}

func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.st.Ping(ctx); err != nil {
		http.Error(w, "redis unreachable", http.StatusServiceUnavailable)
		return
	}
	if !a.eng.Running() || (a.poller != nil && !a.poller.Running()) {
		http.Error(w, "intake not running", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}
