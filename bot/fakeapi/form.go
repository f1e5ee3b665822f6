package fakeapi

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
)

// FormValues reads the plain fields of a Bot API request body, in
// whichever encoding the client chose (multipart, URL-encoded or JSON),
// for taps and proxies put in front of the fake. Files are left out; a
// JSON field that is not a string keeps its JSON text.
func FormValues(contentType string, body []byte) map[string]string {
	out := map[string]string{}
	ct, params, _ := mime.ParseMediaType(contentType)
	switch ct {
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			part, err := mr.NextPart()
			if err != nil {
				break
			}
			if part.FileName() == "" {
				v, _ := io.ReadAll(io.LimitReader(part, 1<<16))
				out[part.FormName()] = string(v)
			}
		}
	case "application/x-www-form-urlencoded":
		if vals, err := url.ParseQuery(string(body)); err == nil {
			for k, v := range vals {
				out[k] = v[0]
			}
		}
	case "application/json":
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) == nil {
			for k, raw := range obj {
				var s string
				if json.Unmarshal(raw, &s) == nil {
					out[k] = s
				} else {
					out[k] = string(raw)
				}
			}
		}
	}
	return out
}
