package fakeapi

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// htmlTags maps the tags Telegram's HTML parse mode supports to entity
// types. Anything else is an error, which is how a stray "<" in a
// translation breaks a message in production.
var htmlTags = map[string]string{
	"b": "bold", "strong": "bold",
	"i": "italic", "em": "italic",
	"u": "underline", "ins": "underline",
	"s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
	"span": "spoiler", "tg-spoiler": "spoiler",
	"a":          "text_link",
	"code":       "code",
	"pre":        "pre",
	"blockquote": "blockquote",
	"tg-emoji":   "custom_emoji",
}

type openTag struct {
	name   string
	offset int // UTF-16 units, as entity offsets are
	ent    entity
	skip   bool
}

// parseHTML turns Telegram HTML into plain text and entities, with the
// errors (and wording) Telegram uses for malformed markup.
func parseHTML(src string) (string, []entity, error) {
	var (
		b     strings.Builder
		pos   int
		stack []*openTag
		ents  []entity
	)
	add := func(r rune) {
		b.WriteRune(r)
		pos += utf16.RuneLen(r)
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch c {
		case '<':
			end := strings.IndexByte(src[i:], '>')
			if end < 0 {
				return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", i)
			}
			tag := src[i+1 : i+end]
			if name, closing := strings.CutPrefix(tag, "/"); closing {
				name = strings.ToLower(strings.TrimSpace(name))
				if len(stack) == 0 {
					return "", nil, fmt.Errorf("Unexpected end tag at byte offset %d", i)
				}
				top := stack[len(stack)-1]
				if top.name != name {
					return "", nil, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top.name, name)
				}
				stack = stack[:len(stack)-1]
				if length := pos - top.offset; length > 0 && !top.skip {
					e := top.ent
					e.Offset, e.Length = top.offset, length
					ents = append(ents, e)
				}
			} else {
				t, err := openHTMLTag(tag, i, pos, stack)
				if err != nil {
					return "", nil, err
				}
				stack = append(stack, t)
			}
			i += end + 1
		case '&':
			if r, n := htmlEntity(src[i:]); n > 0 {
				add(r)
				i += n
				continue
			}
			add('&')
			i++
		default:
			r, n := utf8.DecodeRuneInString(src[i:])
			add(r)
			i += n
		}
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	sort.SliceStable(ents, func(a, c int) bool {
		if ents[a].Offset != ents[c].Offset {
			return ents[a].Offset < ents[c].Offset
		}
		return ents[a].Length > ents[c].Length
	})
	return b.String(), ents, nil
}

func openHTMLTag(tag string, at, pos int, stack []*openTag) (*openTag, error) {
	name, attrs, _ := strings.Cut(tag, " ")
	name = strings.ToLower(strings.TrimSpace(name))
	typ, known := htmlTags[name]
	if !known {
		return nil, fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", name, at)
	}
	t := &openTag{name: name, offset: pos, ent: entity{Type: typ}}
	switch name {
	case "span":
		if htmlAttr(attrs, "class") != "tg-spoiler" {
			return nil, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", at)
		}
	case "a":
		href := htmlAttr(attrs, "href")
		if href == "" {
			// Telegram drops a link without a target but keeps its text.
			t.skip = true
		}
		t.ent.URL = href
	case "tg-emoji":
		t.ent.CustomEmojiID = htmlAttr(attrs, "emoji-id")
	case "blockquote":
		if strings.Contains(" "+attrs+" ", " expandable") {
			t.ent.Type = "expandable_blockquote"
		}
	case "code":
		// <pre><code class="language-x"> is one pre entity with a language.
		if lang, ok := strings.CutPrefix(htmlAttr(attrs, "class"), "language-"); ok && len(stack) > 0 && stack[len(stack)-1].name == "pre" {
			stack[len(stack)-1].ent.Language = lang
			t.skip = true
		}
	}
	return t, nil
}

// htmlAttr finds name="value" (or 'value', or bare value) in attrs.
func htmlAttr(attrs, name string) string {
	for rest := attrs; rest != ""; {
		rest = strings.TrimLeft(rest, " \t\r\n")
		key, after, found := strings.Cut(rest, "=")
		if !found {
			return ""
		}
		key = strings.ToLower(strings.TrimSpace(key))
		if i := strings.LastIndexAny(key, " \t\r\n"); i >= 0 {
			key = key[i+1:] // a valueless attribute came before this one
		}
		after = strings.TrimLeft(after, " \t\r\n")
		var val string
		if after != "" && (after[0] == '"' || after[0] == '\'') {
			q := after[0]
			end := strings.IndexByte(after[1:], q)
			if end < 0 {
				return ""
			}
			val, rest = after[1:1+end], after[2+end:]
		} else {
			end := strings.IndexAny(after, " \t\r\n")
			if end < 0 {
				end = len(after)
			}
			val, rest = after[:end], after[end:]
		}
		if key == name {
			return decodeEntities(val)
		}
	}
	return ""
}

func decodeEntities(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '&' {
			if r, n := htmlEntity(s[i:]); n > 0 {
				b.WriteRune(r)
				i += n
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// htmlEntity decodes the entities Telegram documents: the four named ones
// and numeric ones. Anything else is left as a literal "&".
func htmlEntity(s string) (rune, int) {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 10 {
		return 0, 0
	}
	body := s[1:end]
	switch body {
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "amp":
		return '&', end + 1
	case "quot":
		return '"', end + 1
	}
	if num, ok := strings.CutPrefix(body, "#"); ok {
		base := 10
		if hex, ok := strings.CutPrefix(strings.ToLower(num), "x"); ok {
			num, base = hex, 16
		}
		v, err := strconv.ParseUint(num, base, 32)
		if err == nil && utf8.ValidRune(rune(v)) {
			return rune(v), end + 1
		}
	}
	return 0, 0
}
