package main

import (
	"context"
	"fmt"
	"time"

	"github.com/skip2/go-qrcode"

	"innsjekk/app"
	"innsjekk/bot"
	"innsjekk/roster"
	"innsjekk/store"
)

func cmdInvite(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "invite", "PERSON_ID [--qr FILE] [--days N]", "make a single-use invite link")
	qr := fs.String("qr", "", "also write the link as a QR code PNG to FILE")
	days := fs.Int("days", 14, "days the code stays valid")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("need exactly one PERSON_ID")
	}
	if *days < 1 || *days > 90 {
		return usagef("--days must be between 1 and 90")
	}
	user := app.FromEnv(e.getenv).BotUsername
	if user == "" && e.getenv("TELEGRAM_TOKEN") != "" {
		c, err := bot.NewClient(e.getenv("TELEGRAM_TOKEN"), e.getenv("TELEGRAM_API_URL"))
		if err == nil {
			gctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			user, err = c.Username(gctx)
			cancel()
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "warning: could not ask Telegram for the bot's username: %v\n", err)
		}
	}
	if user == "" && *qr != "" {
		return fmt.Errorf("--qr needs the bot's username: set INNSJEKK_BOT_USERNAME or TELEGRAM_TOKEN")
	}
	conn, st, r, err := openProgrammeToWrite(ctx, e)
	if err != nil {
		return err
	}
	defer conn.Close()
	inv, err := app.NewInvite(ctx, st, r, pos[0], time.Now(), time.Duration(*days)*24*time.Hour)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "code: %s\n", inv.Code)
	fmt.Fprintf(e.stdout, "expires: %s\n", inv.Expires.In(r.Programme.Location).Format("2006-01-02 15:04"))
	if user == "" {
		fmt.Fprintf(e.stdout, "send to the bot: /start %s\n", inv.Code)
		return nil
	}
	link := fmt.Sprintf("https://t.me/%s?start=%s", user, inv.Code)
	fmt.Fprintf(e.stdout, "link: %s\n", link)
	if *qr != "" {
		if err := qrcode.WriteFile(link, qrcode.Medium, 512, *qr); err != nil {
			return fmt.Errorf("write QR code: %w", err)
		}
		fmt.Fprintf(e.stdout, "qr: %s\n", *qr)
	}
	return nil
}

func cmdForget(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "forget", "PERSON_ID", "erase a person's reports, chat binding and conversation")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("need exactly one PERSON_ID")
	}
	conn, st, r, err := openProgrammeToWrite(ctx, e)
	if err != nil {
		return err
	}
	defer conn.Close()
	if p, _ := r.Person(pos[0]); p == nil {
		return fmt.Errorf("no person %q in the roster", pos[0])
	}
	ok, err := app.Forget(ctx, st, pos[0], time.Now())
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintf(e.stdout, "erased the reports of %s; no Telegram chat was bound\n", pos[0])
		return nil
	}
	fmt.Fprintf(e.stdout, "erased the reports, Telegram binding and conversation of %s\n", pos[0])
	return nil
}

// openProgramme opens the store and finds the programme an admin command
// works on, with its roster.
func openProgramme(ctx context.Context, e *env) (*store.Conn, *store.Store, *roster.Roster, error) {
	return programme(ctx, e, openStore)
}

// openProgrammeToWrite is openProgramme for a command that changes stored
// data: it refuses the embedded store.
func openProgrammeToWrite(ctx context.Context, e *env) (*store.Conn, *store.Store, *roster.Roster, error) {
	return programme(ctx, e, openStoreToWrite)
}

func programme(ctx context.Context, e *env, open func(context.Context, *env) (*store.Conn, error)) (*store.Conn, *store.Store, *roster.Roster, error) {
	conn, err := open(ctx, e)
	if err != nil {
		return nil, nil, nil, err
	}
	st, r, err := app.ProgrammeStore(ctx, conn, e.getenv("INNSJEKK_ROSTER"))
	if err != nil {
		conn.Close()
		return nil, nil, nil, err
	}
	return conn, st, r, nil
}
