package fakeapi

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseHTML(t *testing.T) {
	tests := []struct {
		in        string
		wantPlain string
		wantEnts  []entity
		wantErr   string
	}{
		{in: "plain", wantPlain: "plain"},
		{in: "<b>Hei</b> du", wantPlain: "Hei du", wantEnts: []entity{{Type: "bold", Offset: 0, Length: 3}}},
		{in: "a &lt;b&gt; &amp; &#229;&#x1F600; &nbsp", wantPlain: "a <b> & å😀 &nbsp"},
		{in: "😀<i>x</i>", wantPlain: "😀x", wantEnts: []entity{{Type: "italic", Offset: 2, Length: 1}}},
		{in: `<b>fet <i>og</i></b>`, wantPlain: "fet og", wantEnts: []entity{{Type: "bold", Length: 6}, {Type: "italic", Offset: 4, Length: 2}}},
		{in: `<a href="https://x.org/?a=1&amp;b=2">lenke</a>`, wantPlain: "lenke", wantEnts: []entity{{Type: "text_link", Length: 5, URL: "https://x.org/?a=1&b=2"}}},
		{in: `<pre><code class="language-go">x := 1</code></pre>`, wantPlain: "x := 1", wantEnts: []entity{{Type: "pre", Length: 6, Language: "go"}}},
		{in: `<span class="tg-spoiler">s</span><blockquote expandable>q</blockquote>`, wantPlain: "sq", wantEnts: []entity{{Type: "spoiler", Length: 1}, {Type: "expandable_blockquote", Offset: 1, Length: 1}}},
		{in: "<b></b>", wantPlain: ""},
		{in: "1 < 2", wantErr: `Unclosed start tag at byte offset 2`},
		{in: "<br>", wantErr: `Unsupported start tag "br" at byte offset 0`},
		{in: "<b>x</i>", wantErr: `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{in: "x</b>", wantErr: `Unexpected end tag at byte offset 1`},
		{in: "<b>x", wantErr: `Can't find end tag corresponding to start tag "b"`},
		{in: `<span>x</span>`, wantErr: `Tag "span" must have class "tg-spoiler" at byte offset 0`},
	}
	for _, tt := range tests {
		plain, ents, err := parseHTML(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("parseHTML(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseHTML(%q): %v", tt.in, err)
			continue
		}
		if plain != tt.wantPlain {
			t.Errorf("parseHTML(%q) text = %q, want %q", tt.in, plain, tt.wantPlain)
		}
		if diff := cmp.Diff(tt.wantEnts, ents); diff != "" {
			t.Errorf("parseHTML(%q) entities (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestSpecCoversClientMethods(t *testing.T) {
	for _, m := range []string{"getMe", "getUpdates", "sendMessage", "editMessageText", "answerCallbackQuery", "setMyCommands", "sendDocument", "setWebhook"} {
		if lookupMethod(m) == nil {
			t.Errorf("method %s missing from the embedded spec", m)
		}
	}
	if lookupMethod("SENDMESSAGE") == nil {
		t.Errorf("method names must match case-insensitively")
	}
	if v := SpecVersion(); v != "Bot API 9.4" {
		t.Errorf("SpecVersion() = %q", v)
	}
}
