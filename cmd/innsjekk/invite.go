package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/skip2/go-qrcode"

	"innsjekk/app"
	"innsjekk/bot"
	"innsjekk/codec"
	"innsjekk/roster"
	"innsjekk/sheet"
	"innsjekk/store"
)

const inviteArgs = "PERSON_ID [--qr FILE] | --all [--participants] [--pdf FILE]"

func cmdInvite(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "invite", inviteArgs, "make invite links, or a PDF sheet of them")
	qr := fs.String("qr", "", "also write the link as a QR code PNG to FILE")
	days := fs.Int("days", 14, "days the code stays valid")
	all := fs.Bool("all", false, "invite everyone in the roster who is not on Telegram yet")
	onlyParticipants := fs.Bool("participants", false, "with --all: participants only, not staff or employer contacts")
	alsoBound := fs.Bool("also-on-telegram", false, "with --all: people already on Telegram too (a new phone, say)")
	pdfFile := fs.String("pdf", "", "write an invite sheet (PDF): a page per person with their QR code")
	grid := fs.Bool("grid", false, "with --pdf: eight people to a page, to cut apart")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case *all && len(pos) != 0:
		return usagef("--all takes no PERSON_ID")
	case !*all && len(pos) != 1:
		return usagef("need exactly one PERSON_ID, or --all")
	case !*all && (*onlyParticipants || *alsoBound):
		return usagef("--participants and --also-on-telegram go with --all")
	case *all && *qr != "":
		return usagef("--qr is for one person; use --pdf with --all")
	case *grid && *pdfFile == "":
		return usagef("--grid goes with --pdf")
	}
	if *days < 1 || *days > 90 {
		return usagef("--days must be between 1 and 90")
	}
	user := botUsername(ctx, e)
	if user == "" && (*qr != "" || *pdfFile != "") {
		return fmt.Errorf("--qr and --pdf need the bot's username: set INNSJEKK_BOT_USERNAME or TELEGRAM_TOKEN")
	}
	conn, st, r, err := openProgrammeToWrite(ctx, e)
	if err != nil {
		return err
	}
	defer conn.Close()
	ids := pos
	if *all {
		if ids, err = notOnTelegram(ctx, st, r, *onlyParticipants, *alsoBound); err != nil {
			return err
		}
		if len(ids) == 0 {
			fmt.Fprintln(e.stdout, "no one to invite: everyone is on Telegram already (--also-on-telegram invites them again)")
			return nil
		}
	}
	now := time.Now()
	ttl := time.Duration(*days) * 24 * time.Hour
	var people []sheet.Invite
	for _, id := range ids {
		inv, err := app.NewInvite(ctx, st, r, id, now, ttl)
		if err != nil {
			return err
		}
		link := ""
		if user != "" {
			link = fmt.Sprintf("https://t.me/%s?start=%s", user, inv.Code)
		}
		p, _ := r.Person(id)
		people = append(people, sheet.Invite{Name: p.Name, Language: p.Language, Link: link, Expires: inv.Expires})
		if *all {
			// One line a person, to paste into a mail merge.
			if link != "" {
				fmt.Fprintf(e.stdout, "%s\t%s\n", id, link)
			} else {
				fmt.Fprintf(e.stdout, "%s\t/start %s\n", id, inv.Code)
			}
			continue
		}
		fmt.Fprintf(e.stdout, "code: %s\n", inv.Code)
		fmt.Fprintf(e.stdout, "expires: %s\n", inv.Expires.In(r.Programme.Location).Format("2006-01-02 15:04"))
		if link == "" {
			fmt.Fprintf(e.stdout, "send to the bot: /start %s\n", inv.Code)
			continue
		}
		fmt.Fprintf(e.stdout, "link: %s\n", link)
		if *qr != "" {
			if err := qrcode.WriteFile(link, qrcode.Medium, 512, *qr); err != nil {
				return fmt.Errorf("write QR code: %w", err)
			}
			fmt.Fprintf(e.stdout, "qr: %s\n", *qr)
		}
	}
	if *pdfFile != "" {
		if err := writeSheet(*pdfFile, people, sheet.Options{Title: r.Programme.Name, Grid: *grid,
			Location: r.Programme.Location, Created: now}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "pdf: %s (%d people)\n", *pdfFile, len(people))
	}
	return nil
}

// botUsername is the bot's username for links: INNSJEKK_BOT_USERNAME, or
// asked of Telegram with TELEGRAM_TOKEN; "" when neither works.
func botUsername(ctx context.Context, e *env) string {
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
	return user
}

// notOnTelegram lists, in roster order, the people to invite with --all:
// participants, then staff and employer contacts unless onlyParticipants;
// those with a Telegram chat bound are left out unless alsoBound.
func notOnTelegram(ctx context.Context, st *store.Store, r *roster.Roster, onlyParticipants, alsoBound bool) ([]string, error) {
	people, err := st.People(ctx)
	if err != nil {
		return nil, err
	}
	bound := func(id string) bool {
		raw, ok := people[id]
		if !ok {
			return false
		}
		b, err := codec.DecodeBinding([]byte(raw))
		return err == nil && b.Chat != 0
	}
	var ids []string
	for _, p := range r.Participants {
		ids = append(ids, p.ID)
	}
	if !onlyParticipants {
		for _, s := range r.Staff {
			ids = append(ids, s.ID)
		}
		for _, emp := range r.Employers {
			for _, c := range emp.Contacts {
				ids = append(ids, c.ID)
			}
		}
	}
	var out []string
	for _, id := range ids {
		if alsoBound || !bound(id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// writeSheet writes the PDF next to its final name first, so a failure
// leaves no half-written sheet behind.
func writeSheet(path string, people []sheet.Invite, opt sheet.Options) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write sheet: %w", err)
	}
	if err := sheet.Write(f, people, opt); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write sheet: %w", err)
	}
	return os.Rename(tmp, path)
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
	ok, err := app.Forget(ctx, st, r, pos[0], time.Now())
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
