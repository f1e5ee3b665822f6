package fakeapi

import (
	"bytes"
	"mime/multipart"
	"testing"
)

// The three encodings a Bot API client may use read as the same fields;
// files are left out and a JSON value that is not a string keeps its text.
func TestFormValuesInEveryEncoding(t *testing.T) {
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	_ = w.WriteField("chat_id", "42")
	_ = w.WriteField("text", "Hei, Amina")
	fw, _ := w.CreateFormFile("document", "uke.csv")
	_, _ = fw.Write([]byte("a;b"))
	_ = w.Close()
	for name, c := range map[string]struct {
		ct   string
		body []byte
	}{
		"multipart":  {w.FormDataContentType(), mp.Bytes()},
		"urlencoded": {"application/x-www-form-urlencoded", []byte("chat_id=42&text=Hei%2C+Amina")},
		"json":       {"application/json", []byte(`{"chat_id":42,"text":"Hei, Amina"}`)},
	} {
		got := FormValues(c.ct, c.body)
		if got["chat_id"] != "42" || got["text"] != "Hei, Amina" || len(got) != 2 {
			t.Errorf("%s: %q", name, got)
		}
	}
}
